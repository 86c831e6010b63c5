"""Breakpoint conditions and watch expressions: a small, safe expression language.

A lecturer types ``norm(dW[2]) < 1e-4``, ``loss > prev_loss`` or ``W[2][0, 1]``. :func:`parse`
checks the text once, when it is typed, and compiles it into a tree of small closures, so that
evaluating it at every stop does no parsing at all. The text is never handed to ``eval``: a
hand-written tokenizer and recursive-descent parser accept only the vocabulary below, and
anything else (attributes, strings, lambdas, comprehensions, unknown names) is refused with a
:class:`ConditionError` that says what is wrong and where.

Values come from a :class:`Context`, which the debugger implements lazily: it is asked for a
canonical key (``"dW[2]"``, ``"loss"``) and raises :class:`Unavailable` when that value does not
exist at the current stop (``dW[2]`` during the forward pass, ``prev_loss`` in iteration 1).

Semantics, in brief (the user-facing version is :data:`HELP_TEXT`):

- Numbers are float64 and follow IEEE rules: ``1/0`` is ``inf``, ``log(0)`` is ``-inf``,
  ``sqrt(-1)`` is ``nan``; evaluation never warns or raises for them.
- Arrays keep the engine's layout: ``W[l]``, ``dW[l]`` are ``(n_l, n_{l-1})``; ``z``, ``a``,
  ``dz``, ``da`` (and ``x``, ``yhat``) are ``(n_l, B)`` with one column per sample; ``b[l]``,
  ``db[l]`` are columns ``(n_l, 1)`` as in the notes (a flat ``(n_l,)`` from the context is
  read as a column), so that ``z[2] - b[2]`` lines up unit by unit.
- Indices are whole numbers from 0, negative ones count from the end, and ``A[i][j]`` means
  ``A[i, j]``. One index selects a unit, i.e. a row: ``a[2][1]`` is unit 1 across the batch,
  ``W[2][1]`` the weights into unit 1. An indexed result with a single element is a plain
  number, so ``a[2][1]`` is a number when the batch holds one sample, and ``b[2][1]`` always.
  An index outside the array makes the expression unavailable at that stop; with the network's
  sizes, indices outside W, b, z, a and their gradients are refused when typed.
- Comparisons work element-wise and chain like Python (``0 < a[2] < 1`` holds element by
  element). Wherever a truth value is needed (a breakpoint, ``and``/``or``/``not``) an array
  counts as true when *any* element is true: ``dz[2] > 1`` hits when some element exceeds 1, and
  ``not (dz[2] > 1)`` holds when none does.
- ``and``/``or``/``not`` use three-valued logic with :class:`Unavailable` as "unknown":
  ``nonfinite or norm(dW[2]) < 1e-4`` still fires on a non-finite value at a forward stop, where
  ``dW[2]`` does not exist yet; ``iteration > 1 and loss > prev_loss`` is false in iteration 1.
"""

from __future__ import annotations

import difflib
import functools
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from .metrics import row_norms

__all__ = [
    "HELP_TEXT",
    "VOCABULARY",
    "ConditionError",
    "Context",
    "Expression",
    "MappingContext",
    "Unavailable",
    "parse",
]

Value = float | bool | np.ndarray


# ---------------------------------------------------------------------------------------------
# Errors and contexts


class ConditionError(ValueError):
    """A condition or watch expression that cannot be accepted, with a message for the user.

    ``column`` (1-based, in the text as typed) points at the offending place when there is one,
    so a text field can put the cursor there.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


class Unavailable(Exception):
    """A value that does not exist at the current stop, e.g. ``dW[2]`` before its backward stop.

    Raised by a :class:`Context` for a missing key, and by evaluation for an index outside the
    array it is applied to at this stop. It makes the whole expression unavailable at this stop
    (a breakpoint does not hit, a watch shows no value); it is not an error.
    """

    def __init__(self, key: str = "", detail: str = "") -> None:
        self.key = key
        self.detail = detail or (f"{key} has no value at this stop" if key else "no value")
        super().__init__(self.detail)


class Context(Protocol):
    """Where an expression reads its values, at one stop of the debugger."""

    def value(self, key: str) -> float | bool | np.ndarray:
        """The value of a canonical key ("W[2]", "dz[3]", "loss", ...), or raise Unavailable."""
        ...


class MappingContext:
    """A :class:`Context` over a plain mapping of keys to values; a missing key is unavailable.

    For tests, scripts and notebooks: ``MappingContext({"loss": 0.3, "prev_loss": 0.2})``.
    """

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = values

    def value(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise Unavailable(key) from None


# ---------------------------------------------------------------------------------------------
# Vocabulary

_NUMBER = "number"
_TRUTH = "truth"

# Layered names and the first layer they exist for: parameters and z exist from layer 2, the
# activations from layer 1 (a[1] is the input x).
_LAYERED: dict[str, int] = {"W": 2, "b": 2, "dW": 2, "db": 2, "z": 2, "dz": 2, "a": 1, "da": 1}
# b and db are columns (n_l, 1) in the language, as in z = W·a + b, whether the context stores
# them flat or as columns: then z[2] - b[2] broadcasts unit by unit, and b[2][i] is a number.
_COLUMNS = frozenset({"b", "db"})
_GRADIENT_OF = {"W": "dW", "b": "db"}

# Names without a layer: kind, and whether the value is a single number.
_PLAIN: dict[str, tuple[str, bool]] = {
    "x": (_NUMBER, False),
    "y": (_NUMBER, False),
    "yhat": (_NUMBER, False),
    "loss": (_NUMBER, True),
    "prev_loss": (_NUMBER, True),
    "lr": (_NUMBER, True),
    "iteration": (_NUMBER, True),
    "epoch": (_NUMBER, True),
    "index": (_NUMBER, True),
    "misclassified": (_TRUTH, True),
    "nonfinite": (_TRUTH, True),
}

# What a lecturer may paste from the notes or slides.
_NAME_ALIASES = {"ŷ": "yhat", "η": "lr"}
_GRADIENT_PREFIXES = ("∂l/∂", "∂L/∂", "∂ℓ/∂")
_OPERATOR_ALIASES = {"≤": "<=", "≥": ">=", "≠": "!=", "−": "-"}

# Only for "did you mean": words people type for something we spell differently.
_SYNONYMS = {
    "eta": "lr",
    "learning_rate": "lr",
    "l": "loss",
    "y_hat": "yhat",
    "prev": "prev_loss",
    "previous_loss": "prev_loss",
    "iter": "iteration",
    "step": "index",
}

_NAME_HELP: dict[str, str] = {
    "W[l]": "weights into layer l, (n_l, n_{l-1}); l = 2..L",
    "b[l]": "biases of layer l, a column (n_l, 1); l = 2..L",
    "dW[l]": "∂l/∂W[l], the batch-mean gradient of W[l]",
    "db[l]": "∂l/∂b[l], the batch-mean gradient of b[l]",
    "z[l]": "linear node z[l] = W[l]·a[l-1] + b[l], (n_l, B); l = 2..L",
    "a[l]": "activation a[l], (n_l, B); l = 1..L, a[1] = x",
    "dz[l]": "∂l/∂z[l], (n_l, B)",
    "da[l]": "∂l/∂a[l], (n_l, B); l = 1..L",
    "x": "the input of the batch, = a[1]",
    "y": "the labels of the batch",
    "yhat": "the output, = a[L] (also ŷ)",
    "loss": "this iteration's batch-mean loss",
    "prev_loss": "the previous iteration's loss",
    "lr": "the learning rate (also η)",
    "iteration": "the iteration, from 1",
    "epoch": "the epoch",
    "index": "the stop's index within the iteration, from 1",
    "misclassified": "true when the sample (any sample of the batch) is misclassified",
    "nonfinite": "true when some value at this stop is NaN or ±inf",
}


def _norm(v: Any) -> Any:
    """Frobenius / 2-norm of all elements, without overflow or underflow in the squares."""
    return row_norms(np.ravel(np.asarray(v, dtype=np.float64))[None, :])[0]


def _nonempty(reduce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A reduction that treats an empty array as unavailable rather than warning."""

    def reduced(v: Any) -> Any:
        if np.size(v) == 0:
            raise Unavailable(detail="reduction of an empty array")
        return reduce(v)

    return reduced


def _max(*args: Any) -> Any:
    return np.maximum(*args) if len(args) == 2 else np.max(args[0])


def _min(*args: Any) -> Any:
    return np.minimum(*args) if len(args) == 2 else np.min(args[0])


def _compiled_apart(*args: Any) -> Any:
    raise AssertionError("compiled by its own method of the parser")


@dataclass(frozen=True, slots=True)
class _Function:
    arities: tuple[int, ...]
    accepts: str  # _NUMBER: number arguments only; _TRUTH: numbers or truth values
    result: str
    reduces: bool  # the result is a single value
    impl: Callable[..., Any]
    help: str


_FUNCTIONS: dict[str, _Function] = {
    "norm": _Function((1,), _NUMBER, _NUMBER, True, _norm, "Frobenius / 2-norm of all elements"),
    "abs": _Function((1,), _NUMBER, _NUMBER, False, np.abs, "absolute value, element-wise"),
    # max/min of an empty array raise ValueError, which evaluation turns into Unavailable.
    "max": _Function((1, 2), _NUMBER, _NUMBER, True, _max, "largest element; max(a, b)"),
    "min": _Function((1, 2), _NUMBER, _NUMBER, True, _min, "smallest element; min(a, b)"),
    "mean": _Function((1,), _TRUTH, _NUMBER, True, _nonempty(np.mean), "mean of all elements"),
    "sum": _Function(
        (1,), _TRUTH, _NUMBER, True, lambda v: np.sum(v, dtype=np.float64), "sum of all elements"
    ),
    "sqrt": _Function((1,), _NUMBER, _NUMBER, False, np.sqrt, "square root, element-wise"),
    "log": _Function((1,), _NUMBER, _NUMBER, False, np.log, "natural log, element-wise"),
    "exp": _Function((1,), _NUMBER, _NUMBER, False, np.exp, "e to the power, element-wise"),
    "any": _Function((1,), _TRUTH, _TRUTH, True, np.any, "true if some element is true/non-zero"),
    "all": _Function((1,), _TRUTH, _TRUTH, True, np.all, "true if every element is true/non-zero"),
    "isnan": _Function((1,), _NUMBER, _TRUTH, False, np.isnan, "NaN test, element-wise"),
    "isinf": _Function((1,), _NUMBER, _TRUTH, False, np.isinf, "±inf test, element-wise"),
    "finite": _Function(
        (1,), _NUMBER, _TRUTH, True, lambda v: np.all(np.isfinite(v)), "true if all are finite"
    ),
    # ratio is compiled by _Parser.ratio: its argument names a parameter, it is not a value.
    "ratio": _Function((1,), _NUMBER, _NUMBER, True, _compiled_apart, "lr·norm(dW[l])/norm(W[l])"),
}
_FUNCTION_LIST = ", ".join(sorted(_FUNCTIONS))

VOCABULARY: Mapping[str, str] = {
    **_NAME_HELP,
    **{f"{name}(e)": fn.help for name, fn in _FUNCTIONS.items() if name != "ratio"},
    "ratio(W[l])": "update-to-weight ratio lr·norm(dW[l])/norm(W[l]); also ratio(b[l])",
}
"""Every name and function of the language with a one-line description (for tooltips)."""

HELP_TEXT = "\n".join(
    [
        "Conditions and watches use the network's notation: layers count from the input",
        "(layer 1), and names with a layer take it in brackets: W[2], dz[3], a[1].",
        "",
        *(f"  {key:<15} {text}" for key, text in VOCABULARY.items()),
        "",
        "Operators: + - * / ** (power), unary -, comparisons < <= > >= == != (chained as in",
        "0 < a[2] < 1), and, or, not, parentheses. Also accepted: ∂l/∂W[2] for dW[2], ŷ, η,",
        "≤ ≥ ≠. Index an array with whole numbers from 0 (negative ones count from the end):",
        "W[2][0, 1] is the weight from unit 1 of layer 1 into unit 0 of layer 2. One index picks",
        "a unit (a row): a[2][1] is unit 1 for every sample of the batch, a single number when",
        "the batch has one sample; a[2][1, 0] is unit 1 of sample 0; b[2][1] is a bias.",
        "An array comparison holds when ANY element satisfies it: dz[2] > 1 stops when some",
        "element exceeds 1. A value that does not exist at a stop (dW[2] in the forward pass,",
        "prev_loss in iteration 1) makes the condition false there.",
    ]
)
"""The language for users, as one text (the GUI shows it as a tooltip)."""


# ---------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "number", "name", "op" (operators, brackets, and/or/not) or "end"
    text: str  # as typed, for messages
    value: Any  # float for numbers, canonical name or operator otherwise
    start: int  # offsets into the normalised source
    end: int

    @property
    def column(self) -> int:
        return self.start + 1


_NUMBER_RE = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NUMBER_TAIL_RE = re.compile(r"[\w.]*")
_OPERATORS = ("**", "<=", ">=", "==", "!=", "+", "-", "*", "/", "<", ">", "(", ")", "[", "]", ",")
_KEYWORDS = frozenset({"and", "or", "not"})
# Characters and pairs that are not operators here, with what to write instead.
_HINTS = {
    "&&": "use 'and'",
    "||": "use 'or'",
    "//": "use '/'",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not'",
    "=": "use '==' to compare",
    "^": "use '**' for powers",
    ".": "attribute access is not allowed",
    "'": "text in quotes is not allowed",
    '"': "text in quotes is not allowed",
    "∂": "write gradients as ∂l/∂W[2] or dW[2]",
}
_MAX_LENGTH = 2000
_MAX_NESTING = 40  # brackets, unary operators and 'not' inside one another (parser recursion)
_MAX_DEPTH = 100  # operations inside one another after constant folding (evaluation recursion)


def _is_name_start(ch: str) -> bool:
    return ch.isalpha() or ch == "_"


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _read_name(source: str, i: int) -> int:
    """The end of the identifier starting at ``i`` (``i`` itself if there is none)."""
    j = i
    if j < len(source) and _is_name_start(source[j]):
        j += 1
        while j < len(source) and _is_name_char(source[j]):
            j += 1
    return j


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        prefix = next((p for p in _GRADIENT_PREFIXES if source.startswith(p, i)), None)
        if prefix is not None:
            j = _read_name(source, i + len(prefix))
            of = source[i + len(prefix) : j]
            if of not in ("W", "b", "z", "a"):
                raise ConditionError(
                    f"unknown gradient '{source[i:j]}' at column {i + 1}: "
                    "∂l/∂W, ∂l/∂b, ∂l/∂z and ∂l/∂a are known",
                    i + 1,
                )
            tokens.append(_Token("name", source[i:j], "d" + of, i, j))
            i = j
            continue
        if _is_name_start(ch):
            j = _read_name(source, i)
            word = source[i:j]
            kind = "op" if word in _KEYWORDS else "name"
            tokens.append(_Token(kind, word, _NAME_ALIASES.get(word, word), i, j))
            i = j
            continue
        match = _NUMBER_RE.match(source, i)
        if match:
            j = match.end()
            tail = _NUMBER_TAIL_RE.match(source, j)
            if tail and tail.end() > j:
                # "1e", "1.2.3", "2x": refuse rather than split into a number and a name.
                bad = source[i : tail.end()]
                raise ConditionError(f"malformed number {bad!r} at column {i + 1}", i + 1)
            tokens.append(_Token("number", match.group(), float(match.group()), i, j))
            i = j
            continue
        pair = source[i : i + 2]
        if pair in _HINTS:  # before the operators, so that '//' is not read as '/' '/'
            raise ConditionError(f"unexpected {pair!r} at column {i + 1}: {_HINTS[pair]}", i + 1)
        if ch in _OPERATOR_ALIASES:
            tokens.append(_Token("op", ch, _OPERATOR_ALIASES[ch], i, i + 1))
            i += 1
            continue
        op = next((o for o in _OPERATORS if source.startswith(o, i)), None)
        if op is not None:
            tokens.append(_Token("op", op, op, i, i + len(op)))
            i += len(op)
            continue
        hint = _HINTS.get(ch)
        message = f"unexpected {ch!r} at column {i + 1}"
        raise ConditionError(f"{message}: {hint}" if hint else message, i + 1)
    tokens.append(_Token("end", "", None, n, n))
    return tokens


# ---------------------------------------------------------------------------------------------
# Compiled nodes

Fn = Callable[[Any], Any]
# Static shape: None when even the number of dimensions is unknown; a None inside the tuple is a
# dimension known only at run time (the batch size B, or any size when no sizes were given).
Shape = tuple[int | None, ...] | None


@dataclass(frozen=True, slots=True)
class _Node:
    fn: Fn  # context -> value
    kind: str  # _NUMBER or _TRUTH
    shape: Shape
    names: frozenset[str]
    start: int
    end: int
    depth: int = 1
    constant: bool = False
    param: tuple[str, int] | None = None  # ("W", 2) for a bare parameter name, for ratio()


def _constant(value: Any) -> Fn:
    return lambda _context: value


def _truth(value: Any) -> bool:
    """The any-rule: an array is true when some element is true (non-zero)."""
    if isinstance(value, np.ndarray):
        return bool(value.any())
    return bool(value)


def _result(value: Any) -> Any:
    """Plain Python/NumPy scalars for single values, so results print and compare simply."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _as_number(value: Any, key: str) -> Any:
    if type(value) is float or type(value) is int or type(value) is np.float64:
        return np.float64(value)
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise TypeError(f"context gave {key} as an array of shape {array.shape}, not a number")
    return array.reshape(-1)[0]


def _as_array(value: Any, column: bool) -> Any:
    array = np.asarray(value, dtype=np.float64)
    if column and array.ndim == 1:
        array = array.reshape(-1, 1)
    return array


def _as_truth(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return value.astype(bool, copy=False)
    return bool(value)


def _fetch(key: str, kind: str, single: bool, column: bool = False) -> Fn:
    if kind == _TRUTH:
        return lambda context: _as_truth(context.value(key))
    if single:
        return lambda context: _as_number(context.value(key), key)
    return lambda context: _as_array(context.value(key), column)


def _broadcast(a: Shape, b: Shape) -> tuple[Shape, bool]:
    """The static broadcast of two shapes, and whether they can be combined at all."""
    if a is None or b is None:
        return None, True
    out: list[int | None] = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x is None or y is None:
            known = y if x is None else x
            out.append(None if known in (None, 1) else known)
        elif x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            return None, False
    return tuple(reversed(out)), True


def _shape_text(shape: Shape) -> str:
    if shape is None:
        return "unknown"
    dims = ["B" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


# ---------------------------------------------------------------------------------------------
# Parser: recursive descent, Python's precedence, compiling as it goes


class _Parser:
    """Parses one expression and compiles each construct into a closure as it is recognised.

    Precedence, loosest first: or; and; not; comparisons (chained); + -; * /; unary + -; **
    (right-associative, binds tighter than a unary minus on its left: -2**2 == -4); indexing and
    calls; numbers, names and parentheses.
    """

    def __init__(self, source: str, sizes: tuple[int, ...] | None) -> None:
        self.source = source
        self.sizes = sizes
        self.tokens = _tokenize(source)
        self.pos = 0
        self.nesting = 0

    # -- token helpers --------------------------------------------------------------------

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def advance(self) -> _Token:
        token = self.tokens[self.pos]
        if token.kind != "end":
            self.pos += 1
        return token

    def at(self, *ops: str) -> bool:
        token = self.tokens[self.pos]
        return token.kind == "op" and token.value in ops

    def unexpected(self, token: _Token) -> ConditionError:
        if token.kind != "end":
            return ConditionError(
                f"unexpected {token.text!r} at column {token.column}", token.column
            )
        last = self.tokens[self.pos - 1] if self.pos else None
        if last is None:
            return ConditionError("empty expression")
        if last.value in ("(", "["):
            return ConditionError(
                f"{last.text!r} at column {last.column} is never closed", last.column
            )
        if last.kind == "op" and last.value not in (")", "]"):
            return ConditionError(
                f"missing a value after {last.text!r} at column {last.column}", last.column
            )
        return ConditionError(f"unexpected end after {last.text!r} at column {last.column}")

    def close(self, opener: _Token, closer: str) -> _Token:
        if self.at(closer):
            return self.advance()
        token = self.peek()
        if token.kind == "end":
            raise ConditionError(
                f"{opener.text!r} at column {opener.column} is never closed", opener.column
            )
        raise self.unexpected(token)

    @contextmanager
    def nested(self) -> Iterator[None]:
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise ConditionError(f"expression is nested too deeply (at most {_MAX_NESTING} levels)")
        try:
            yield
        finally:
            self.nesting -= 1

    def text(self, node: _Node) -> str:
        return self.source[node.start : node.end]

    # -- node construction ----------------------------------------------------------------

    def build(
        self,
        fn: Fn,
        kind: str,
        shape: Shape,
        children: Sequence[_Node],
        start: int,
        end: int,
        names: frozenset[str] = frozenset(),
    ) -> _Node:
        """A node over its children; folded into a constant when none of them reads a value."""
        names = names.union(*(c.names for c in children))
        if not names and all(c.constant for c in children):
            with np.errstate(all="ignore"):
                value = fn(None)
            return _Node(_constant(value), kind, shape, names, start, end, constant=True)
        depth = 1 + max((c.depth for c in children), default=0)
        if depth > _MAX_DEPTH:
            raise ConditionError(
                f"expression is too complex (more than {_MAX_DEPTH} nested operations)"
            )
        return _Node(fn, kind, shape, names, start, end, depth)

    def need_number(self, node: _Node) -> None:
        if node.kind != _NUMBER:
            raise ConditionError(
                f"'{self.text(node)}' is true or false, not a number", node.start + 1
            )

    def need_truth(self, node: _Node) -> None:
        if node.kind != _TRUTH:
            text = self.text(node)
            raise ConditionError(
                f"'{text}' is a number, not a condition; compare it, e.g. {text} > 0",
                node.start + 1,
            )

    # -- grammar ---------------------------------------------------------------------------

    def parse(self) -> _Node:
        if self.peek().kind == "end":
            raise ConditionError("empty expression")
        node = self.parse_or()
        token = self.peek()
        if token.kind != "end":
            raise self.unexpected(token)
        return node

    def parse_or(self) -> _Node:
        with self.nested():
            left = self.parse_and()
            while self.at("or"):
                token = self.advance()
                left = self.logical(token, left, self.parse_and())
            return left

    def parse_and(self) -> _Node:
        left = self.parse_not()
        while self.at("and"):
            token = self.advance()
            left = self.logical(token, left, self.parse_not())
        return left

    def parse_not(self) -> _Node:
        if not self.at("not"):
            return self.parse_comparison()
        token = self.advance()
        with self.nested():
            operand = self.parse_not()
        self.need_truth(operand)
        f = operand.fn
        return self.build(
            lambda context: not _truth(f(context)), _TRUTH, (), [operand], token.start, operand.end
        )

    def logical(self, token: _Token, left: _Node, right: _Node) -> _Node:
        self.need_truth(left)
        self.need_truth(right)
        lf, rf = left.fn, right.fn
        # Three-valued logic, Unavailable being "unknown": false and unknown is false, true or
        # unknown is true, so a half-available condition still decides when it can.
        if token.value == "and":

            def fn(context: Any) -> bool:
                pending = None
                try:
                    if not _truth(lf(context)):
                        return False
                except Unavailable as exc:
                    pending = exc
                if not _truth(rf(context)):
                    return False
                if pending is not None:
                    raise pending
                return True

        else:

            def fn(context: Any) -> bool:
                pending = None
                try:
                    if _truth(lf(context)):
                        return True
                except Unavailable as exc:
                    pending = exc
                if _truth(rf(context)):
                    return True
                if pending is not None:
                    raise pending
                return False

        return self.build(fn, _TRUTH, (), [left, right], left.start, right.end)

    def parse_comparison(self) -> _Node:
        first = self.parse_arith()
        operands, ops = [first], []
        while self.at(*_COMPARISONS):
            ops.append(self.advance())
            operands.append(self.parse_arith())
        if not ops:
            return first
        shape: Shape = ()
        for token, left, right in zip(ops, operands[:-1], operands[1:], strict=True):
            if token.value in ("==", "!="):
                if left.kind != right.kind:
                    raise ConditionError(
                        f"cannot compare '{self.text(left)}' with '{self.text(right)}': "
                        "one is a number, the other true or false",
                        token.column,
                    )
            else:
                self.need_number(left)
                self.need_number(right)
            pair = self.combined(left, right, token)
            # The comparisons of a chain are combined element-wise, so their shapes must fit too.
            chained, ok = _broadcast(shape, pair)
            if not ok:
                chain = self.source[first.start : right.end]
                raise ConditionError(
                    f"the comparisons in '{chain}' give shapes {_shape_text(shape)} and "
                    f"{_shape_text(pair)}, which cannot be combined",
                    token.column,
                )
            shape = chained
        fns = [node.fn for node in operands]
        funcs = [_COMPARISONS[token.value] for token in ops]
        text = self.source[first.start : operands[-1].end]

        if len(ops) == 1:
            compare, lf, rf = funcs[0], fns[0], fns[1]

            def fn(context: Any) -> Any:
                left, right = lf(context), rf(context)
                try:
                    return compare(left, right)
                except ValueError:
                    raise Unavailable(detail=_mismatch(text, left, right)) from None

        else:

            def fn(context: Any) -> Any:
                # a < b < c holds element-wise where both a < b and b < c; like Python, stop at
                # the first single value that is false.
                left = fns[0](context)
                result: Any = True
                for compare, f in zip(funcs, fns[1:], strict=True):
                    right = f(context)
                    try:
                        result = result & compare(left, right)
                    except ValueError:
                        raise Unavailable(detail=_mismatch(text, left, right)) from None
                    if not isinstance(result, np.ndarray) and not result:
                        return False
                    left = right
                return result

        return self.build(fn, _TRUTH, shape, operands, first.start, operands[-1].end)

    def combined(self, left: _Node, right: _Node, token: _Token) -> Shape:
        """The broadcast shape of two operands, refusing shapes known not to fit."""
        shape, ok = _broadcast(left.shape, right.shape)
        if not ok:
            raise ConditionError(
                f"cannot combine '{self.text(left)}' {_shape_text(left.shape)} with "
                f"'{self.text(right)}' {_shape_text(right.shape)} at column {token.column}",
                token.column,
            )
        return shape

    def binary(self, token: _Token, left: _Node, right: _Node) -> _Node:
        self.need_number(left)
        self.need_number(right)
        shape = self.combined(left, right, token)
        op, lf, rf = _ARITHMETIC[token.value], left.fn, right.fn
        text = self.source[left.start : right.end]

        def fn(context: Any) -> Any:
            a, b = lf(context), rf(context)
            try:
                return op(a, b)
            except ValueError:
                raise Unavailable(detail=_mismatch(text, a, b)) from None

        return self.build(fn, _NUMBER, shape, [left, right], left.start, right.end)

    def parse_arith(self) -> _Node:
        left = self.parse_term()
        while self.at("+", "-"):
            token = self.advance()
            left = self.binary(token, left, self.parse_term())
        return left

    def parse_term(self) -> _Node:
        left = self.parse_unary()
        while self.at("*", "/"):
            token = self.advance()
            left = self.binary(token, left, self.parse_unary())
        return left

    def parse_unary(self) -> _Node:
        if not self.at("-", "+"):
            return self.parse_power()
        token = self.advance()
        with self.nested():
            operand = self.parse_unary()
        self.need_number(operand)
        if token.value == "+":
            return replace(operand, start=token.start)
        f = operand.fn
        return self.build(
            lambda context: -f(context), _NUMBER, operand.shape, [operand], token.start, operand.end
        )

    def parse_power(self) -> _Node:
        base = self.parse_postfix()
        if not self.at("**"):
            return base
        token = self.advance()
        with self.nested():
            exponent = self.parse_unary()
        return self.binary(token, base, exponent)

    def parse_postfix(self) -> _Node:
        node = self.parse_atom()
        indices: list[tuple[int, _Token]] = []
        end = node.end
        # A[i][j] is A[i, j]: merged, so that the single-element rule applies to the result only.
        while self.at("["):
            opener = self.advance()
            indices.extend(self.parse_indices(opener))
            end = self.tokens[self.pos - 1].end
        if indices:
            node = self.index(node, indices, end)
        return node

    def parse_indices(self, opener: _Token) -> list[tuple[int, _Token]]:
        out: list[tuple[int, _Token]] = []
        while True:
            sign = self.advance() if self.at("-", "+") else None
            token = self.peek()
            if token.kind == "end":
                raise ConditionError(
                    f"'[' at column {opener.column} is never closed", opener.column
                )
            if token.kind != "number" or not token.text.isdigit():
                raise ConditionError(
                    f"indices must be whole numbers, e.g. W[2][0, 1] (column {token.column})",
                    token.column,
                )
            self.advance()
            value = int(token.text)
            out.append((-value if sign is not None and sign.value == "-" else value, sign or token))
            if self.at(","):
                self.advance()
                continue
            self.close(opener, "]")
            return out

    def index(self, node: _Node, indices: list[tuple[int, _Token]], end: int) -> _Node:
        target = self.text(node)
        shape = node.shape
        if shape == ():
            raise ConditionError(
                f"'{target}' is a single value and cannot be indexed", node.end + 1
            )
        if shape is not None:
            if len(indices) > len(shape):
                dims = "dimension" if len(shape) == 1 else "dimensions"
                raise ConditionError(
                    f"too many indices for {target}: it has {len(shape)} {dims}, "
                    f"got {len(indices)}",
                    indices[0][1].column,
                )
            for (i, token), dim in zip(indices, shape, strict=False):
                if dim is not None and not -dim <= i < dim:
                    raise ConditionError(
                        f"index {i} out of range for {target} with shape {_shape_text(shape)} "
                        f"at column {token.column}",
                        token.column,
                    )
            shape = shape[len(indices) :]
        key = tuple(i for i, _ in indices)
        f = node.fn

        def fn(context: Any) -> Any:
            value = f(context)
            try:
                picked = value[key]
            except (IndexError, TypeError):
                raise Unavailable(
                    detail=f"index {list(key)} out of range for {target} with shape "
                    f"{np.shape(value)}"
                ) from None
            if isinstance(picked, np.ndarray) and picked.size == 1:
                return picked.reshape(-1)[0]
            return picked

        return self.build(fn, node.kind, shape, [node], node.start, end)

    def parse_atom(self) -> _Node:
        token = self.advance()
        if token.kind == "number":
            value = np.float64(token.value)
            return _Node(
                _constant(value), _NUMBER, (), frozenset(), token.start, token.end, constant=True
            )
        if token.kind == "name":
            return self.parse_name(token)
        if token.kind == "op" and token.value == "(":
            inner = self.parse_or()
            closer = self.close(token, ")")
            return replace(inner, start=token.start, end=closer.end)
        raise self.unexpected(token)

    def parse_name(self, token: _Token) -> _Node:
        name = token.value
        if name in _FUNCTIONS:
            if not self.at("("):
                raise ConditionError(f"{name} is a function: {name}(...)", token.column)
            return self.parse_call(token)
        if name in _LAYERED:
            return self.parse_layered(token)
        if name in _PLAIN:
            if self.at("("):
                raise ConditionError(f"{token.text} is not a function", token.column)
            kind, single = _PLAIN[name]
            shape = self.plain_shape(name, single)
            fetch = _fetch(name, kind, single)
            return _Node(fetch, kind, shape, frozenset({name}), token.start, token.end)
        if name == "L":
            raise ConditionError(
                "L stands for the last layer: use it as one, e.g. W[L]", token.column
            )
        if self.at("("):
            hint = _suggest(name, _FUNCTIONS)
            also = f" (did you mean '{hint}'?)" if hint else ""
            raise ConditionError(
                f"unknown function '{name}'{also}; the functions are {_FUNCTION_LIST}",
                token.column,
            )
        hint = _suggest(name, [*_LAYERED, *_PLAIN, *_FUNCTIONS], _SYNONYMS)
        also = f" (did you mean '{hint}'?)" if hint else ""
        raise ConditionError(f"unknown name '{name}'{also}", token.column)

    def plain_shape(self, name: str, single: bool) -> Shape:
        if single:
            return ()
        if name == "y" or self.sizes is None:
            # Labels are a vector or a matrix depending on the loss; no sizes, no dimensions.
            return None if name == "y" else (None, None)
        return (self.sizes[0] if name == "x" else self.sizes[-1], None)

    def layer_shape(self, name: str, layer: int) -> Shape:
        def size(l: int) -> int | None:
            return self.sizes[l - 1] if self.sizes is not None else None

        if name in ("W", "dW"):
            return (size(layer), size(layer - 1))
        if name in _COLUMNS:
            return (size(layer), 1)
        return (size(layer), None)

    def parse_layered(self, token: _Token) -> _Node:
        name, label = token.value, token.text
        if not self.at("["):
            raise ConditionError(f"{label} takes a layer: {label}[2]", token.column)
        opener = self.advance()
        given = self.advance()
        if given.kind == "number" and given.text.isdigit():
            layer = int(given.text)
        elif given.kind == "name" and given.text == "L":
            if self.sizes is None:
                raise ConditionError(
                    f"{label}[L] needs the network's sizes; write the layer, e.g. {label}[2]",
                    given.column,
                )
            layer = len(self.sizes)
        else:
            raise ConditionError(f"{label} takes a layer: {label}[2]", given.column)
        if self.at(","):
            raise ConditionError(
                f"{label} takes one layer, then indices: {label}[2][0, 1]", self.peek().column
            )
        closer = self.close(opener, "]")
        first = _LAYERED[name]
        last = len(self.sizes) if self.sizes is not None else None
        if layer < first or (last is not None and layer > last):
            upper = "L" if last is None else str(last)
            raise ConditionError(
                f"layer {layer} out of range for {label} ({first}..{upper})", given.column
            )
        key = f"{name}[{layer}]"
        return _Node(
            _fetch(key, _NUMBER, False, column=name in _COLUMNS),
            _NUMBER,
            self.layer_shape(name, layer),
            frozenset({key}),
            token.start,
            closer.end,
            param=(name, layer) if name in _GRADIENT_OF else None,
        )

    def parse_call(self, token: _Token) -> _Node:
        name = token.value
        spec = _FUNCTIONS[name]
        opener = self.advance()
        args: list[_Node] = []
        if not self.at(")"):
            while True:
                args.append(self.parse_or())
                if not self.at(","):
                    break
                self.advance()
        closer = self.close(opener, ")")
        if len(args) not in spec.arities:
            allowed = " or ".join(str(a) for a in spec.arities)
            noun = "argument" if spec.arities == (1,) else "arguments"
            raise ConditionError(f"{name} takes {allowed} {noun}, got {len(args)}", token.column)
        if name == "ratio":
            return self.ratio(token, args[0], closer.end)
        for arg in args:
            if spec.accepts == _NUMBER:
                self.need_number(arg)
        shape: Shape = ()
        if len(args) == 2:
            shape = self.combined(args[0], args[1], token)
        elif not spec.reduces:
            shape = args[0].shape
        text = self.source[token.start : closer.end]
        impl = spec.impl
        if len(args) == 1:
            af = args[0].fn

            def fn(context: Any) -> Any:
                value = af(context)
                try:
                    return impl(value)
                except ValueError as exc:  # e.g. max() of an empty array
                    raise Unavailable(detail=f"{text}: {exc}") from None

        else:
            af, bf = args[0].fn, args[1].fn

            def fn(context: Any) -> Any:
                a, b = af(context), bf(context)
                try:
                    return impl(a, b)
                except ValueError:
                    raise Unavailable(detail=_mismatch(text, a, b)) from None

        return self.build(fn, spec.result, shape, args, token.start, closer.end)

    def ratio(self, token: _Token, arg: _Node, end: int) -> _Node:
        if arg.param is None:
            raise ConditionError(
                f"ratio takes a parameter, e.g. ratio(W[2]) or ratio(b[2]); got '{self.text(arg)}'",
                arg.start + 1,
            )
        name, layer = arg.param
        grad_key = f"{_GRADIENT_OF[name]}[{layer}]"
        param_fn = arg.fn
        grad_fn = _fetch(grad_key, _NUMBER, False, column=name in _COLUMNS)
        lr_fn = _fetch("lr", _NUMBER, True)

        def fn(context: Any) -> Any:
            # The update-to-weight ratio: how big a step SGD takes relative to the weights.
            return lr_fn(context) * _norm(grad_fn(context)) / _norm(param_fn(context))

        return self.build(
            fn, _NUMBER, (), [arg], token.start, end, names=frozenset({grad_key, "lr"})
        )


def _mismatch(text: str, a: Any, b: Any) -> str:
    return f"shapes {np.shape(a)} and {np.shape(b)} do not match in {text}"


def _suggest(
    word: str, candidates: Iterable[str], synonyms: Mapping[str, str] | None = None
) -> str | None:
    """The known word the user most likely meant: same letters in another case, a synonym,
    or a close spelling."""
    lowered = {c.lower(): c for c in candidates}
    key = word.lower()
    if key in lowered:
        return lowered[key]
    if synonyms and key in synonyms:
        return synonyms[key]
    close = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


# ---------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class Expression:
    """A parsed condition or watch: check once with :func:`parse`, evaluate at every stop.

    ``names`` are the canonical keys it reads (``{"dW[2]", "lr"}``); ``is_condition`` tells
    whether it yields a truth value (a comparison, and/or/not, nonfinite, misclassified, or
    any/all/isnan/isinf/finite).
    """

    text: str
    names: frozenset[str]
    is_condition: bool
    _fn: Fn = field(repr=False, compare=False)

    def evaluate(self, context: Context) -> float | bool | np.ndarray:
        """The value at this stop: a number, a truth value or an array.

        Raises :class:`Unavailable` when a value it needs does not exist at this stop.
        NaN and ±inf follow IEEE rules silently.
        """
        with np.errstate(all="ignore"):
            value = self._fn(context)
        return _result(value)

    def holds(self, context: Context) -> bool:
        """Whether a condition holds at this stop: any element counts; unavailable is false.

        Raises TypeError for an expression that is not a condition (a watch such as ``loss``).
        """
        if not self.is_condition:
            raise TypeError(f"'{self.text}' is not a condition")
        try:
            with np.errstate(all="ignore"):
                return _truth(self._fn(context))
        except Unavailable:
            return False

    def __str__(self) -> str:
        return self.text


def parse(text: str, sizes: Sequence[int] | None = None, *, condition: bool = False) -> Expression:
    """Check and compile a condition or watch expression.

    ``sizes`` are the network's layer sizes [n1, ..., nL]; with them, layers above L and indices
    outside the arrays are refused now rather than being unavailable at every stop. With
    ``condition=True`` the expression must yield a truth value. Raises :class:`ConditionError`
    with a message for the user.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected the expression as a str, got {type(text).__name__}")
    if sizes is not None:
        sizes = tuple(sizes)
        if len(sizes) < 2 or not all(isinstance(n, int | np.integer) and n > 0 for n in sizes):
            raise ValueError(f"sizes must list at least 2 positive layer sizes, got {sizes!r}")
        sizes = tuple(int(n) for n in sizes)
    return _parse(text, sizes, condition)


@functools.lru_cache(maxsize=512)
def _parse(text: str, sizes: tuple[int, ...] | None, condition: bool) -> Expression:
    # Expressions are immutable, so the same text typed again (or restored from a session) can
    # share one compiled tree.
    what = "condition" if condition else "expression"
    # NFC first, so that a 'ŷ' pasted as y + combining circumflex is the one character.
    source = unicodedata.normalize("NFC", text)
    if not source.strip():
        raise ConditionError(f"empty {what}")
    if len(source) > _MAX_LENGTH:
        raise ConditionError(f"{what} is too long (at most {_MAX_LENGTH} characters)")
    node = _Parser(source, sizes).parse()
    is_condition = node.kind == _TRUTH
    if condition:
        if not is_condition:
            raise ConditionError("a condition must compare something, e.g. norm(dW[2]) < 1e-4")
        if node.constant:
            with np.errstate(all="ignore"):
                always = "true" if _truth(node.fn(None)) else "false"
            raise ConditionError(f"this condition is always {always}: it reads no values")
    return Expression(" ".join(text.split()), node.names, is_condition, node.fn)

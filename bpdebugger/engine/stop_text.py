"""One stop written out for slides and notes, as Markdown and as LaTeX.

What is written follows the gradient card: the stop's title, its matrices (for a
backward stop Upstream, Local and Downstream, each with its symbol and shape) and the
chain-rule equation with the numbers substituted, e.g.
∂l/∂z[3] = ∂l/∂a[3] ⊙ σ′(z[3]) = (−1.53) × 0.22 = −0.3366.

Each stop is described once (``document``) in a Notation, which says how symbols and
numbers are spelled: Unicode with a true minus for Markdown and the gradient card, TeX
with a plain "-" for LaTeX. The renderers (these two and the card's equation and note)
then only lay the description out. A document also carries the notes that say why the
equation takes its form (stop_notes); the card shows them under its equation. Numbers have 4
significant digits, enough to check a product by hand. Like the card, a batch shows
one sample's values or, for ``sample=None``, the batch mean, and says which.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import stop_notes as notes
from .network import Array
from .notation import ACTIVATIONS, LOSS_FORWARD, LOSS_GRADIENT, MINUS, fmt, subscript, value_list
from .trace import Step

# At most this many per-unit lines in an equation, and products written out per sum;
# a wide layer's numbers are all in its matrices.
MAX_LINES = 6
MAX_TERMS = 4
# Arrays up to this many numbers are also written inside the equation.
INLINE_NUMBERS = 16
# amsmath's bmatrix takes 10 columns unless told otherwise.
TEX_MATRIX_COLUMNS = 10

SHORTCUTS_TEX = {
    "ŷ − y": r"\hat{\mathbf{y}} - \mathbf{y}",
    "s − onehot(y)": r"\mathbf{s} - \operatorname{onehot}(\mathbf{y})",
}


# --- numbers ---------------------------------------------------------------------------------


def _tex_number(value: float) -> str:
    text = fmt(value, minus="-")
    if text == "NaN":
        return r"\mathrm{NaN}"
    if text.endswith("inf"):
        return text.replace("inf", r"\infty")
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}" if e else text


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def tex_escape(text: str) -> str:
    """Plain words made safe for LaTeX text mode."""
    return "".join(_TEX_SPECIAL.get(c, c) for c in text)


# --- notation: how a symbol, a number or an operator is spelled -------------------------------

_NODE = re.compile(r"^([A-Za-zδ]+)\[(\d+)\]$")


@dataclass(frozen=True)
class Notation:
    """Unicode (Markdown, the card) or TeX (LaTeX) spelling of the pieces of an equation.

    ``inline``: the most numbers an array may have to be written inside an equation. The
    card, whose matrices stand right above its equation, takes fewer than the exports.
    """

    tex: bool
    inline: int = INLINE_NUMBERS

    def pick(self, unicode: str, tex: str) -> str:
        return tex if self.tex else unicode

    # operators, spaced as they are meant to be read
    @property
    def eq(self) -> str:
        return " = "

    @property
    def times(self) -> str:
        return self.pick(" × ", r" \times ")

    @property
    def cdot(self) -> str:
        return self.pick("·", r" \cdot ")

    @property
    def odot(self) -> str:
        return self.pick(" ⊙ ", r" \odot ")

    @property
    def plus(self) -> str:
        return " + "

    @property
    def minus(self) -> str:
        return self.pick(" − ", " - ")

    @property
    def eta(self) -> str:
        return self.pick("η", r"\eta")

    @property
    def ellipsis(self) -> str:
        return self.pick("…", r"\ldots")

    def num(self, value: float) -> str:
        return _tex_number(value) if self.tex else fmt(value)

    def factor(self, value: float) -> str:
        """A number as a factor of a product: in parentheses when negative."""
        text = self.num(value)
        return f"({text})" if text.startswith(("-", MINUS)) else text

    def node(self, name: str, transpose: bool = False) -> str:
        """z[3], W[3], δ[3], a[1], l, y, ŷ … as symbols (bold vectors and matrices in TeX)."""
        if not self.tex:
            return name + ("ᵀ" if transpose else "")
        top = r"\top" if transpose else ""
        m = _NODE.match(name)
        if m is None:
            base = {
                "ŷ": r"\hat{\mathbf{y}}",
                "y": r"\mathbf{y}",
                "x": r"\mathbf{x}",
                "s": r"\mathbf{s}",
            }.get(name, name)
            return base + (f"^{{{top}}}" if top else "")
        letter, layer_ = m.groups()
        base = r"\boldsymbol{\delta}" if letter == "δ" else rf"\mathbf{{{letter}}}"
        return f"{base}^{{[{layer_}]{top}}}"

    def d(self, name: str) -> str:
        """∂l/∂name."""
        return self.partial("l", name)

    def partial(self, top: str, bottom: str) -> str:
        if self.tex:
            return rf"\frac{{\partial {self.node(top)}}}{{\partial {self.node(bottom)}}}"
        return f"∂{top}/∂{bottom}"

    def call(self, op: str, arg: str, prime: bool = False) -> str:
        """f(arg) or f′(arg) for an activation ``op``."""
        known = ACTIVATIONS.get(op)
        if known is None:  # an activation added later still gets its name
            tex = rf"\operatorname{{{tex_escape(op)}}}"
            names = ((op, f"{op}′"), (tex, tex + "'"))
        else:
            # f′(z) as a function: softmax's ∂s/∂z is a Jacobian, not written as a call.
            prime_text = f"{op}′" if op == "softmax" else known.derivative
            names = ((known.symbol, prime_text), (known.tex_symbol, known.tex_derivative))
        return f"{names[self.tex][prime]}({arg})"

    def vector(self, values: object) -> str:
        """A vector written inline, or its first MAX_LINES numbers and an ellipsis when it
        has too many to read in a line."""
        written = self.array(values)
        if written is not None:
            return written
        v = np.ravel(np.asarray(values, dtype=np.float64))
        if not self.tex:
            return value_list(v, MAX_LINES)
        head = ", ".join(_tex_number(x) for x in v[:MAX_LINES])
        return rf"\left[{head}, \ldots\right]"

    def text(self, words: str) -> str:
        return rf"\text{{{tex_escape(words)}}}" if self.tex else words

    def array(self, values: object) -> str | None:
        """A small array written inline (a column vector for a vector), or None if it has
        too many numbers to read in a line."""
        m = as_matrix(values)
        if m.size > self.inline:
            return None
        if m.size == 1:
            return self.num(m[0, 0])
        if self.tex:
            return _bmatrix(m)
        # rows separated by ";" as in MATLAB: [a; b] is a column, [a, b] a row
        return "[" + "; ".join(", ".join(fmt(v) for v in row) for row in m) + "]"


def as_matrix(values: object) -> Array:
    """A scalar, vector or matrix as a 2-D float array; a vector becomes a column."""
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(-1, 1)
    if a.ndim == 2:
        return a  # as it is, even empty (0×n): reshape cannot infer a size from nothing
    return a.reshape(a.shape[0], -1)


def _bmatrix(m: Array) -> str:
    rows = r" \\ ".join(" & ".join(_tex_number(v) for v in row) for row in m)
    return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"


# --- what a stop shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Matrix:
    symbol: str  # in the document's notation
    values: Array  # 2-D
    caption: str = ""  # plain words

    @property
    def shape(self) -> str:
        return f"{self.values.shape[0]}×{self.values.shape[1]}"


@dataclass(frozen=True)
class Line:
    math: str  # in the document's notation; words inside it are Notation.text
    detail: bool = False  # a per-unit line under the one before


@dataclass
class Section:
    heading: str
    matrices: list[Matrix] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    def matrix(self, symbol: str, values: object, caption: str = "") -> None:
        self.matrices.append(Matrix(symbol, as_matrix(values), caption))

    def line(self, math: str, detail: bool = False) -> None:
        self.lines.append(Line(math, detail))


@dataclass
class Document:
    title: tuple[str, str, str, str]  # phase, node, op, "iteration k, stop i"
    detail: str  # in the notation
    sections: list[Section] = field(default_factory=list)
    # why the equation takes its form here: plain Unicode sentences (see stop_notes)
    notes: list[str] = field(default_factory=list)

    def section(self, heading: str) -> Section:
        s = Section(heading)
        self.sections.append(s)
        return s


def layer(node: str) -> int:
    """The layer of "z[3]", "W[2]" …"""
    return int(node[node.index("[") + 1 : node.index("]")])


def sample_of(value: object, sample: int | None) -> Array:
    """One sample's column of an (n, B) array, or the batch mean over its columns."""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim < 2:
        return a
    return a.mean(axis=1) if sample is None else a[:, sample]


def _per_unit(
    n: Notation,
    total: int,
    line: Callable[[int], str],
    what: str = "units",
    label: Callable[[int], str] = lambda i: f"unit {i + 1}",
) -> list[Line]:
    """``line(i)`` for the first MAX_LINES of ``total`` units (or entries), then how many
    more there are: an equation stays readable however wide the layer."""
    shown = min(total, MAX_LINES)
    lines = [Line(n.text(f"{label(i)}: ") + line(i), True) for i in range(shown)]
    if total > shown:
        more = f"{n.pick('…', '...')} {total - shown} more {what}: see the matrices"
        lines.append(Line(n.text(more), True))
    return lines


def _terms(n: Notation, pairs: Sequence[tuple[float, float]]) -> str:
    """Products written out, "a × b + c × d + …", the first MAX_TERMS of them."""
    parts = [n.factor(a) + n.times + n.factor(b) for a, b in pairs[:MAX_TERMS]]
    if len(pairs) > MAX_TERMS:
        parts.append(n.ellipsis + n.text(f" ({len(pairs)} terms)"))
    return n.plus.join(parts)


def _with_numbers(head: str, n: Notation, *parts: tuple[str, object]) -> str:
    """``head`` followed by "= <arrays joined by their operators>", when every array is
    small enough to write inline; else just ``head``."""
    written = []
    for op, v in parts:
        w = n.array(v)
        if w is None:
            return head
        # a single number after ·, +, ⊙ … is a factor: (−0.8) in parentheses
        factor = op.strip() not in ("", "=") and as_matrix(v).size == 1
        written.append(op + (n.factor(as_matrix(v)[0, 0]) if factor else w))
    return head + n.eq + "".join(written)


# --- the stops -------------------------------------------------------------------------------


def normalise_sample(step: Step, sample: int | None) -> int | None:
    """The sample a stop is shown for: always 0 for one sample, else the one asked for
    (clamped) or None for the batch mean. Updates concern the whole batch."""
    B = len(step.batch)
    if B == 1:
        return 0
    if sample is None or step.phase == "update":
        return None
    return max(0, min(int(sample), B - 1))


def _detail(n: Notation, step: Step, sample: int | None) -> str:
    batch = step.batch
    B = len(batch)
    head = f"epoch {step.epoch}"
    if B > 1:
        head += f", batch of {B}"
        if sample is None:
            return n.text(head + (", batch mean" if step.phase == "backward" else ", all samples"))
        head += f", sample {sample + 1}"
    k = sample or 0
    x = ", ".join(n.num(v) for v in np.asarray(batch.x)[:, k].tolist())
    y = np.asarray(batch.y)[k]
    y_text = n.num(y) if np.ndim(y) == 0 else n.array(np.ravel(y)) or ""
    return n.text(head + ": ") + f"{n.node('x')} = ({x}), {n.node('y')} = {y_text}"


def document(step: Step, sample: int | None, n: Notation) -> Document:
    """The stop's title, matrices and equations in notation ``n``."""
    sample = normalise_sample(step, sample)
    doc = Document(
        (step.phase, step.node, step.op, f"iteration {step.iteration}, stop {step.index}"),
        _detail(n, step, sample),
    )
    with np.errstate(all="ignore"):  # NaN and ±inf are written, never warned about
        if step.phase == "update":
            _update(doc, n, step)
        elif step.node == "l":
            (_forward_loss if step.phase == "forward" else _backward_loss)(doc, n, step, sample)
        elif step.op == "linear":
            (_forward_linear if step.phase == "forward" else _backward_linear)(doc, n, step, sample)
        else:
            (_forward_activation if step.phase == "forward" else _backward_activation)(
                doc, n, step, sample
            )
    return doc


def _columns(value: object, sample: int | None) -> Array:
    """Forward values: every column (the whole batch) for None, else one sample's."""
    a = np.asarray(value, dtype=np.float64)
    return a if sample is None else a[:, sample]


PER_SAMPLE = "one column per sample"


def _forward_linear(doc: Document, n: Notation, step: Step, sample: int | None) -> None:
    l = layer(step.node)
    k = l - 1
    W = np.asarray(step.inputs[f"W[{l}]"], dtype=np.float64)
    b = np.asarray(step.inputs[f"b[{l}]"], dtype=np.float64)
    a = _columns(step.inputs[f"a[{k}]"], sample)
    z = _columns(step.output, sample)
    caption = PER_SAMPLE if sample is None else ""
    x_note = n.eq + n.node("x") if k == 1 else ""
    inputs = doc.section("Inputs")
    inputs.matrix(n.node(f"W[{l}]"), W)
    inputs.matrix(n.node(f"a[{k}]") + x_note, a, caption)
    inputs.matrix(n.node(f"b[{l}]"), b)
    op = doc.section("Operation")
    head = n.node(f"z[{l}]") + n.eq + n.node(f"W[{l}]") + n.cdot + n.node(f"a[{k}]")
    head += n.plus + n.node(f"b[{l}]")
    if k == 1:
        doc.notes.append(notes.INPUT_NOTE)
    if sample is None:
        op.line(head)
        op.line(n.text("The whole batch at once: each column of a goes through the same W and b."))
    else:
        op.line(_with_numbers(head, n, ("", W), (n.cdot, a), (n.plus, b), (n.eq, z)))
        op.lines += _per_unit(
            n,
            W.shape[0],
            lambda i: (
                _terms(n, list(zip(W[i], a, strict=True)))
                + n.plus
                + n.factor(b[i])
                + n.eq
                + n.num(z[i])
            ),
        )
    doc.section("Output").matrix(n.node(f"z[{l}]"), z, caption)


def _forward_activation(doc: Document, n: Notation, step: Step, sample: int | None) -> None:
    l = layer(step.node)
    z = _columns(step.inputs[f"z[{l}]"], sample)
    a = _columns(step.output, sample)
    caption = PER_SAMPLE if sample is None else ""
    doc.section("Input").matrix(n.node(f"z[{l}]"), z, caption)
    op = doc.section("Operation")
    op.line(
        n.node(f"a[{l}]")
        + n.eq
        + n.call(step.op, n.node(f"z[{l}]"))
        + (n.text("  (element by element)") if step.op != "softmax" else "")
    )
    if step.op == "softmax":
        op.line(
            n.pick("sᵢ = e^zᵢ / Σⱼ e^zⱼ", r"s_i = \frac{e^{z_i}}{\sum_j e^{z_j}}")
            + n.text("  (each column sums to 1)")
        )
    if sample is not None:
        if step.op == "softmax":
            op.lines += _per_unit(
                n,
                z.size,
                lambda i: n.pick(
                    f"z = {n.num(z[i])} → s = {n.num(a[i])}",
                    rf"z = {n.num(z[i])} \to s = {n.num(a[i])}",
                ),
            )
        else:
            op.lines += _per_unit(
                n, z.size, lambda i: n.call(step.op, n.num(z[i])) + n.eq + n.num(a[i])
            )
    doc.section("Output").matrix(n.node(f"a[{l}]"), a, caption)


def _forward_loss(doc: Document, n: Notation, step: Step, sample: int | None) -> None:
    L = next(layer(key) for key in step.inputs if key.startswith("a["))
    yhat = _columns(step.inputs[f"a[{L}]"], sample)
    y = _columns(step.inputs["y"], sample)
    losses = np.asarray(step.output, dtype=np.float64).ravel()
    caption = PER_SAMPLE if sample is None else ""
    inputs = doc.section("Inputs")
    inputs.matrix(n.node(f"a[{L}]") + n.eq + n.node("ŷ"), yhat, caption)
    inputs.matrix(n.node("y"), y, caption)
    op = doc.section("Operation")
    op.line(n.pick(*LOSS_FORWARD.get(step.op, (f"l = {step.op}(ŷ, y)",) * 2)))
    out = doc.section("Output")
    if sample is None:
        loss = float(step.loss if step.loss is not None else losses.mean())
        op.line(
            n.text(f"batch loss: the mean of the {losses.size} per-sample losses")
            + n.eq
            + n.num(loss)
        )
        out.matrix(n.text("l per sample"), losses.reshape(1, -1))
        out.matrix("l", loss, "batch mean")
    else:
        op.line(_loss_substituted(n, step.op, yhat, y, float(losses[sample])))
        out.matrix("l", losses[sample])
        doc.notes.append(notes.LOSS_INPUTS_NOTE.format(L=L))


def _loss_substituted(n: Notation, op: str, yhat: Array, y: Array, value: float) -> str:
    """One sample's loss with its numbers written in."""
    if op == "bce":
        p, t = n.num(yhat[0]), n.num(y[0])
        return (
            n.pick(
                f"l = −({t}·log {p} + (1 − {t})·log(1 − {p}))",
                rf"l = -\bigl({t} \log {p} + (1 - {t}) \log(1 - {p})\bigr)",
            )
            + n.eq
            + n.num(value)
        )
    if op == "squared_error":
        terms = n.plus.join(
            f"({n.num(t)}{n.minus}{n.factor(p)})" + n.pick("²", "^2")
            for p, t in list(zip(yhat, y, strict=True))[:MAX_LINES]
        )
        if yhat.size > MAX_LINES:
            terms += n.plus + n.ellipsis
        return n.pick(f"l = ½·({terms})", rf"l = \tfrac{{1}}{{2}}\left({terms}\right)") + (
            n.eq + n.num(value)
        )
    if op == "cross_entropy":
        c = int(np.argmax(y))
        s = n.num(yhat[c])
        return (
            n.pick(
                f"l = −log s{subscript(c + 1)} = −log {s}", rf"l = -\log s_{{{c + 1}}} = -\log {s}"
            )
            + n.eq
            + n.num(value)
            + n.text(f"  (class {c + 1})")
        )
    return "l" + n.eq + n.num(value)


def _backward_loss(doc: Document, n: Notation, step: Step, sample: int | None) -> None:
    (key,) = step.local
    L = layer(key)
    local = sample_of(step.local[key], sample)
    down = sample_of(step.downstream[key], sample)
    u = float(np.asarray(step.upstream).ravel()[0])
    tag = "batch mean" if sample is None else ""
    doc.section("Upstream").matrix(n.partial("l", "l"), u)
    doc.section("Local").matrix(n.d(f"a[{L}]"), local, tag)
    doc.section("Downstream").matrix(n.d(f"a[{L}]"), down, tag)
    doc.notes.append(notes.LOSS_START_NOTE)
    chain = doc.section("Chain rule")
    head = n.d(f"a[{L}]") + n.eq + n.partial("l", "l") + n.times + n.d(f"a[{L}]")
    if down.size == 1:
        chain.line(head + n.eq + n.num(u) + n.times + n.factor(local[0]) + n.eq + n.num(down[0]))
    else:
        chain.line(_with_numbers(head, n, ("", u), (n.times, local), (n.eq, down)))
        chain.lines += _per_unit(
            n, down.size, lambda i: n.num(u) + n.times + n.factor(local[i]) + n.eq + n.num(down[i])
        )
    if sample is None:
        chain.line(n.text("(the mean over the batch)"))
    if step.op in LOSS_GRADIENT:
        chain.line(
            n.text("where ")
            + n.pick(*LOSS_GRADIENT[step.op])
            + n.text(", with ")
            + n.node("s" if step.op == "cross_entropy" else "ŷ")
            + n.eq
            + n.node(f"a[{L}]")
        )


def _backward_activation(doc: Document, n: Notation, step: Step, sample: int | None) -> None:
    (zname,) = step.local
    l = layer(step.node)
    aname = f"a[{l}]"
    up = sample_of(step.upstream, sample)
    down = sample_of(step.downstream[zname], sample)
    local = np.asarray(step.local[zname], dtype=np.float64)
    chain_all = step.chain.get(zname)
    result = sample_of(chain_all, sample) if chain_all is not None else down
    B = len(step.batch)
    mean = sample is None
    tag = "batch mean" if mean else ""
    fp = n.call(step.op, n.node(zname), prime=True)

    doc.section("Upstream").matrix(n.d(aname), up, tag)
    local_section = doc.section("Local")
    if step.diagonal:
        # The Jacobian is diag(f′(z)): its diagonal, shaped like z, is what ⊙ multiplies by.
        d = local if mean else local[:, sample]
        local_section.matrix(fp, d, PER_SAMPLE if mean else "the diagonal of the Jacobian")
    elif not mean:
        local_section.matrix(n.partial(aname, zname), local[sample], "softmax's full Jacobian")
    else:
        local_section.line(
            n.partial(aname, zname)
            + n.text(": one ")
            + f"{up.size}{n.times.strip()}{up.size}"
            + n.text(" Jacobian per sample; choose a sample to see one")
        )
    doc.section("Downstream").matrix(n.d(zname), down, tag)

    chain = doc.section("Chain rule")
    if step.diagonal:
        head = n.d(zname) + n.eq + n.d(aname) + n.odot + fp
        if mean:
            chain.line(head)
            chain.line(
                n.text(f"averaged over the {B} samples (the mean of each sample's product)")
                + n.eq
                + n.vector(result)
            )
        elif up.size == 1:
            d = local[0, sample]
            chain.line(
                head + n.eq + n.factor(up[0]) + n.times + n.factor(d) + n.eq + n.num(result[0])
            )
        else:
            d = local[:, sample]
            chain.line(_with_numbers(head, n, ("", up), (n.odot, d), (n.eq, result)))
            chain.lines += _per_unit(
                n,
                up.size,
                lambda i: n.factor(up[i]) + n.times + n.factor(d[i]) + n.eq + n.num(result[i]),
            )
    else:
        head = (
            n.d(zname)
            + n.eq
            + n.pick(
                f"(∂{aname}/∂{zname})ᵀ·∂l/∂{aname}",
                rf"\left({n.partial(aname, zname)}\right)^{{\top}}" + n.cdot + n.d(aname),
            )
        )
        if mean:
            chain.line(head)
            chain.line(
                n.text(f"averaged over the {B} samples (the mean of each sample's product)")
                + n.eq
                + n.vector(result)
            )
        else:
            J = local[sample]
            transposed = n.array(J.T)
            chain.line(
                _with_numbers(head, n, ("", J.T), (n.cdot, up), (n.eq, result))
                if transposed
                else head
            )
            chain.lines += _per_unit(
                n,
                up.size,
                lambda i: (
                    _terms(n, [(J[k, i], up[k]) for k in range(up.size)]) + n.eq + n.num(result[i])
                ),
            )

    known = ACTIVATIONS.get(step.op)
    if step.diagonal:
        f, rule = (known.symbol, known.rule) if known else (step.op, f"{step.op}′(z)")
        doc.notes.append(notes.DIAGONAL_NOTE.format(f=f, l=l, rule=rule))
    else:
        doc.notes.append(notes.SOFTMAX_NOTE)
    if mean:
        doc.notes.append(notes.MEAN_NOTE)

    if chain_all is not None:
        y = sample_of(step.batch.t, sample)
        # ŷ is not in a backward record; the shortcut's own terms give it back: ŷ = (ŷ − y) + y.
        yhat = down + y
        name = step.shortcut or "shortcut"
        shortcut = n.pick(name, SHORTCUTS_TEX.get(name, n.text(name)))
        sc = doc.section("Output shortcut")
        sc.line(n.text("the full chain above and the shortcut agree:"))
        sc.line(
            n.d(zname)
            + n.eq
            + shortcut
            + ("" if mean else _with_numbers("", n, ("", yhat), (n.minus, y)))
            + n.eq
            + n.vector(down)
            + (n.text("  (batch mean)") if mean else "")
        )
        doc.notes.append(notes.SHORTCUT_WHY.get(name, notes.SHORTCUT_AGREE))


def _backward_linear(doc: Document, n: Notation, step: Step, sample: int | None) -> None:
    l = layer(step.node)
    k = l - 1
    an, Wn, bn, zn = f"a[{k}]", f"W[{l}]", f"b[{l}]", f"z[{l}]"
    W = np.asarray(step.local[an], dtype=np.float64)
    a_all = np.asarray(step.local[Wn], dtype=np.float64)
    B = a_all.shape[1]
    mean = sample is None
    delta = sample_of(step.upstream, sample)
    da = sample_of(step.downstream[an], sample)
    dW = np.asarray(step.downstream[Wn], dtype=np.float64)
    db = np.asarray(step.downstream[bn], dtype=np.float64)
    tag = "batch mean" if mean else ""
    param_tag = "batch mean" if B > 1 else ""
    d_sym = n.node(f"δ[{l}]")

    doc.section("Upstream").matrix(n.d(zn) + n.eq + d_sym, delta, tag)
    local = doc.section("Local")
    local.matrix(n.partial(zn, an) + n.eq + n.node(Wn), W)
    local.matrix(
        n.partial(zn, Wn) + ": " + n.node(an),
        a_all if mean else a_all[:, sample],
        PER_SAMPLE if mean else "every row of W multiplies the same input",
    )
    local.matrix(n.partial(zn, bn) + n.eq + n.pick("I", r"\mathbf{I}"), step.local[bn])
    down = doc.section("Downstream")
    down.matrix(n.d(an), da, tag)
    down.matrix(n.d(Wn), dW, param_tag)
    down.matrix(n.d(bn), db, param_tag)

    chain = doc.section("Chain rule")
    head = n.d(an) + n.eq + n.node(Wn, transpose=True) + n.cdot + d_sym
    chain.line(
        _with_numbers(head, n, ("", W.T), (n.cdot, delta), (n.eq, da))
        + (n.text("  (batch mean)") if mean else "")
    )
    chain.lines += _per_unit(
        n,
        W.shape[1],
        lambda j: _terms(n, [(W[i, j], delta[i]) for i in range(W.shape[0])]) + n.eq + n.num(da[j]),
    )
    outer = n.d(Wn) + n.eq + d_sym + n.cdot + n.node(an, transpose=True)
    if mean:
        chain.line(
            outer
            + n.text(f", the mean over the {B} samples")
            + (n.eq + n.array(dW) if n.array(dW) else "")
        )
    else:
        a = a_all[:, sample]
        if B == 1:
            chain.line(_with_numbers(outer, n, ("", delta), (n.cdot, a.reshape(1, -1)), (n.eq, dW)))
        else:
            chain.line(
                _with_numbers(
                    outer,
                    n,
                    ("", delta),
                    (n.cdot, a.reshape(1, -1)),
                    (n.eq, np.outer(delta, a)),
                )
                + n.text(
                    f"  (sample {sample + 1}'s share; the gradient is the mean over the batch)"
                )
            )
        i, j = np.unravel_index(np.argmax(np.abs(np.nan_to_num(dW))), dW.shape)
        chain.line(
            n.text(f"entry [{i + 1},{j + 1}]: ")
            + n.factor(delta[i])
            + n.times
            + n.factor(a[j])
            + n.eq
            + n.num(delta[i] * a[j]),
            True,
        )
    bias = n.d(bn) + n.eq + d_sym + (n.text(", averaged over the batch") if B > 1 else "")
    chain.line(bias + n.eq + n.vector(db))
    doc.notes.append(notes.LINEAR_NOTE.format(l=l, k=k))
    if B > 1:
        doc.notes.append(notes.BATCH_PARAMETERS_NOTE.format(l=l, B=B))


def _update(doc: Document, n: Notation, step: Step) -> None:
    p = step.node
    lr = float(step.learning_rate or 0.0)
    before, change, after, grad = (
        np.asarray(v, dtype=np.float64) for v in (step.before, step.change, step.after, step.grad)
    )
    plain = -lr * grad
    momentum = not np.allclose(change, plain, rtol=1e-12, atol=0.0, equal_nan=True)
    change_sym = (
        n.pick("−η·v", r"-\eta \mathbf{v}")
        if momentum
        else (n.pick("−", "-") + n.eta + n.cdot + n.d(p))
    )
    s = doc.section("Update")
    s.matrix(n.node(p), before, "before")
    s.matrix(change_sym, change)
    s.matrix(n.node(p) + n.text(" new"), after)
    doc.section("Gradient").matrix(n.d(p), grad)
    eq = doc.section("Equation")
    rule = n.node(p) + n.pick(" ← ", r" \leftarrow ") + n.node(p) + n.minus + n.eta + n.cdot
    rule += n.d(p) if not momentum else n.pick("v", r"\mathbf{v}")
    eq.line(rule + n.text(",  ") + n.eta + n.eq + n.num(lr))
    new = n.node(p) + n.text(" new")
    written = _with_numbers(new, n, ("", before), (n.plus, change), (n.eq, after))
    if written != new:  # a large parameter's numbers are in its matrices only
        eq.line(written)
    entries = list(np.ndindex(before.shape))

    def entry(k: int) -> str:
        idx = entries[k]
        if momentum:
            rhs = n.num(before[idx]) + n.plus + n.factor(change[idx])
        else:
            rhs = n.num(before[idx]) + n.minus + n.num(lr) + n.times + n.factor(grad[idx])
        return rhs + n.eq + n.num(after[idx])

    eq.lines += _per_unit(
        n,
        len(entries),
        entry,
        "entries",
        lambda k: "entry [" + ",".join(str(i + 1) for i in entries[k]) + "]",
    )
    if momentum:
        doc.notes.append(notes.MOMENTUM_NOTE.format(p=p, plain=value_list(plain.ravel())))
    else:
        doc.notes.append(notes.UPDATE_NOTE)


# --- Markdown and LaTeX ----------------------------------------------------------------------


def stop_markdown(step: Step, sample: int | None = None) -> str:
    """The stop in Markdown: a heading per part, each matrix in a fenced block under its
    symbol and shape, the equations as paragraphs (per-unit lines as a list)."""
    n = Notation(tex=False)
    doc = document(step, sample, n)
    out = [f"# {' · '.join(doc.title)}", "", doc.detail, ""]
    for section in doc.sections:
        out += [f"## {section.heading}", ""]
        for m in section.matrices:
            caption = f" · {m.caption}" if m.caption else ""
            out += [f"**{m.symbol}** · {m.shape}{caption}", "", "```text"]
            out += [*_grid(m.values), "```", ""]
        for i, line in enumerate(section.lines):
            if line.detail:
                out.append(f"- {line.math}")
                last = i + 1 == len(section.lines) or not section.lines[i + 1].detail
                if last:
                    out.append("")
            else:
                out += [line.math, ""]
    return "\n".join(out).rstrip() + "\n"


def _grid(m: Array) -> list[str]:
    """A matrix's rows as "[ 0.1  −2.5 ]", each column right-aligned."""
    cells = [[fmt(v) for v in row] for row in m]
    widths = [max(len(row[j]) for row in cells) for j in range(m.shape[1])]
    return [
        "[ " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " ]"
        for row in cells
    ]


def stop_latex(step: Step, sample: int | None = None, standalone: bool = False) -> str:
    """The stop in LaTeX (amsmath): a section per part, each matrix a bmatrix beside its
    symbol and shape, the equations in gather*. ``standalone`` adds the preamble so the
    file compiles as it is; without it, the text pastes into a document or a slide."""
    n = Notation(tex=True)
    doc = document(step, sample, n)
    phase, node, op, where = doc.title
    columns = max(
        [TEX_MATRIX_COLUMNS, INLINE_NUMBERS]
        + [m.values.shape[1] for s in doc.sections for m in s.matrices]
    )
    out = [
        # amsmath's bmatrix stops at 10 columns unless told more
        rf"\setcounter{{MaxMatrixCols}}{{{columns}}}",
        rf"\section*{{{tex_escape(phase)} $\cdot$ ${n.node(node)}$ $\cdot$ "
        rf"{tex_escape(op)} $\cdot$ {tex_escape(where)}}}",
        rf"\noindent ${doc.detail}$",
        "",
    ]
    for section in doc.sections:
        out.append(rf"\subsection*{{{tex_escape(section.heading)}}}")
        rows = []
        for m in section.matrices:
            r, c = m.values.shape
            caption = rf"\text{{, {tex_escape(m.caption)}}}" if m.caption else ""
            rows.append(rf"{m.symbol} = {_bmatrix(m.values)} \quad ({r} \times {c}{caption})")
        rows += [(r"\qquad " if line.detail else "") + line.math for line in section.lines]
        if rows:
            out += [r"\begin{gather*}", " \\\\\n".join(rows), r"\end{gather*}"]
        out.append("")
    body = "\n".join(out).rstrip() + "\n"
    if not standalone:
        return body
    return (
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
        + body
        + "\\end{document}\n"
    )


def stop_file_stem(step: Step) -> str:
    """A file name for the stop, e.g. "iteration-1-stop-7-backward-a3"."""
    node = step.node.replace("[", "").replace("]", "")
    return f"iteration-{step.iteration}-stop-{step.index}-{step.phase}-{node}"

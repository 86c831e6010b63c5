"""What the network view writes: number formats, node names and the hover formulas.

No Qt here: everything reads a :class:`~bpdebugger.engine.trace.Snapshot` through
:class:`SnapshotReader`, which picks one sample of the batch (or the batch mean) the
same way for every number on screen, so the tooltips and the drawn texts never disagree.
The view computes nothing about gradients: it shows what the snapshot holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from bpdebugger.engine import notation
from bpdebugger.engine.notation import ACTIVATIONS, LOSS_FORWARD, MINUS
from bpdebugger.engine.trace import Snapshot

Array = npt.NDArray[np.float64]

# f(z) as the notes write it; softmax reads the whole layer, so it takes the vector.
ACTIVATION_SYMBOLS = {name: a.symbol for name, a in ACTIVATIONS.items()}


def subscript(i: int) -> str:
    """The 1-based subscript of unit index ``i`` (0-based), as the notes number units: x₁, x₂."""
    return notation.subscript(i + 1)


def _special(v: float) -> str | None:
    """NaN, ±∞ and 0 as the network writes them; None for any other number."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else MINUS + "∞"
    return "0" if v == 0.0 else None


def _e_notation(v: float, decimals: int) -> str:
    """ "3.142e2", "−5e−7": the exponent without a plus sign or leading zeros."""
    mantissa, exponent = f"{v:.{decimals}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def fmt_short(v: float) -> str:
    """At most five characters plus a sign, so a number fits inside a neuron.

    Small non-zero numbers keep their size in e-notation ("3e−5") instead of
    collapsing to "0.00": a vanishing gradient must not look like an exact zero.
    """
    special = _special(v)
    if special is not None:
        return special
    a = abs(v)
    if a < 0.005 or a >= 999.5:
        text = _e_notation(v, 0)
    elif a < 9.995:
        text = f"{v:.2f}"
    elif a < 99.95:
        text = f"{v:.1f}"
    else:
        text = f"{v:.0f}"
    return text.replace("-", MINUS)


def fmt_long(v: float) -> str:
    """Four decimals (or four significant digits in e-notation) for tooltips."""
    special = _special(v)
    if special is not None:
        return special
    text = f"{v:.4f}" if 1e-3 <= abs(v) < 1e5 else _e_notation(v, 3)
    return text.replace("-", MINUS)


def index_text(index: Sequence[int]) -> str:
    """NumPy's index as the edit verb takes it: (0, 1) → "[0,1]"."""
    return "[" + ",".join(str(k) for k in index) + "]"


class SnapshotReader:
    """One snapshot seen at one sample: ``sample`` i, or the batch mean for None.

    Per-sample arrays are (n, B); W and b gradients are already batch means and
    are read as they are. A sample index past the batch falls back to the mean.
    """

    def __init__(self, snap: Snapshot, sample: int | None) -> None:
        self.snap = snap
        self.batch = self._batch_size(snap)
        self.sample = sample if sample is not None and 0 <= sample < self.batch else None
        self._vectors: dict[tuple[str, str], Array | None] = {}

    @staticmethod
    def _batch_size(snap: Snapshot) -> int:
        if snap.step is not None:
            return len(snap.step.batch)
        for value in snap.values.values():
            return int(np.shape(value)[1]) if np.ndim(value) == 2 else 1
        return 1

    def _pick(self, kind: str, mapping: Mapping[str, Array], name: str) -> Array | None:
        key = (kind, name)
        if key not in self._vectors:
            value = mapping.get(name)
            if value is None:
                vec = None
            else:
                arr = np.asarray(value, dtype=np.float64)
                if arr.ndim == 2 and not name.startswith("W["):
                    with np.errstate(all="ignore"):
                        vec = arr[:, self.sample] if self.sample is not None else arr.mean(axis=1)
                else:
                    vec = arr
            self._vectors[key] = vec
        return self._vectors[key]

    def values(self, name: str) -> Array | None:
        """The forward vector a[l] or z[l] (n,), or None before it is computed."""
        return self._pick("v", self.snap.values, name)

    def grads(self, name: str) -> Array | None:
        """∂l/∂(name): (n,) for a[l], z[l], b[l]; (n_l, n_{l−1}) for W[l]; or None."""
        return self._pick("g", self.snap.grads, name)

    def param(self, name: str) -> Array | None:
        value = self.snap.params.get(name)
        return None if value is None else np.asarray(value, dtype=np.float64)

    def value(self, name: str, i: int) -> float | None:
        vec = self.values(name)
        return None if vec is None else float(vec[i])

    def grad(self, name: str, index: tuple[int, ...]) -> float | None:
        arr = self.grads(name)
        return None if arr is None else float(arr[index])

    @property
    def is_mean(self) -> bool:
        return self.sample is None and self.batch > 1

    def sample_note(self) -> str:
        """Which sample the numbers belong to; empty for a batch of one."""
        if self.batch <= 1:
            return ""
        if self.sample is None:
            return f"mean over the batch of {self.batch}"
        return f"sample {self.sample + 1} of {self.batch}"


def _with_grad(lines: list[str], symbol: str, g: float | None) -> None:
    if g is not None:
        lines.append(f"∂l/∂{symbol} = {fmt_long(g)}")


def _note(lines: list[str], reader: SnapshotReader | None) -> None:
    if reader is not None and reader.sample_note():
        lines.append(f"({reader.sample_note()})")


def neuron_tooltip(
    reader: SnapshotReader | None,
    part: str,
    l: int,
    i: int,
    activation: str,
    n_layers: int,
    n_out: int = 1,
) -> str:
    """The formula of unit i of layer l with its live numbers.

    ``part`` is "a" or "z"; layer 1 is the input x. Under the batch mean the
    activation is not applied to the mean z (f(mean z) ≠ mean f(z)), so the
    formula is written without substituting numbers into f.
    """
    s = subscript(i)
    z_name, a_name = f"z[{l}]", f"a[{l}]"
    z = reader.value(z_name, i) if reader else None
    a = reader.value(a_name, i) if reader else None
    lines: list[str] = []
    if l == 1:
        head = f"x{s} = a[1]{s}: input {i + 1}"
        lines.append(head if a is None else f"{head} = {fmt_long(a)}")
        _with_grad(lines, f"x{s}", reader.grad(a_name, (i,)) if reader else None)
    elif part == "z":
        head = f"z[{l}]{s} = W[{l}][{i},:]·a[{l - 1}] + b[{l}][{i}]"
        lines.append(head if z is None else f"{head} = {fmt_long(z)}")
        if z is None:
            lines.append("not computed yet")
        _with_grad(lines, f"z[{l}]{s}", reader.grad(z_name, (i,)) if reader else None)
    else:
        f = ACTIVATION_SYMBOLS.get(activation, activation)
        arg = f"z[{l}]" if activation == "softmax" else f"z[{l}]{s}"
        call = f"{f}({arg}){s}" if activation == "softmax" else f"{f}({arg})"
        head = f"a[{l}]{s} = {call}"
        if l == n_layers:  # the output is the prediction the loss reads
            head = f"ŷ{s if n_out > 1 else ''} = {head}"
        if a is None:
            lines += [head, "not computed yet"]
        elif z is None or activation == "softmax" or (reader and reader.is_mean):
            lines.append(f"{head} = {fmt_long(a)}")
            if z is not None:
                lines.append(f"z[{l}]{s} = {fmt_long(z)}")
        else:
            lines.append(f"{head} = {f}({fmt_long(z)}) = {fmt_long(a)}")
        _with_grad(lines, f"a[{l}]{s}", reader.grad(a_name, (i,)) if reader else None)
    _note(lines, reader)
    return "\n".join(lines)


def weight_tooltip(reader: SnapshotReader | None, l: int, i: int, j: int) -> str:
    """W[l][i,j]: the weight from unit j of layer l−1 into unit i of layer l."""
    name, idx = f"W[{l}]", (i, j)
    source = f"x{subscript(j)}" if l == 2 else f"a[{l - 1}]{subscript(j)}"
    return _param_tooltip(reader, name, idx, f"weight from {source} into z[{l}]{subscript(i)}")


def bias_tooltip(reader: SnapshotReader | None, l: int, i: int) -> str:
    """b[l][i]: the bias of unit i of layer l (the weight on the constant +1)."""
    return _param_tooltip(
        reader, f"b[{l}]", (i,), f"bias of z[{l}]{subscript(i)} (its weight on the constant +1)"
    )


def _param_tooltip(
    reader: SnapshotReader | None, name: str, idx: tuple[int, ...], what: str
) -> str:
    label = f"{name}{index_text(idx)}"
    p = reader.param(name) if reader else None
    lines = [f"{label} = {fmt_long(float(p[idx]))}" if p is not None else label, what]
    if reader is not None:
        g = reader.grad(name, idx)
        if g is not None:
            mean = " (batch mean)" if reader.batch > 1 else ""
            lines.append(f"∂l/∂{label} = {fmt_long(g)}{mean}")
        step = reader.snap.step
        if (
            step is not None
            and step.phase == "update"
            and step.node == name
            and step.before is not None
            and step.after is not None
            and step.change is not None
        ):
            lines.append(
                f"updated: {fmt_long(float(step.before[idx]))} → "
                f"{fmt_long(float(step.after[idx]))} "
                f"(change {fmt_long(float(step.change[idx]))})"
            )
    lines.append("double-click to edit")
    return "\n".join(lines)


def loss_tooltip(reader: SnapshotReader | None, loss: str) -> str:
    """The loss node: its formula, the batch loss and the target of the shown sample."""
    lines = [f"loss node l: {loss}", LOSS_FORWARD.get(loss, ("",))[0]]
    if reader is not None and reader.snap.loss is not None:
        mean = f" (mean over the batch of {reader.batch})" if reader.batch > 1 else ""
        lines.append(f"l = {fmt_long(reader.snap.loss)}{mean}")
    else:
        lines.append("not computed yet")
    if reader is not None and reader.snap.step is not None:
        t = np.asarray(reader.snap.step.batch.t, dtype=np.float64)
        col = (
            t[:, reader.sample]
            if reader.sample is not None
            else (t[:, 0] if t.shape[1] == 1 else None)
        )
        if col is not None:
            lines.append("y = " + ", ".join(fmt_long(float(v)) for v in col))
    lines.append("click: breakpoint on l")
    return "\n".join(line for line in lines if line)


def target_text(reader: SnapshotReader | None) -> str:
    """The target drawn under the loss node: "y = 1" for one output and one shown sample."""
    if reader is None or reader.snap.step is None:
        return ""
    t = np.asarray(reader.snap.step.batch.t, dtype=np.float64)
    if t.shape[0] != 1:
        return ""
    if reader.sample is not None:
        return f"y = {_label(float(t[0, reader.sample]))}"
    if t.shape[1] == 1:
        return f"y = {_label(float(t[0, 0]))}"
    return ""


def _label(v: float) -> str:
    """A class label as a label ("1"), any other target as a number."""
    return str(int(v)) if float(v).is_integer() else fmt_short(v)


def banner_text(reader: SnapshotReader | None, activations: Sequence[str], loss: str) -> str:
    """The caption over the network: phase and node, with the rule the node applies."""
    if reader is None or reader.snap.step is None:
        return "paused before the first stop"
    step = reader.snap.step
    node = step.node
    rule = ""
    if step.phase == "forward":
        if node == "l":
            rule = f"l = {loss}(ŷ, y)"
        elif node.startswith("z["):
            l = int(node[2:-1])
            rule = f"{node} = W[{l}]·a[{l - 1}] + b[{l}]"
        else:
            l = int(node[2:-1])
            act = activations[l - 2]
            rule = f"{node} = {ACTIVATION_SYMBOLS.get(act, act)}(z[{l}])"
        text = f"forward →  {rule}"
    elif step.phase == "backward":
        if node == "l":
            rule = f"∂l/∂{next(iter(step.downstream), 'ŷ')}"
        else:
            rule = ", ".join(f"∂l/∂{k}" for k in step.downstream)
        text = f"← backward at {node}:  {rule}"
    else:
        plain = (
            step.change is not None
            and step.grad is not None
            and step.learning_rate is not None
            and np.allclose(step.change, -step.learning_rate * np.asarray(step.grad))
        )
        # with momentum the change is −η·v, not −η·∂l/∂p: say so rather than show a wrong rule
        change = f"η·∂l/∂{node}" if plain else f"η·v[{node}] (momentum)"
        text = f"update  {node} ← {node} − {change}"
    note = reader.sample_note()
    return f"{text}    ({note})" if note else text

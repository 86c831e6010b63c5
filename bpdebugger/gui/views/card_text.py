"""The words and formulas of the gradient card: operations, local derivatives, loss rules.

Kept apart from the widgets so that the notation (the notes' z[l], a[l], W[l], b[l],
l, ŷ, δ[l]) lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bpdebugger.engine.notation import (  # noqa: F401  (the card's formulas, from one place)
    ACTIVATIONS,
    LOSS_FORWARD,
    LOSS_GRADIENT,
    factor,
    fmt,
)

SHORTCUT_WHY: dict[str, str] = {
    "ŷ − y": (
        "They agree: with bce, ∂l/∂ŷ = (ŷ − y) / (ŷ(1 − ŷ)) and σ′(z) = ŷ(1 − ŷ), so the "
        "factors cancel and ∂l/∂z = ŷ − y exactly. The shortcut is used because it needs "
        "no division: it stays finite and keeps its digits when ŷ rounds to 0 or 1, "
        "where ∂l/∂ŷ would blow up."
    ),
    "s − onehot(y)": (
        "They agree: with cross-entropy, ∂l/∂sₖ = −yₖ/sₖ and ∂s/∂z = diag(s) − s·sᵀ, so "
        "the product collapses to s − y for a one-hot y. The shortcut is used because it "
        "needs neither the n×n Jacobian nor a division by s, which underflows to 0 for "
        "a confidently wrong class."
    ),
}

DIAGONAL_NOTE = (
    "{f} acts element by element: a[{l}]ᵢ depends only on z[{l}]ᵢ, so the Jacobian "
    "∂a[{l}]/∂z[{l}] is diagonal (its off-diagonal zeros are shown faded). Multiplying by a "
    "diagonal matrix multiplies each element by its own diagonal entry; that is why the "
    "chain rule here reduces to the element-wise product ⊙. {rule}."
)

SOFTMAX_NOTE = (
    "softmax mixes its inputs: every sᵢ depends on every zⱼ, so its Jacobian "
    "∂s/∂z = diag(s) − s·sᵀ is full (no zeros off the diagonal) and the chain rule is "
    "a real matrix product, not ⊙."
)

LINEAR_NOTE = (
    "z[{l}] = W[{l}]·a[{k}] + b[{l}] is linear in each input. Each a[{k}]ⱼ fans out to "
    "every unit of z[{l}]: path i carries W[{l}][i,j]·δ[{l}]ᵢ back, and the paths add up "
    "(the chain rule sums over every route), giving ∂l/∂a[{k}] = W[{l}]ᵀ·δ[{l}]. "
    "W[{l}][i,j] multiplies a[{k}]ⱼ into z[{l}]ᵢ, so its gradient is δ[{l}]ᵢ·a[{k}]ⱼ: the "
    "outer product δ·aᵀ; b[{l}] is added as is, so ∂l/∂b[{l}] = δ[{l}]."
)

MEAN_NOTE = (
    "Batch mean: each sample has its own local gradient, so the mean downstream "
    "gradient is the mean of each sample's product, not a product of means. "
    "Pick a sample to see one product."
)

MOMENTUM_NOTE = (
    "With momentum the change is −η·v, where v ← μ·v + ∂l/∂{p} carries the earlier "
    "gradients along; here it differs from −η·∂l/∂{p} = {plain}."
)

UPDATE_NOTE = "Gradient descent: each entry moves against its gradient, by η times it."

# At most this many per-element lines in an equation; the matrices show the rest.
MAX_LINES = 6


def layer(node: str) -> int:
    """The layer of a node name such as "z[3]" or "W[2]"."""
    return int(node[node.index("[") + 1 : node.index("]")])


def node_symbol(name: str) -> str:
    """A value's symbol, with x for the input a[1] and ŷ nowhere (the notes write a[L])."""
    return "a[1] = x" if name == "a[1]" else name


def product_terms(pairs: Sequence[tuple[float, float]], limit: int = 4) -> str:
    """The products written out, "a×b + c×d + …", for the first ``limit`` pairs."""
    parts = [f"{factor(a)}×{factor(b)}" for a, b in pairs[:limit]]
    if len(pairs) > limit:
        parts.append(f"… ({len(pairs)} terms)")
    return " + ".join(parts)


def value_list(values: Sequence[float], limit: int = 6) -> str:
    """A short list of numbers as "[0.1, −0.2, …]"."""
    parts = [fmt(v) for v in values[:limit]]
    if len(values) > limit:
        parts.append("…")
    return "[" + ", ".join(parts) + "]"


def per_unit(total: int, line: Callable[[int], str], what: str = "units") -> list[str]:
    """``line(i)`` for the first MAX_LINES of ``total`` units (or entries), then how many
    more there are: an equation stays readable however wide the layer."""
    shown = min(total, MAX_LINES)
    tail = [f"  … {total - shown} more {what}: hover the cells"] if total > shown else []
    return [line(i) for i in range(shown)] + tail

"""How numbers and the notes' symbols are written for people: one place for the card, the
narration and the exported stop (Markdown and LaTeX), so all three read alike.

Numbers: 4 significant digits with the typographic minus (as wide as +, unlike a
hyphen), NaN and ±inf by name, and −0 written 0 (a zero change written "−0" reads as a
sign error to a student). Each activation and loss has its formula once, in Unicode
and in TeX.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MINUS = "\u2212"


def fmt(value: float, digits: int = 4, minus: str = MINUS) -> str:
    """``value`` to ``digits`` significant digits; NaN and ±inf by name; −0 as 0."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else f"{minus}inf"
    if v == 0.0:
        return "0"
    return f"{v:.{digits}g}".replace("-", minus)


def subscript(k: int) -> str:
    """``k`` in subscript digits: s₁₂."""
    return str(k).translate(_SUBSCRIPTS)


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def factor(value: float) -> str:
    """``fmt(value)``, in parentheses when negative, for products such as (−1.53) × 0.22."""
    text = fmt(value)
    return f"({text})" if text.startswith(MINUS) else text


@dataclass(frozen=True)
class Activation:
    """An activation as written: f and f′ in Unicode and in TeX, and the rule of f′."""

    symbol: str
    derivative: str
    rule: str
    tex_symbol: str
    tex_derivative: str


ACTIVATIONS: dict[str, Activation] = {
    "tanh": Activation("tanh", "tanh′", "tanh′(z) = 1 − tanh²(z) = 1 − a²", r"\tanh", r"\tanh'"),
    "sigmoid": Activation("σ", "σ′", "σ′(z) = σ(z)·(1 − σ(z))", r"\sigma", r"\sigma'"),
    "relu": Activation(
        "relu",
        "relu′",
        "relu′(z) = 1 where z > 0, else 0",
        r"\operatorname{relu}",
        r"\operatorname{relu}'",
    ),
    "leaky_relu": Activation(
        "leaky_relu",
        "leaky_relu′",
        "leaky_relu′(z) = 1 where z > 0, else 0.01",
        r"\operatorname{leaky\_relu}",
        r"\operatorname{leaky\_relu}'",
    ),
    "identity": Activation("id", "id′", "id′(z) = 1", r"\operatorname{id}", r"\operatorname{id}'"),
    "softmax": Activation(
        "softmax",
        "∂s/∂z",
        "∂s/∂z = diag(s) − s·sᵀ",
        r"\operatorname{softmax}",
        r"\operatorname{softmax}'",
    ),
}

# loss → (Unicode, TeX)
LOSS_FORWARD: dict[str, tuple[str, str]] = {
    "bce": (
        "l = −(y log ŷ + (1 − y) log(1 − ŷ))",
        r"l = -\bigl(y \log \hat{y} + (1 - y) \log(1 - \hat{y})\bigr)",
    ),
    "squared_error": ("l = ½·Σₖ (yₖ − ŷₖ)²", r"l = \tfrac{1}{2} \sum_k (y_k - \hat{y}_k)^2"),
    "cross_entropy": ("l = −Σₖ yₖ log sₖ", r"l = -\sum_k y_k \log s_k"),
}

LOSS_GRADIENT: dict[str, tuple[str, str]] = {
    "bce": (
        "∂l/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)",
        r"\frac{\partial l}{\partial \hat{y}} = -\frac{y}{\hat{y}} + \frac{1 - y}{1 - \hat{y}}",
    ),
    "squared_error": ("∂l/∂ŷ = ŷ − y", r"\frac{\partial l}{\partial \hat{y}_k} = \hat{y}_k - y_k"),
    "cross_entropy": ("∂l/∂sₖ = −yₖ/sₖ", r"\frac{\partial l}{\partial s_k} = -\frac{y_k}{s_k}"),
}


def value_list(values: Sequence[float], limit: int = 6) -> str:
    """A short list of numbers as "[0.1, −0.2, …]"."""
    parts = [fmt(v) for v in values[:limit]]
    if len(values) > limit:
        parts.append("…")
    return "[" + ", ".join(parts) + "]"

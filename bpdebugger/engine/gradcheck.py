"""Numerical gradient check: centred differences for every parameter entry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Array, Network

# Centred differences err by O(h²) in truncation and O(ε/h) in rounding; h = 1e-5
# balances the two for float64 (ε ≈ 2e-16), leaving relative errors near 1e-10.
STEP = 1e-5

# The usual reading of the relative error (CS231n): below 1e-7 the gradient is
# right; up to 1e-4 acceptable near kinks (relu at 0); above that, suspect.
GOOD, FAIR = 1e-7, 1e-4


def relative_error(analytic: Array, numeric: Array) -> Array:
    """|a − n| / max(|a|, |n|), elementwise; 0 where both are exactly 0, and inf where
    either is NaN or ±inf (such a gradient is never "good")."""
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.abs(analytic), np.abs(numeric))
        diff = np.abs(analytic - numeric)
    finite = np.isfinite(analytic) & np.isfinite(numeric)
    out = np.where(finite, 0.0, np.inf)
    return np.divide(diff, scale, out=out, where=finite & (scale > 0))


def grade(error: float) -> str:
    """'good', 'fair' or 'bad': the green / amber / red of the gradient card."""
    if error < GOOD:
        return "good"
    return "fair" if error < FAIR else "bad"


@dataclass(frozen=True)
class Check:
    """One parameter tensor: its analytic and numerical gradients and their agreement."""

    name: str
    analytic: Array
    numeric: Array

    @property
    def errors(self) -> Array:
        return relative_error(self.analytic, self.numeric)

    @property
    def max_error(self) -> float:
        return float(self.errors.max(initial=0.0))

    @property
    def grade(self) -> str:
        return grade(self.max_error)


def numerical_gradient(net: Network, x: Array, t: Array, name: str, h: float = STEP) -> Array:
    """∂L/∂p by centred differences, (L(p + h) − L(p − h)) / 2h for each entry of p.

    The network is left exactly as it was found.
    """
    p = net.param(name)
    grad = np.empty_like(p)
    for i in np.ndindex(p.shape):
        kept = p[i]
        p[i] = kept + h
        plus = net.loss_value(x, t)
        p[i] = kept - h
        minus = net.loss_value(x, t)
        p[i] = kept
        grad[i] = (plus - minus) / (2 * h)
    return grad


def gradcheck(net: Network, x: Array, t: Array, h: float = STEP) -> dict[str, Check]:
    """Compare backpropagation's parameter gradients with centred differences on a batch."""
    with np.errstate(all="ignore"):
        p = net.run(x, t, full=False)
        analytic = {}
        for l in net.layers:
            analytic[f"W[{l}]"], analytic[f"b[{l}]"] = p.dW[l], p.db[l]
        return {
            name: Check(name, analytic[name], numerical_gradient(net, x, t, name, h))
            for name in net.params()
        }

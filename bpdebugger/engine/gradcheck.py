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


# The nudged copies of the network run side by side as one batch: at most this many
# numbers in one layer's activations at a time (a few MB), larger checks go in chunks.
BATCH_NUMBERS = 1 << 19


def numerical_gradient(net: Network, x: Array, t: Array, name: str, h: float = STEP) -> Array:
    """∂L/∂p by centred differences, (L(p + h) − L(p − h)) / 2h for each entry of p.

    Nudging an entry of W[l] or b[l] leaves the layers before l as they are and moves
    z[l] by ±h·(its input a[l−1] on row i) or ±h on row i; so z[l] is computed once and
    all the nudged copies run from there side by side, as the columns of one batch: one
    pass per chunk of entries instead of two passes per entry. The network is not
    changed.
    """
    p = net.param(name)
    l = int(name[2:-1])
    z, a = net.forward(x)
    n, B = z[l].shape
    entries = np.arange(p.size)
    grad = np.empty(p.size)
    chunk = max(1, BATCH_NUMBERS // max(1, 2 * B * max(net.sizes)))
    for start in range(0, p.size, chunk):
        part = entries[start : start + chunk]
        k = len(part)
        # dz[:, c, :]: how z[l] moves per unit nudge of entry part[c]
        dz = np.zeros((n, k, B))
        if name[0] == "W":
            rows, cols = np.unravel_index(part, p.shape)
            dz[rows, np.arange(k), :] = a[l - 1][cols]
        else:
            dz[part, np.arange(k), :] = 1.0
        nudged = z[l][:, None, :] + np.concatenate([h * dz, -h * dz], axis=1)
        losses = _losses_from(net, l, nudged.reshape(n, 2 * k * B), np.tile(t, 2 * k))
        plus, minus = losses.reshape(2, k, B).mean(axis=2)
        grad[start : start + k] = (plus - minus) / (2 * h)
    return grad.reshape(p.shape)


def _losses_from(net: Network, l: int, z_l: Array, t: Array) -> Array:
    """The per-sample losses of a batch whose z[l] is given: the rest of the forward pass."""
    a_l = net.f[l].forward(z_l)
    if l == net.L:
        z_L, a_L = z_l, a_l
    else:
        z, a = net.forward(a_l, first=l + 1)
        z_L, a_L = z[net.L], a[net.L]
    return net.loss.per_sample(z_L, a_L, t)


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

"""Activation functions a = f(z), each with its local gradient ∂a/∂z.

Arrays are (n, B): one column per sample. An element-wise f has a diagonal
Jacobian, so its local gradient is stored as that diagonal, f′(z), with the
same shape as z; the backward rule is then δ = f′(z) ⊙ upstream. Softmax mixes
its inputs, so its local gradient is the full Jacobian per sample, (B, n, n).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

LEAKY_SLOPE = 0.01


# From this many entries (a plot's grid) the four-ufunc form of sigmoid is the faster.
LARGE = 4096


def sigmoid(z: Array) -> Array:
    """σ(z) = 1 / (1 + e^−z), stable for every z, in the cheaper of two forms:
    exp(−log(1 + e^−z)), the fewest ufunc calls, for the small arrays of training (it
    loses about |z| ulps in the far negative tail, 1e-13 relative at z = −700); with
    e = e^−|z|, 1/(1 + e) for z ≥ 0 and e/(1 + e) below, a few ulps and a third faster
    over a plot's 40 000 grid points (logaddexp is the slow ufunc)."""
    if z.size < LARGE:
        return np.exp(-np.logaddexp(0.0, -z))
    e = np.exp(-np.abs(z))
    r = 1.0 / (1.0 + e)
    return np.where(z >= 0, r, e * r)


def sigmoid_prime(z: Array) -> Array:
    """σ′(z) = σ(z)·σ(−z) = e^−|z| / (1 + e^−|z|)², exact even where σ(z) rounds to 1."""
    e = np.exp(-np.abs(z))
    return e / (1.0 + e) ** 2


def softmax(z: Array) -> Array:
    """sᵢ = e^zᵢ / Σⱼ e^zⱼ per column; shifting by the max changes nothing but overflow."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_jacobian(s: Array) -> Array:
    """∂s/∂z = diag(s) − s·sᵀ for each sample: (n, B) → (B, n, n)."""
    st = s.T
    return st[:, :, None] * np.eye(s.shape[0]) - st[:, :, None] * st[:, None, :]


@dataclass(frozen=True)
class Activation:
    """One activation: its forward rule and its local gradient.

    ``local(z, a)`` is f′(z) for an element-wise f (shape of z) and the per-sample
    Jacobian (B, n, n) otherwise. ``backward(z, a, upstream)`` is ∂l/∂z.
    """

    name: str
    forward: Callable[[Array], Array]
    local: Callable[[Array, Array], Array]
    elementwise: bool = True
    output_only: bool = False

    def backward(self, z: Array, a: Array, upstream: Array) -> Array:
        if self.elementwise:
            return self.local(z, a) * upstream  # δ = f′(z) ⊙ ∂l/∂a
        # Jᵀ·u for the softmax Jacobian reduces to s ⊙ (u − sᵀu): no (B, n, n) array needed.
        return a * (upstream - (a * upstream).sum(axis=0, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in (
        Activation("tanh", np.tanh, lambda z, a: 1.0 - a**2),  # tanh′ = 1 − a²
        Activation("sigmoid", sigmoid, lambda z, a: sigmoid_prime(z)),
        # relu′(0) = 0: the subgradient every framework picks.
        Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(np.float64)),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda z, a: np.where(z > 0, 1.0, LEAKY_SLOPE),
        ),
        Activation("identity", lambda z: z.copy(), lambda z, a: np.ones_like(z)),
        Activation(
            "softmax",
            softmax,
            lambda z, a: softmax_jacobian(a),
            elementwise=False,
            output_only=True,
        ),
    )
}

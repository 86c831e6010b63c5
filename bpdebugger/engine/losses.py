"""Losses l(ŷ, y) per sample, their gradient ∂l/∂ŷ, and the shortcuts for ∂l/∂z.

Targets are a matrix T (n_L, B) like the activations: a 0/1 row for bce, the
target values for squared_error, one-hot columns for cross_entropy. The batch
loss is the mean of the per-sample losses.

bce and cross_entropy are computed from the logits z (the output's input), so
that the loss stays finite when ŷ rounds to exactly 0 or 1 in floating point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .activations import sigmoid

Array = npt.NDArray[np.float64]

# Smallest positive normal float: dividing by it stays finite (1/TINY ≈ 4.5e307).
TINY = np.finfo(np.float64).tiny


def _bce(z: Array, a: Array, t: Array) -> Array:
    # −(y log σ(z) + (1−y) log(1−σ(z))) = log(1 + e^z) − y·z, written as
    # max(z, 0) − y·z + log(1 + e^−|z|): for 0/1 labels the first two terms cancel
    # exactly, so a confident right answer keeps every digit of its tiny loss.
    return (np.maximum(z, 0.0) - t * z + np.log1p(np.exp(-np.abs(z)))).sum(axis=0)


def _bce_grad(z: Array, a: Array, t: Array) -> Array:
    # ∂l/∂ŷ = −y/ŷ + (1−y)/(1−ŷ); 1−ŷ taken as σ(−z) so it keeps its digits near ŷ = 1,
    # and each term is dropped where its label weight is zero (no 0/0).
    one_minus = sigmoid(-z)
    return np.where(t > 0, -t / np.maximum(a, TINY), 0.0) + np.where(
        t < 1, (1.0 - t) / np.maximum(one_minus, TINY), 0.0
    )


def _squared_error(z: Array, a: Array, t: Array) -> Array:
    return 0.5 * ((t - a) ** 2).sum(axis=0)  # ½·Σₖ (yₖ − ŷₖ)²


def _squared_error_grad(z: Array, a: Array, t: Array) -> Array:
    return a - t


def _cross_entropy(z: Array, a: Array, t: Array) -> Array:
    # −Σₖ yₖ log sₖ = logsumexp(z) − Σₖ yₖ zₖ for one-hot y, as (m − z_y) + log(1 + rest)
    # with m the column max and rest = Σ over the other classes of e^(zₖ − m): finite
    # where sₖ underflows, and exact where the right class wins by a wide margin.
    top = z.argmax(axis=0)
    m = z[top, np.arange(z.shape[1])]
    e = np.exp(z - m)
    e[top, np.arange(z.shape[1])] = 0.0
    return (m - (t * z).sum(axis=0)) + np.log1p(e.sum(axis=0))


def _cross_entropy_grad(z: Array, a: Array, t: Array) -> Array:
    return np.where(t > 0, -t / np.maximum(a, TINY), 0.0)  # ∂l/∂sₖ = −yₖ/sₖ


@dataclass(frozen=True)
class Loss:
    """A loss node: per-sample value, ∂l/∂ŷ, and the shortcut for its natural output.

    ``shortcut_for`` names the output activation with which ∂l/∂z[L] collapses
    to ŷ − y exactly; the backward pass then uses that exact form, and the
    stepper shows it beside the full chain ∂l/∂ŷ · ∂ŷ/∂z.
    """

    name: str
    per_sample: Callable[[Array, Array, Array], Array]
    grad: Callable[[Array, Array, Array], Array]
    shortcut_for: str | None
    shortcut_text: str | None = None

    def value(self, z: Array, a: Array, t: Array) -> float:
        """The batch loss: the mean of the per-sample losses."""
        return float(self.per_sample(z, a, t).mean())

    def has_shortcut(self, activation: str) -> bool:
        return self.shortcut_for == activation

    @staticmethod
    def shortcut(a: Array, t: Array) -> Array:
        return a - t  # ∂l/∂z[L] = ŷ − y

    def targets(self, y: Array, n_out: int) -> Array:
        """Labels as stored in a data set (samples first) → the target matrix T (n_out, B)."""
        if self.name == "cross_entropy":
            return (np.arange(n_out)[:, None] == y.astype(np.int64)[None, :]).astype(np.float64)
        return np.asarray(y, dtype=np.float64).reshape(len(y), n_out).T

    def predictions(self, a: Array) -> npt.NDArray[np.int64]:
        """Predicted class per sample: ŷ ≥ ½ for one output, the arg-max otherwise."""
        if a.shape[0] == 1:
            return (a[0] >= 0.5).astype(np.int64)
        return a.argmax(axis=0)

    def correct(self, a: Array, t: Array) -> npt.NDArray[np.bool_]:
        """Whether each sample is classified right (targets read the same way as ŷ)."""
        return self.predictions(a) == self.predictions(t)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("bce", _bce, _bce_grad, shortcut_for="sigmoid", shortcut_text="ŷ − y"),
        Loss("squared_error", _squared_error, _squared_error_grad, shortcut_for=None),
        Loss(
            "cross_entropy",
            _cross_entropy,
            _cross_entropy_grad,
            shortcut_for="softmax",
            shortcut_text="s − onehot(y)",
        ),
    )
}

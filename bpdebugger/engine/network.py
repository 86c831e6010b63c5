"""The multi-layer perceptron: parameters, forward pass and backward pass.

Notation of the notes: layers are numbered from the input, which is layer 1
(x = a[1]); for l = 2…L the linear node z[l] = W[l]·a[l−1] + b[l] and the
activation a[l] = f(z[l]); then the loss l. W[l] is (n_l, n_{l−1}), b[l] is
(n_l,), and a batch of B samples is a matrix with one column per sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .activations import ACTIVATIONS, Activation
from .losses import LOSSES, Loss

Array = npt.NDArray[np.float64]

INIT_SCHEMES = ("xavier", "he", "uniform", "zeros")


def param_names(n_layers: int) -> list[str]:
    """Parameter names in file order: W[2], b[2], …, W[L], b[L]."""
    return [f"{p}[{l}]" for l in range(2, n_layers + 1) for p in ("W", "b")]


@dataclass
class Pass:
    """Everything one forward and backward pass computes, per sample (columns).

    ``da[l]`` and ``dz[l]`` hold ∂lᵢ/∂a[l] and ∂lᵢ/∂z[l] for each sample i
    (not divided by B); ``dW`` and ``db`` are the gradients of the batch mean.
    """

    z: dict[int, Array]
    a: dict[int, Array]
    t: Array
    losses: Array
    loss: float
    da: dict[int, Array]
    dz: dict[int, Array]
    dW: dict[int, Array]
    db: dict[int, Array]


class Network:
    """An MLP with sizes [n1, …, nL], one activation per layer after the input, a loss."""

    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[str],
        loss: str,
        params: Mapping[str, npt.ArrayLike] | None = None,
    ) -> None:
        self.sizes = tuple(int(n) for n in sizes)
        self.L = len(self.sizes)
        self.activation_names = tuple(activations)
        self.f: dict[int, Activation] = {
            l: ACTIVATIONS[name] for l, name in zip(range(2, self.L + 1), activations, strict=True)
        }
        self.loss: Loss = LOSSES[loss]
        self.W: dict[int, Array] = {}
        self.b: dict[int, Array] = {}
        for l in self.layers:
            self.W[l] = np.zeros((self.sizes[l - 1], self.sizes[l - 2]))
            self.b[l] = np.zeros(self.sizes[l - 1])
        if params is not None:
            self.set_params(params)

    @property
    def layers(self) -> range:
        """The layers that have parameters: 2…L."""
        return range(2, self.L + 1)

    @classmethod
    def initialised(
        cls, sizes: Sequence[int], activations: Sequence[str], loss: str, scheme: str, seed: int
    ) -> Network:
        """A network whose weights are drawn by ``scheme`` from ``seed``; biases start at 0."""
        net = cls(sizes, activations, loss)
        rng = np.random.default_rng(seed)
        for l in net.layers:
            fan_out, fan_in = net.W[l].shape
            if scheme == "xavier":  # Glorot uniform: keeps the variance of tanh/sigmoid layers
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                net.W[l][...] = rng.uniform(-limit, limit, (fan_out, fan_in))
            elif scheme == "he":  # He normal: keeps the variance of relu layers
                net.W[l][...] = rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_out, fan_in))
            elif scheme == "uniform":
                limit = 1.0 / np.sqrt(fan_in)
                net.W[l][...] = rng.uniform(-limit, limit, (fan_out, fan_in))
            elif scheme != "zeros":
                raise ValueError(f"unknown init scheme {scheme!r}")
        return net

    def params(self) -> dict[str, Array]:
        """The parameters by name, in file order (the arrays themselves, not copies)."""
        out: dict[str, Array] = {}
        for l in self.layers:
            out[f"W[{l}]"] = self.W[l]
            out[f"b[{l}]"] = self.b[l]
        return out

    def param(self, name: str) -> Array:
        return self.params()[name]

    def set_params(self, params: Mapping[str, npt.ArrayLike]) -> None:
        """Copy values into the parameters; the shapes must match."""
        own = self.params()
        for name, value in params.items():
            value = np.asarray(value, dtype=np.float64)
            if value.shape != own[name].shape:
                raise ValueError(f"{name}: expected shape {own[name].shape}, got {value.shape}")
            own[name][...] = value

    def copy(self) -> Network:
        return Network(self.sizes, self.activation_names, self.loss.name, self.params())

    # --- the passes -------------------------------------------------------------------

    def forward(self, x: Array, first: int = 2) -> tuple[dict[int, Array], dict[int, Array]]:
        """z[l], a[l] for layers first…L; x is a[first − 1]: by default the input (n1, B),
        a[1] = x. A later ``first`` resumes from kept activations of the layers before it
        (a plot's grid, after an update of a later layer only)."""
        z: dict[int, Array] = {}
        a: dict[int, Array] = {first - 1: x}
        for l in range(first, self.L + 1):
            z[l] = self.W[l] @ a[l - 1] + self.b[l][:, None]  # z = W a + b
            a[l] = self.f[l].forward(z[l])  # a = f(z)
        return z, a

    def output(self, x: Array) -> Array:
        """ŷ = a[L] for a batch (n1, B): the prediction, e.g. over a plot's grid."""
        return self.forward(x)[1][self.L]

    def run(self, x: Array, t: Array, full: bool = True) -> Pass:
        """Forward, loss and backward on a batch x (n1, B) with targets t (n_L, B).

        ``full`` also computes what only the stepper shows: ∂l/∂x, and ∂l/∂ŷ
        where the shortcut ŷ − y makes it unnecessary for the parameters.
        """
        L, B = self.L, x.shape[1]
        z, a = self.forward(x)
        losses = self.loss.per_sample(z[L], a[L], t)
        shortcut = self.loss.has_shortcut(self.f[L].name)
        da: dict[int, Array] = {}
        if full or not shortcut:
            da[L] = self.loss.grad(z[L], a[L], t)  # ∂l/∂ŷ
        dz: dict[int, Array] = {}
        if shortcut:
            dz[L] = self.loss.shortcut(a[L], t)  # ŷ − y: exact, where the chain would lose digits
        else:
            dz[L] = self.f[L].backward(z[L], a[L], da[L])
        dW: dict[int, Array] = {}
        db: dict[int, Array] = {}
        for l in range(L, 1, -1):
            dW[l] = dz[l] @ a[l - 1].T / B  # ∂l/∂W = δ aᵀ, averaged over the batch
            db[l] = dz[l].sum(axis=1) / B  # ∂l/∂b = δ
            if l > 2 or full:
                da[l - 1] = self.W[l].T @ dz[l]  # ∂l/∂a[l−1] = Wᵀ δ: the paths add up
            if l > 2:
                dz[l - 1] = self.f[l - 1].backward(z[l - 1], a[l - 1], da[l - 1])
        return Pass(z, a, t, losses, float(losses.mean()), da, dz, dW, db)

    def loss_value(self, x: Array, t: Array) -> float:
        """The batch mean loss alone (for gradient checks and evaluation)."""
        z, a = self.forward(x)
        return self.loss.value(z[self.L], a[self.L], t)

"""SGD, batches, and the fast training path that builds no step records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .data import batch_indices, epoch_of
from .network import Array, Network


@dataclass
class SGD:
    """Stochastic gradient descent with optional momentum, PyTorch's convention.

    v ← μ·v + ∂l/∂p, then p ← p − η·v (with μ = 0 simply p ← p − η·∂l/∂p).
    """

    learning_rate: float
    momentum: float = 0.0
    velocity: dict[str, Array] = field(default_factory=dict)

    def step(self, name: str, p: Array, g: Array) -> Array:
        """Update p in place; returns the change that was added, −η·v."""
        if self.momentum:
            v = self.velocity.get(name)
            v = g.copy() if v is None else self.momentum * v + g
            self.velocity[name] = v
            change = -self.learning_rate * v
        else:
            change = -self.learning_rate * g
        p += change
        return change

    def state(self) -> dict[str, Array]:
        """A copy of the optimiser's state, for checkpoints."""
        return {name: v.copy() for name, v in self.velocity.items()}

    def load_state(self, state: dict[str, Array]) -> None:
        self.velocity = {name: v.copy() for name, v in state.items()}


@dataclass(frozen=True)
class Batch:
    """The samples of one iteration: x (n1, B), labels as stored, targets t (n_L, B)."""

    indices: npt.NDArray[np.int64]
    x: Array
    y: Array
    t: Array
    epoch: int

    def __len__(self) -> int:
        return len(self.indices)


class Trainer:
    """A network, its optimiser and its training data, batched as the session says."""

    def __init__(
        self,
        net: Network,
        optimizer: SGD,
        x: Array,
        y: Array,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
    ) -> None:
        self.net = net
        self.optimizer = optimizer
        self.y = y
        self.batch_size = min(batch_size, len(x))
        self.shuffle = shuffle
        self.seed = seed
        # Samples as columns once, so a batch is two column gathers.
        self.X = np.ascontiguousarray(x.T)
        self.T = net.loss.targets(y, net.sizes[-1])
        # Update order of the stepper (W[L], b[L], …, W[2], b[2]), names made once.
        self._update_order = [(l, f"W[{l}]", f"b[{l}]") for l in range(net.L, 1, -1)]

    @property
    def n_samples(self) -> int:
        return self.X.shape[1]

    def indices(self, iteration: int) -> npt.NDArray[np.int64]:
        return batch_indices(self.n_samples, self.batch_size, iteration, self.shuffle, self.seed)

    def epoch(self, iteration: int) -> int:
        return epoch_of(self.n_samples, self.batch_size, iteration)

    def iterations_per_epoch(self) -> float:
        return self.n_samples / self.batch_size

    def batch(self, iteration: int) -> Batch:
        """The samples of an iteration, as read-only arrays (records share them)."""
        idx = self.indices(iteration)
        arrays = (idx, self.X[:, idx], self.y[idx], self.T[:, idx])
        for a in arrays:
            a.flags.writeable = False
        return Batch(*arrays, self.epoch(iteration))

    def train_iteration(self, iteration: int) -> float:
        """One SGD iteration without records; returns the batch loss before the update.

        The same arithmetic as the stepper (Network.run, then SGD.step in update
        order), so both paths give the very same parameters.
        """
        idx = self.indices(iteration)
        net, step = self.net, self.optimizer.step
        p = net.run(self.X[:, idx], self.T[:, idx], full=False)
        for l, W_name, b_name in self._update_order:
            step(W_name, net.W[l], p.dW[l])
            step(b_name, net.b[l], p.db[l])
        return p.loss

    def train(
        self,
        first: int,
        count: int,
        on_iteration: Callable[[int, float], bool | None] | None = None,
    ) -> npt.NDArray[np.float64]:
        """Iterations first … first+count−1; returns their losses.

        ``on_iteration(iteration, loss)`` may return True to stop early (the
        losses array is then cut to the iterations done). Overflow on the way
        to a divergence is expected, not an error: NumPy stays quiet and the
        non-finite loss tells the caller.
        """
        losses = np.empty(count)
        with np.errstate(all="ignore"):
            for k in range(count):
                losses[k] = self.train_iteration(first + k)
                if on_iteration is not None and on_iteration(first + k, losses[k]):
                    return losses[: k + 1]
        return losses

    def evaluate(self, x: Array, y: Array) -> tuple[float, float]:
        """(mean loss, accuracy) of the current network on samples x (N, n1)."""
        if len(x) == 0:
            return float("nan"), float("nan")
        t = self.net.loss.targets(y, self.net.sizes[-1])
        with np.errstate(all="ignore"):
            z, a = self.net.forward(np.ascontiguousarray(x.T))
            L = self.net.L
            loss = self.net.loss.value(z[L], a[L], t)
        return loss, float(self.net.loss.correct(a[L], t).mean())

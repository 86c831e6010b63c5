"""Training metrics as NumPy arrays that grow: what the plots draw.

- Per iteration (from the session's first): the batch loss (before the update) and the
  gradient norms ‖∂l/∂W[l]‖ per layer.
- Per epoch: the mean of its iterations' losses.
- Evaluations: the loss and accuracy on the whole training set (as edited) and on the test
  set (NaN without one), after the last iteration of an epoch. Every epoch's, as long as an
  epoch has EVALUATE_EVERY iterations or more; for shorter epochs (the 4 XOR points one at a
  time) every m-th epoch, with m the smallest that spaces them EVALUATE_EVERY iterations or
  more apart, so that evaluating whole sets never slows training much.

An iteration is recorded once it is complete in the session's timeline (stepped past its
last stop, or run on the fast path); an edit drops what it makes obsolete. Properties return
read-only views of the filled part of the buffers: read them again after the metrics grow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bpdebugger.engine.network import Array

EVALUATE_EVERY = 64


def row_norms(rows: Array) -> Array:
    """The 2-norm of each row of ``rows`` (m, n), without overflow or underflow in the
    squares: a row whose sum of squares leaves the normal range is scaled by its largest
    magnitude first (so a gradient of 1e200 has norm 1e200, not inf). A row with an inf has
    norm inf, one with a NaN (and no inf) NaN."""
    with np.errstate(all="ignore"):  # a diverging run's norms are inf or NaN, quietly
        squares = np.einsum("ij,ij->i", rows, rows)
        norms = np.sqrt(squares)
        out_of_range = ~((squares > 1e-300) & (squares < np.inf))
        if out_of_range.any() and rows.shape[1]:
            r = rows[out_of_range]
            m = np.abs(r).max(axis=1)
            scaled = r / m[:, None]
            rescaled = m * np.sqrt(np.einsum("ij,ij->i", scaled, scaled))
            # m = 0: all zeros (norm 0); m = inf: inf; m NaN: NaN (the sum of squares says so).
            ordinary = (m > 0) & np.isfinite(m)
            norms[out_of_range] = np.where(
                ordinary, rescaled, np.where(np.isinf(m), m, norms[out_of_range])
            )
    return norms


def gradient_norms(dWs: Sequence[Mapping[int, Array]], layers: Sequence[int]) -> Array:
    """‖∂l/∂W[l]‖ (Frobenius), (iterations, layers), from each iteration's dW by layer.

    Stacked per layer, so that a slice of fast iterations costs a few NumPy calls rather
    than a few per iteration."""
    norms = np.empty((len(dWs), len(layers)))
    for j, l in enumerate(layers):
        g = np.stack([dW[l] for dW in dWs])
        norms[:, j] = row_norms(g.reshape(len(dWs), -1))
    return norms


# Rows copied into a grown buffer per extend, at the least (about 640 kB at 5 columns).
MIGRATE_ROWS = 1 << 14


class _Growing:
    """Rows of ``width`` floats in a buffer that doubles when full.

    The doubling copy is spread over the extends that follow instead of being made at once
    (at a million iterations one copy stalls the window for a few hundred ms): from half
    full on, new rows go to both the buffer and its successor, and each extend also copies
    a share of the older rows across; when all are across, the successor takes over.
    """

    def __init__(self, width: int) -> None:
        self._buffer = np.empty((64, width))
        self._next: Array | None = None  # the successor, while rows move across
        self._mirrored_from = 0  # rows from here on are written to both buffers
        self._copied = 0  # rows below this are across
        self.n = 0

    def extend(self, rows: Array) -> None:
        """Append rows (m, width)."""
        m = len(rows)
        if self.n + m > len(self._buffer):
            self._grow_now(self.n + m)
        self._buffer[self.n : self.n + m] = rows
        if self._next is not None:
            self._next[self.n : self.n + m] = rows
        self.n += m
        self._move_across(m)

    def _move_across(self, m: int) -> None:
        """Start the successor at half full; copy a share of the rows (at least twice those
        just added, so the copy is done before the buffer is full)."""
        if self._next is None:
            if self.n < len(self._buffer) // 2:
                return
            self._next = np.empty((2 * len(self._buffer), self._buffer.shape[1]))
            self._mirrored_from, self._copied = self.n, 0
        hi = min(self._mirrored_from, self._copied + max(2 * m, MIGRATE_ROWS))
        self._next[self._copied : hi] = self._buffer[self._copied : hi]
        self._copied = hi
        if self._copied == self._mirrored_from:
            self._buffer, self._next = self._next, None

    def _grow_now(self, needed: int) -> None:
        """Room for ``needed`` rows at once (one extend larger than the space left)."""
        capacity = 2 * len(self._buffer)
        while capacity < needed:
            capacity *= 2
        grown = np.empty((capacity, self._buffer.shape[1]))
        grown[: self.n] = self._buffer[: self.n]
        self._buffer, self._next = grown, None

    def truncate(self, n: int) -> None:
        self.n = min(self.n, max(n, 0))
        self._mirrored_from = min(self._mirrored_from, self.n)
        self._copied = min(self._copied, self.n)

    def column(self, j: int | slice) -> Array:
        view = self._buffer[: self.n, j]
        view.flags.writeable = False
        return view


class Metrics:
    def __init__(self, first: int, layers: Sequence[int]) -> None:
        self.first = first
        self.layers = tuple(layers)
        self._iterations = _Growing(1 + len(self.layers))  # loss, then one norm per layer
        self._epochs = _Growing(3)  # epoch, its last iteration, mean loss
        self._evaluations = _Growing(6)  # epoch, its last iteration, the four numbers

    def __len__(self) -> int:
        """The number of iterations recorded."""
        return self._iterations.n

    @property
    def iteration(self) -> Array:
        return np.arange(self.first, self.first + len(self), dtype=np.float64)

    @property
    def loss(self) -> Array:
        """The batch loss of each iteration, before its update."""
        return self._iterations.column(0)

    @property
    def grad_norm(self) -> Array:
        """(iterations, layers): ‖∂l/∂W[l]‖, column j for layer self.layers[j]."""
        return self._iterations.column(slice(1, None))

    @property
    def epoch(self) -> Array:
        return self._epochs.column(0)

    @property
    def epoch_loss(self) -> Array:
        """Mean of the epoch's iteration losses (those the session ran)."""
        return self._epochs.column(2)

    @property
    def evaluated_epoch(self) -> Array:
        """The epochs after which the sets were evaluated (x for the next four)."""
        return self._evaluations.column(0)

    @property
    def train_loss(self) -> Array:
        return self._evaluations.column(2)

    @property
    def train_accuracy(self) -> Array:
        return self._evaluations.column(3)

    @property
    def test_loss(self) -> Array:
        return self._evaluations.column(4)

    @property
    def test_accuracy(self) -> Array:
        return self._evaluations.column(5)

    def loss_of(self, k: int) -> float | None:
        """Iteration k's loss, if recorded."""
        j = k - self.first
        return float(self._iterations.column(0)[j]) if 0 <= j < len(self) else None

    @property
    def last(self) -> int:
        """The last iteration recorded (first − 1 before any)."""
        return self.first + len(self) - 1

    def extend(self, k: int, losses: Array, norms: Array) -> None:
        """Record iterations k, k+1, …: losses (m,), norms (m, layers); k must be the next."""
        if k != self.last + 1:
            raise ValueError(f"iteration {k} does not follow {self.last}")
        self._iterations.extend(np.column_stack([losses, norms]))

    def record_epochs(self, epochs: Array, starts: Array, ends: Array) -> None:
        """Consecutive epochs (m ≥ 1,) made of iterations starts … ends (all recorded)."""
        lo = np.maximum(starts - self.first, 0)
        hi = ends - self.first + 1
        with np.errstate(all="ignore"):  # a diverged epoch's mean is inf or NaN, quietly
            # Consecutive: each epoch's sum runs from its start to the next one's.
            means = np.add.reduceat(self.loss[: hi[-1]], lo) / (hi - lo)
        self._epochs.extend(np.column_stack([epochs, ends, means]))

    def record_evaluation(self, epoch: int, end: int, evaluation: Sequence[float]) -> None:
        """(train loss, train accuracy, test loss, test accuracy) after iteration ``end``."""
        self._evaluations.extend(np.array([[epoch, end, *evaluation]]))

    def truncate(self, k: int) -> None:
        """Forget iteration k and later, and the epochs that ended there."""
        self._iterations.truncate(k - self.first)
        for table in (self._epochs, self._evaluations):
            table.truncate(int(np.searchsorted(table.column(1), k)))

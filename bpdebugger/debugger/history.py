"""Time travel with bounded memory: checkpoints at iteration starts, recomputation between them.

Training is deterministic (batches depend on the iteration number only), so any stop can be
rebuilt from the parameters and optimiser state at the start of its iteration. The history
keeps:

- checkpoints (a :class:`State` each) at iteration starts, thinned as they accumulate: one
  every ``stride`` iterations, the stride doubling whenever the count passes ``capacity``, so
  their number stays between capacity/2 and capacity and any iteration is fewer than
  ``stride`` fast iterations away from one;
- the edits made while paused (the timeline of changes, re-applied on every replay);
- a small cache of recently computed iterations (their Step records), so stepping back and
  forth near the current position costs nothing.

To rebuild iteration k: restore the nearest checkpoint, run the fast path (Trainer.train, no
records) to the start of k, then step iteration k with the engine's iteration_steps. Both
paths do the very same arithmetic, so the records are identical to the first time.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import groupby, islice
from operator import attrgetter
from typing import Any

import numpy as np

from bpdebugger.engine.network import Array, Network, Pass
from bpdebugger.engine.session import SessionSpec
from bpdebugger.engine.trace import Step, iteration_steps
from bpdebugger.engine.training import Trainer

from .edits import Edit
from .layout import Layout

CHECKPOINTS = 1024  # capacity: ~260 bytes each on the notes' network
CACHED_ITERATIONS = 8


class RecordingNetwork(Network):
    """A Network that keeps the last Pass it computed.

    The fast path builds no records; this is how it still sees the gradients (for the
    metrics' norms) and the values a breakpoint condition reads, at no extra cost.
    """

    last_pass: Pass | None = None

    def run(self, x: Array, t: Array, full: bool = True) -> Pass:
        self.last_pass = p = Network.run(self, x, t, full)
        return p


@dataclass(frozen=True, slots=True)
class State:
    """Everything an iteration depends on besides its number, at an iteration start.

    params: every W[l], b[l] flattened in file order (read-only); velocity: the momentum
    buffers flattened the same way, None while there are none; data_version: how many of the
    timeline's data edits (x, y) are applied.
    """

    params: Array
    velocity: Array | None
    lr: float
    data_version: int

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.params).all())


@dataclass(eq=False)
class IterationRun:
    """One iteration as computed: its records, the pass(es) behind them, its start and end.

    ``passes`` lists (time, pass): the pass in effect from that stop index on. There is one,
    unless edits during the forward/backward pass made it compute again. ``matches`` memoises
    breakpoint scans over this run (see breakpoints.py).
    """

    iteration: int
    epoch: int
    layout: Layout
    start: State
    end: State
    records: tuple[Step, ...]
    passes: tuple[tuple[int, Pass], ...]
    edits: tuple[Edit, ...]
    matches: dict[int, tuple[int, int | None]] = field(default_factory=dict)

    def pass_at(self, index: int) -> Pass:
        """The pass in effect after stop ``index`` (and the edits made there)."""
        return next(p for start, p in reversed(self.passes) if start <= index)

    @property
    def final_pass(self) -> Pass:
        return self.passes[-1][1]

    def lr_at(self, index: int) -> float:
        lr = self.start.lr
        for e in self.edits:
            if e.name == "lr" and e.index <= index:
                lr = e.value
        return lr

    def param_at(self, name: str, index: int) -> Array:
        """W[l] or b[l] as it is after stop ``index``: updated once its update stop is
        passed, with the edits made up to there."""
        update = self.layout.updated[name]
        if index >= update:
            value = self.records[update - 1].after  # includes edits made before the update
            since = update
        else:
            value = self.layout.unflatten(self.start.params, name)
            since = 0
        for e in self.edits:
            if e.name == name and since <= e.index <= index:
                value = value.copy()
                value[e.at] = e.value
        return value


class Checkpoints:
    """States at iteration starts: iteration k is kept when (k − first) % stride == 0."""

    def __init__(self, first: int, capacity: int = CHECKPOINTS) -> None:
        self.first = first
        self.capacity = max(2, capacity)
        self.stride = 1
        self._keys: list[int] = []
        self._states: dict[int, State] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def wants(self, k: int) -> bool:
        return (k - self.first) % self.stride == 0 and k not in self._states

    def next_wanted(self, k: int) -> int:
        """The first iteration ≥ k on the stride."""
        return self.first - (self.first - k) // self.stride * self.stride

    def add(self, k: int, state: State) -> None:
        bisect.insort(self._keys, k)
        self._states[k] = state
        if len(self._keys) > self.capacity:
            # Keep every other one: the count halves, the gap to the nearest one doubles.
            self.stride *= 2
            self._keys = [j for j in self._keys if (j - self.first) % self.stride == 0]
            self._states = {j: self._states[j] for j in self._keys}

    def nearest(self, k: int) -> tuple[int, State]:
        """The last checkpoint at or before iteration k (the first one always exists)."""
        j = self._keys[bisect.bisect_right(self._keys, k) - 1]
        return j, self._states[j]

    def drop_after(self, k: int) -> None:
        cut = bisect.bisect_right(self._keys, k)
        for j in self._keys[cut:]:
            del self._states[j]
        del self._keys[cut:]


class History:
    """The trainer the session computes with, its timeline of edits, checkpoints and cache.

    ``first`` is the session's first iteration (1, or where a saved session resumes);
    ``data_edits`` are edits to the data set made before it (from a saved session), part of
    the session's initial data.
    """

    def __init__(
        self,
        spec: SessionSpec,
        first: int = 1,
        velocity: dict[str, Array] | None = None,
        data_edits: tuple[Edit, ...] = (),
        capacity: int = CHECKPOINTS,
    ) -> None:
        initial = spec.network()
        net = RecordingNetwork(spec.sizes, spec.activations, spec.loss, initial.params())
        self.trainer: Trainer = spec.trainer(net)
        self.net = net
        self.optimizer = self.trainer.optimizer
        self.layout = Layout.of(net)
        self.first = first
        self._test = (spec.dataset.x_test, spec.dataset.y_test)
        if velocity:
            self.optimizer.load_state(velocity)
        # The initial data set (with the edits made before the first iteration); the trainer
        # works on copies that the timeline's data edits change in place.
        self._X0, self._T0 = self.trainer.X.copy(), self.trainer.T.copy()
        self._y0 = np.array(self.trainer.y)
        for e in data_edits:
            self._write_data(e, self._X0, self._T0, self._y0)
        self.initial_data_edits = tuple(data_edits)
        self.edits: list[Edit] = []
        self._data_edits: list[Edit] = []
        self._data_version = -1
        self._set_data_version(0)
        self.checkpoints = Checkpoints(first, capacity)
        self.checkpoints.add(first, self.snapshot())
        self._cache: OrderedDict[int, IterationRun] = OrderedDict()

    # --- state -------------------------------------------------------------------------

    def snapshot(self) -> State:
        velocity = self.optimizer.velocity
        return State(
            self.layout.flatten(self.net.params()),
            self.layout.flatten(velocity) if velocity else None,
            self.optimizer.learning_rate,
            self._data_version,
        )

    def restore(self, state: State) -> None:
        for name, p in self.net.params().items():
            p[...] = self.layout.unflatten(state.params, name)
        self.optimizer.velocity = (
            {}
            if state.velocity is None
            else {n: self.layout.unflatten(state.velocity, n).copy() for n in self.layout.shapes}
        )
        self.optimizer.learning_rate = state.lr
        self._set_data_version(state.data_version)

    def epoch_last(self, epoch: Any) -> Any:
        """The last iteration whose batch starts in ``epoch`` (0 for epoch 0); also
        element-wise for an array of epochs."""
        return (epoch * self.trainer.n_samples - 1) // self.trainer.batch_size + 1

    def epoch_end(self, k: int) -> int:
        """The last iteration of iteration k's epoch."""
        return self.epoch_last(self.trainer.epoch(k))

    def evaluate(self) -> list[float]:
        """[train loss, train accuracy, test loss, test accuracy] of the trainer's network on
        the whole training set (as edited) and the test set."""
        tr = self.trainer
        return [*tr.evaluate(tr.X.T, tr.y), *tr.evaluate(*self._test)]

    def params_finite(self) -> bool:
        return all(np.isfinite(p).all() for p in self.net.params().values())

    def _set_data_version(self, version: int) -> None:
        """The data set with the first ``version`` data edits of the timeline applied."""
        if version == self._data_version:
            return
        self.trainer.X, self.trainer.T = self._X0.copy(), self._T0.copy()
        self.trainer.y = self._y0.copy()
        for e in self._data_edits[:version]:
            self._write_data(e, self.trainer.X, self.trainer.T, self.trainer.y)
        self._data_version = version

    def _write_data(self, e: Edit, X: Array, T: Array, y: Array) -> None:
        """A data edit into the data set X (n1, N), targets T (n_L, N) and labels y."""
        if e.name == "x":
            X[e.at[0], e.row] = e.value
        else:
            y[(e.row, *e.at)] = e.value
            T[:, e.row] = self.net.loss.targets(y[e.row : e.row + 1], self.net.sizes[-1])[:, 0]

    def apply(self, e: Edit) -> None:
        """Make the edit on the trainer (parameters, optimiser or data) in place."""
        if e.name == "lr":
            self.optimizer.learning_rate = e.value
        elif e.changes_data:
            self._write_data(e, self.trainer.X, self.trainer.T, self.trainer.y)
            self._data_version += 1
        else:
            self.net.param(e.name)[e.at] = e.value

    # --- the timeline of edits ------------------------------------------------------------

    def edits_in(self, k: int) -> tuple[Edit, ...]:
        lo = bisect.bisect_left(self.edits, (k, -1), key=attrgetter("time"))
        hi = bisect.bisect_left(self.edits, (k + 1, -1), key=attrgetter("time"))
        return tuple(self.edits[lo:hi])

    def next_edited(self, k: int) -> int | None:
        """The first iteration ≥ k that holds an edit, or None."""
        i = bisect.bisect_left(self.edits, (k, -1), key=attrgetter("time"))
        return self.edits[i].iteration if i < len(self.edits) else None

    def add_edit(self, edit: Edit) -> None:
        """Record an edit at its position; the timeline after it is discarded."""
        self.truncate(edit.time)
        self.edits.append(edit)
        if edit.changes_data:
            self._data_edits.append(edit)

    def truncate(self, time: tuple[int, int]) -> None:
        """Forget everything computed after ``time`` = (iteration, index): a new future."""
        k = time[0]
        self.edits = [e for e in self.edits if e.time <= time]
        kept = [e for e in self._data_edits if e.time <= time]
        if len(kept) < len(self._data_edits):
            self._data_edits = kept
            self._data_version = -1  # the trainer's data may hold a dropped edit
        self.checkpoints.drop_after(k)
        for j in [j for j in self._cache if j >= k]:
            del self._cache[j]

    # --- computing iterations ---------------------------------------------------------------

    def offer_checkpoint(self, k: int) -> None:
        """Keep the trainer's state as the start of iteration k, if the stride wants it."""
        if self.checkpoints.wants(k):
            self.checkpoints.add(k, self.snapshot())

    def fast(
        self, first: int, count: int, on_iteration: Callable[[int, float], bool | None] | None
    ) -> Array:
        """Iterations first … first+count−1 on the fast path (no edits among them), taking
        checkpoints on the way; ``on_iteration`` as in Trainer.train."""
        following = self.checkpoints.next_wanted(first + 1)

        def each(k: int, loss: float) -> bool | None:
            nonlocal following
            if k + 1 == following:
                self.offer_checkpoint(k + 1)
                following = self.checkpoints.next_wanted(k + 2)
            return on_iteration(k, loss) if on_iteration is not None else None

        return self.trainer.train(first, count, each)

    def seek(self, k: int) -> None:
        """Bring the trainer to the start of iteration k, recomputing from a checkpoint."""
        before = self._cache.get(k - 1)
        if before is not None:
            self.restore(before.end)
            return
        c, state = self.checkpoints.nearest(k)
        self.restore(state)
        while c < k:
            edited = self.next_edited(c)
            stop = k if edited is None else min(edited, k)
            if stop > c:
                self.fast(c, stop - c, None)
                c = stop
            if c < k:  # an iteration with edits: stepped, the edits re-applied in place
                self.compute(c)
                c += 1

    def run(self, k: int) -> IterationRun:
        """Iteration k's records: from the cache, or recomputed."""
        cached = self._cache.get(k)
        if cached is not None:
            self._cache.move_to_end(k)
            return cached
        self.seek(k)
        return self.compute(k)

    def compute(self, k: int) -> IterationRun:
        """Step iteration k from the trainer's state (the start of k), which it leaves at
        the start of k + 1; the iteration's edits take effect where they were made."""
        start = self.snapshot()
        self.offer_checkpoint(k)
        net, layout = self.net, self.layout
        edits = self.edits_in(k)
        batch = self.trainer.batch(k)
        records: list[Step] = []
        passes: list[tuple[int, Pass]] = []

        def stops(since: int, until: int | None) -> Iterator[Step]:
            """Stops since+1 … until of a pass computed afresh (iteration_steps runs the
            pass on its first stop) in effect from time ``since``."""
            for step in islice(iteration_steps(net, self.optimizer, batch, k), since, until):
                if not passes or passes[-1][1] is not net.last_pass:
                    passes.append((since, net.last_pass))
                yield step

        # An edit during the forward/backward pass computes the pass again, in effect from
        # the edit on; the stops already shown keep the records of the pass they came from.
        shown = 0
        in_pass = [e for e in edits if e.index < layout.first_update]
        for index, group in groupby(in_pass, key=attrgetter("index")):
            records.extend(stops(shown, index))
            shown = index
            for e in group:
                self.apply(e)
                if e.changes_data:
                    batch = self.trainer.batch(k)
        # The rest, with the edits of the update phase made between the updates.
        later = [e for e in edits if e.index >= layout.first_update]
        before: dict[str, Array] = {}
        for step in stops(shown, None):
            if step.node in before and step.phase == "update":
                step = replace(step, before=before.pop(step.node))
            records.append(step)
            while later and later[0].index == step.index:
                e = later.pop(0)
                self.apply(e)
                if layout.updated.get(e.name, 0) > step.index:
                    # Not yet updated: its update starts from the edited value.
                    value = net.param(e.name).copy()
                    value.flags.writeable = False
                    before[e.name] = value
        run = IterationRun(
            k, batch.epoch, layout, start, self.snapshot(), tuple(records), tuple(passes), edits
        )
        self._cache[k] = run
        if len(self._cache) > CACHED_ITERATIONS:
            self._cache.popitem(last=False)
        return run

"""The Session: a network, its data and a position in training, with a code debugger's verbs.

Positions are (iteration, index): iterations count from 1 (or from where a saved session
resumes), stop indices from 1 within an iteration in the order of CONTRACTS.md. A new
session is paused before the first stop, at (1, 0), where ``current`` is None. After that
the position is always a stop, and ``current`` is its Step record.

The verbs (each returns the record where it stopped, and sets ``stop_reason``):

- step_into: the next stop.
- step_over: the next layer. It executes the next stop and, when that stop opens a layer
  (forward z[l], backward a[l]), the rest of the layer: it lands on forward a[l] or backward
  z[l]. The loss node and the updates are one stop each, so there it equals step_into.
- step_out: finishes the phase of the current stop and lands on the first stop of the next
  one: from the forward pass on backward l, from the backward pass on the first update, from
  the updates on forward z[2] of the next iteration. From (1, 0) the phase is forward.
- continue_: runs until a breakpoint fires, or a limit: it stops at the end of an iteration
  (its last update) once max_iterations / max_epochs iterations are done (counting the one
  in progress) or max_seconds have passed, or when pause() is called.
- run_to(node, phase): continue_ with a temporary breakpoint.
- step_back, reverse_continue (back to the previous breakpoint hit, or the start), goto
  (any stop already reached), restart.

Forward verbs stop early where a breakpoint fires on the way. Stops are "reached" up to the
furthest position of the current timeline; an edit starts a new timeline there (the stops
after it are no longer reached). continue_ runs on the fast path (no records) in slices and
steps stop by stop only where a breakpoint needs it: see _drive and _fast_forward.
"""

from __future__ import annotations

import bisect
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bpdebugger.engine.demos import load_demo
from bpdebugger.engine.errors import InputError
from bpdebugger.engine.gradcheck import Check, gradcheck
from bpdebugger.engine.network import Array, Network
from bpdebugger.engine.session import SessionSpec, load_session, save_session
from bpdebugger.engine.trace import Snapshot, Step, snapshot
from bpdebugger.engine.training import Batch

from . import saving
from .breakpoints import NONFINITE, Breakpoint
from .conditions import parse
from .context import FastIteration, StopContext, fast_keys
from .edits import Edit, make_edit
from .events import Events
from .history import CHECKPOINTS, History, IterationRun, State
from .layout import PHASES
from .metrics import EVALUATE_EVERY, Metrics, gradient_norms
from .watches import Watch

# Fast iterations per slice: between two slices continue_ checks the parameters, commits
# metrics and tells listeners; rewinding to an iteration of the slice replays at most this.
SLICE = 256

_NEXT_PHASE = {"forward": "backward", "backward": "update", "update": "forward"}


@dataclass(frozen=True)
class StopReason:
    """Why the last verb stopped.

    kind: "step" (a step verb, step_back, goto), "breakpoint", "nonfinite" (the non-finite
    breakpoint: NaN or ±inf appeared), "run_to", "limit" (max_iterations, max_epochs or
    max_seconds), "paused", or "start" (at the start: a new session, restart, or
    reverse_continue with no earlier hit).
    """

    kind: str
    message: str
    position: tuple[int, int]
    breakpoint: Breakpoint | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class _Limits:
    last: int | None  # the last iteration continue_ may complete
    text: str  # which option set it, for the message
    deadline: float | None
    seconds: float | None


@dataclass
class _Slice:
    """What a slice of fast iterations left: losses (m,), each iteration's dW by layer, the
    evaluations at epoch ends, and why it stopped early ("" if it did not)."""

    losses: Array
    dWs: list[dict[int, Array]]
    evaluations: dict[int, list[float]]
    outcome: str = ""


class Session:
    """A debugging session over one network, its data and its training settings."""

    def __init__(self, spec: SessionSpec, *, checkpoints: int = CHECKPOINTS) -> None:
        self.spec = spec
        self.events = Events()
        self.breakpoints: list[Breakpoint] = []
        self.watches: list[Watch] = []
        self._next_id = 1
        self._running = False
        self._pause_requested = False
        self._capacity = checkpoints
        self._first, self._velocity, edits = _resume(spec)
        self._reset(())
        for e in edits:
            self._check_saved_edit(e)
        before = tuple(e for e in edits if e.iteration < self._first)
        if before:
            self._reset(before)
        for e in edits:
            if e.iteration >= self._first:
                self._history.add_edit(e)
        self._run = self._history.run(self._first)
        self.add_breakpoint(condition=NONFINITE)
        if "position" in spec.view:
            self._go_to_saved(spec.view["position"])
        # The saved breakpoints and watches live on as the session's own; the spec drops
        # them, so a session rebuilt from it (new settings, new data) does not get them twice.
        saving.restore(self, spec.extra)
        extra = {key: v for key, v in spec.extra.items() if key not in saving.SAVED_FIELDS}
        self.spec = replace(spec, extra=extra)

    @classmethod
    def load(cls, path: str | os.PathLike[str], **options: Any) -> Session:
        """A session from a session file (CONTRACTS.md), at its saved position, with its
        breakpoints and watches (saving.py); InputError names the file, field and problem."""
        spec = load_session(path)
        try:
            return cls(spec, **options)
        except InputError as e:
            raise e.within(source=str(path)) from None

    @classmethod
    def from_demo(cls, name: str = "xor", **options: Any) -> Session:
        return cls(load_demo(name), **options)

    def _reset(self, data_edits: tuple[Edit, ...]) -> None:
        """Back to the start: initial parameters and data, nothing computed."""
        self._history = History(
            self.spec, self._first, self._velocity, data_edits, capacity=self._capacity
        )
        self._layout = self._history.layout
        self._checks: tuple[object, dict[str, Check]] = (None, {})
        self.metrics = Metrics(self._first, list(self._history.net.layers))
        tr = self._history.trainer
        self._evaluation_period = max(1, -(-EVALUATE_EVERY * tr.batch_size // tr.n_samples))
        self._position = self._frontier = (self._first, 0)
        self._run = self._history.run(self._first)
        self._hit_log: dict[tuple[int, int], set[int]] = {}
        self._hit_positions: list[tuple[int, int]] = []
        self._metrics_dirty = False
        self.stop_reason = StopReason("start", "at the start, before the first stop", self.position)

    # --- where we are --------------------------------------------------------------------

    @property
    def position(self) -> tuple[int, int]:
        """(iteration, index); index 0 only before the first stop."""
        return self._position

    @property
    def current(self) -> Step | None:
        """The record of the current stop (None before the first stop)."""
        i = self._position[1]
        return self._run.records[i - 1] if i else None

    @property
    def reached(self) -> tuple[int, int]:
        """The furthest stop reached in the current timeline: goto goes anywhere up to it."""
        return self._frontier

    @property
    def stops(self) -> tuple[tuple[str, str], ...]:
        """(phase, node) of the stops of an iteration; stop i is stops[i - 1]."""
        return self._layout.stops

    @property
    def history(self) -> History:
        return self._history

    @property
    def batch(self) -> Batch:
        """The current iteration's batch (as edited up to the current stop)."""
        return self._run.records[min(self._position[1], self._layout.n - 1)].batch

    def params(self) -> dict[str, Array]:
        """Every W[l], b[l] as it is at the current stop (after its update once passed)."""
        return {name: self._run.param_at(name, self._position[1]) for name in self._layout.shapes}

    def snapshot(self) -> Snapshot:
        """What the views show at the current stop: the values and gradients the iteration
        has reached, and the parameters as they are now (edits included)."""
        i = self._position[1]
        return replace(snapshot({}, self._run.records[:i]), params=self.params())

    def gradient_checks(self) -> dict[str, Check]:
        """Centred differences beside every parameter gradient of the pass in effect at the
        current stop, computed once per pass (a pass is fixed for a whole iteration unless
        an edit recomputes it)."""
        run, i = self._run, self._position[1]
        start = next(t for t, p in reversed(run.passes) if t <= i)
        key = (run.iteration, id(run), start)
        if self._checks[0] != key:
            net = self._history.net
            params = {name: run.param_at(name, start) for name in self._layout.shapes}
            batch = run.records[min(start, self._layout.n - 1)].batch
            probe = Network(net.sizes, net.activation_names, net.loss.name, params)
            self._checks = (key, gradcheck(probe, batch.x, batch.t))
        return self._checks[1]

    def context(self) -> StopContext:
        """The values conditions and watches read at the current stop."""
        return self._context(self._run)(self._position[1])

    def _context(self, run: IterationRun) -> Callable[[int], StopContext]:
        prev = self.metrics.loss_of(run.iteration - 1)
        loss = self._history.net.loss
        return lambda index: StopContext(run, index, self._layout, loss, prev)

    def _where(self) -> str:
        step = self.current
        if step is None:
            return f"the start of iteration {self._position[0]}"
        return f"{step.phase} {step.node}, iteration {step.iteration}"

    # --- moving ---------------------------------------------------------------------------

    def _arrive(
        self, bps: Sequence[Breakpoint], run: IterationRun | None = None
    ) -> list[Breakpoint]:
        """Execute one stop forward (or stop 1 of ``run``): extends the reached stops,
        records the metrics of an iteration completed, the watches, and the breakpoint hits.
        Returns the breakpoints that fire here."""
        k, i = self._position
        if run is not None:
            k, i = run.iteration, 1
        elif i < self._layout.n:
            run, i = self._run, i + 1
        else:
            k, i = k + 1, 1
            run = self._history.run(k)
        self._run, self._position = run, (k, i)
        if self._position > self._frontier:
            self._frontier = self._position
            if i == self._layout.n:
                self._complete(run)
        self._record_watches()
        context = self._context(run)
        fired = []
        for bp in bps:
            if bp.matches(run, i, context):
                self._log_hit(bp)
                if bp.hit():
                    fired.append(bp)
        return fired

    def _place(self, k: int, i: int) -> None:
        """Move without executing (backwards, goto): no breakpoint is hit."""
        self._run = self._run if k == self._run.iteration else self._history.run(k)
        self._position = (k, i)
        self._record_watches()

    def _complete(self, run: IterationRun) -> None:
        """Iteration ``run`` completed for the first time in this timeline: its metrics."""
        k, p = run.iteration, run.final_pass
        self.metrics.extend(k, np.array([p.loss]), gradient_norms([p.dW], self.metrics.layers))
        evaluations = {}
        if self._evaluates(k):
            self._history.restore(run.end)
            evaluations[k] = self._history.evaluate()
        self._record_epochs(k, k, evaluations)
        self._metrics_dirty = True

    def _evaluates(self, k: int) -> bool:
        """Whether the sets are evaluated after iteration k (metrics.py: an epoch's end,
        every evaluation_period-th epoch)."""
        h = self._history
        return h.epoch_end(k) == k and h.trainer.epoch(k) % self._evaluation_period == 0

    def _record_epochs(self, first: int, last: int, evaluations: dict[int, list[float]]) -> None:
        """The epochs that end in iterations first … last (all recorded), and the
        evaluations made there."""
        h = self._history
        epoch = h.trainer.epoch
        e_last = epoch(last) if h.epoch_last(epoch(last)) == last else epoch(last) - 1
        epochs = np.arange(epoch(first), e_last + 1)
        if len(epochs):
            self.metrics.record_epochs(epochs, h.epoch_last(epochs - 1) + 1, h.epoch_last(epochs))
        for k in sorted(evaluations):
            if first <= k <= last:
                self.metrics.record_evaluation(epoch(k), k, evaluations[k])

    def _record_watches(self) -> None:
        if self.watches:
            context = self.context()
            for w in self.watches:
                w.record(self._position, context)

    def _log_hit(self, bp: Breakpoint) -> None:
        ids = self._hit_log.get(self._position)
        if ids is None:
            ids = self._hit_log[self._position] = set()
            bisect.insort(self._hit_positions, self._position)
        ids.add(bp.id)

    def _truncate(self) -> None:
        """The timeline after the current position is gone (an edit was made here)."""
        k = self._position[0]
        self._frontier = self._position
        self.metrics.truncate(k)
        self._metrics_dirty = True
        for w in self.watches:
            w.drop_after(self._position)
        cut = bisect.bisect_right(self._hit_positions, self._position)
        for p in self._hit_positions[cut:]:
            del self._hit_log[p]
        del self._hit_positions[cut:]

    def _finish(self, reason: StopReason, fired: Sequence[Breakpoint] = ()) -> Step | None:
        self.stop_reason = reason
        if self._metrics_dirty:
            self._metrics_dirty = False
            self.events.metrics_updated.emit(self.metrics)
        step = self.current
        self.events.position_changed.emit(step)
        for bp in fired:
            self.events.breakpoint_hit.emit(bp, step)
        return step

    def _idle(self) -> None:
        if self._running:
            raise RuntimeError("the session is running: pause() it and let continue_ return first")

    def _active(self) -> list[Breakpoint]:
        return [bp for bp in self.breakpoints if bp.enabled]

    # --- step verbs -----------------------------------------------------------------------

    def step_into(self) -> Step | None:
        """One stop forward."""
        return self._step("step_into", lambda: True)

    def step_over(self) -> Step | None:
        """The next layer: lands on forward a[l] / backward z[l] (see the module doc)."""
        return self._step("step_over", lambda: self._layout.ends_layer(self._position[1]))

    def step_out(self) -> Step | None:
        """Finish the current phase; land on the first stop of the next one."""
        target = self._layout.phase_start(_NEXT_PHASE[self._layout.phase(self._position[1])])
        return self._step("step_out", lambda: self._position[1] == target)

    def _step(self, verb: str, landed: Callable[[], bool]) -> Step | None:
        self._idle()
        bps = self._active()
        while True:
            fired = self._arrive(bps)
            if fired or landed():
                break
        if fired:
            return self._finish(self._hit_reason(fired), fired)
        return self._finish(StopReason("step", f"{verb}: {self._where()}", self.position))

    def step_back(self) -> Step | None:
        """One stop back (nothing moves at the start)."""
        self._idle()
        k, i = self._position
        if (k, i) == (self._first, 0):
            return self._finish(StopReason("start", "at the start already", self.position))
        if i > 1 or k == self._first:
            self._place(k, i - 1)
        else:
            self._place(k - 1, self._layout.n)
        return self._finish(StopReason("step", f"step_back: {self._where()}", self.position))

    def goto(self, iteration: int, index: int = 1) -> Step | None:
        """Jump to stop ``index`` of ``iteration``, a stop already reached; ValueError else."""
        self._idle()
        for name, v in (("iteration", iteration), ("index", index)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                raise ValueError(f"goto: {name} must be a whole number, got {v!r}")
        target = (int(iteration), int(index))
        n, first = self._layout.n, self._first
        if target != (first, 0):
            if not 1 <= index <= n:
                raise ValueError(
                    f"goto: index counts the stops of an iteration, 1 to {n}; got {index}"
                )
            if iteration < first:
                raise ValueError(f"goto: this session starts at iteration {first}; got {iteration}")
        if target > self._frontier:
            k, i = self._frontier
            raise ValueError(
                f"goto: stop {index} of iteration {iteration} has not been reached yet; the "
                f"furthest stop reached is stop {i} of iteration {k} (continue_ or run_to it)"
            )
        self._place(*target)
        kind = "start" if target == (first, 0) else "step"
        return self._finish(StopReason(kind, f"goto: {self._where()}", self.position))

    def reverse_continue(self) -> Step | None:
        """Back to the latest breakpoint hit before the current stop, or to the start.

        Hits are the matches counted while executing forward (hit counts aside), of the
        breakpoints that are enabled now."""
        self._idle()
        enabled = {bp.id: bp for bp in self.breakpoints if bp.enabled}
        cut = bisect.bisect_left(self._hit_positions, self._position)
        for p in reversed(self._hit_positions[:cut]):
            hit = next((enabled[i] for i in sorted(self._hit_log[p]) if i in enabled), None)
            if hit is not None:
                self._place(*p)
                message = f"back to breakpoint {hit.id} ({hit.describe()}) at {self._where()}"
                return self._finish(StopReason("breakpoint", message, self.position, hit))
        self._place(self._first, 0)
        return self._finish(StopReason("start", "back at the start: no earlier hit", self.position))

    def restart(self) -> Step | None:
        """Back to the start with the same initial parameters and data (the very same
        numbers). Breakpoints (hit counts reset) and watches (series cleared) stay; the
        edits of the timeline and everything computed are discarded."""
        self._idle()
        self._reset(self._history.initial_data_edits)
        for bp in self.breakpoints:
            bp.hits = 0
        for w in self.watches:
            w.clear()
        self._record_watches()
        return self._finish(self.stop_reason)

    # --- running ---------------------------------------------------------------------------

    def continue_(
        self,
        max_iterations: int | None = None,
        max_epochs: int | None = None,
        max_seconds: float | None = None,
    ) -> Step | None:
        """Run until a breakpoint fires or a limit is reached; ``stop_reason`` says which."""
        self._idle()
        return self._execute(self._active(), self._limits(max_iterations, max_epochs, max_seconds))

    def run_to(
        self,
        node: str,
        phase: str | None = None,
        max_iterations: int | None = None,
        max_epochs: int | None = None,
        max_seconds: float | None = None,
    ) -> Step | None:
        """Run to the next stop at ``node`` (in ``phase``), stopping at breakpoints on the way."""
        self._idle()
        self._check_location(node, phase)
        target = Breakpoint(self._new_id(), node=node, phase=phase, temporary=True)
        limits = self._limits(max_iterations, max_epochs, max_seconds)
        return self._execute([*self._active(), target], limits)

    def pause(self) -> None:
        """Ask a running continue_ to stop at the end of the iteration in progress."""
        self._pause_requested = True

    def _limits(
        self, max_iterations: int | None, max_epochs: int | None, max_seconds: float | None
    ) -> _Limits:
        k, i = self._position
        in_progress = k if i < self._layout.n else k + 1
        options: list[tuple[int, str]] = []
        if max_iterations is not None:
            last = in_progress + _count("max_iterations", max_iterations) - 1
            options.append((last, f"max_iterations={max_iterations}"))
        if max_epochs is not None:
            epoch = self._history.trainer.epoch(in_progress) + _count("max_epochs", max_epochs) - 1
            options.append((self._history.epoch_last(epoch), f"max_epochs={max_epochs}"))
        last, text = min(options) if options else (None, "")
        if max_seconds is not None and not (
            isinstance(max_seconds, (int, float)) and max_seconds >= 0
        ):
            raise ValueError(f"max_seconds: expected a number ≥ 0, got {max_seconds!r}")
        deadline = None if max_seconds is None else time.perf_counter() + max_seconds
        return _Limits(last, text, deadline, max_seconds)

    def _execute(self, bps: list[Breakpoint], limits: _Limits) -> Step | None:
        self._running, self._pause_requested = True, False
        self.events.run_started.emit()
        try:
            reason, fired = self._drive(bps, limits)
        finally:
            self._running = False
        step = self._finish(reason, fired)
        self.events.run_stopped.emit(reason)
        return step

    def _drive(self, bps: list[Breakpoint], limits: _Limits) -> tuple[StopReason, list[Breakpoint]]:
        """Execute until a breakpoint fires or a limit holds at an iteration's end.

        The iteration in progress is stepped to its end. Then, when every breakpoint can be
        checked once per iteration (Breakpoint.fast_checkable), iterations run on the fast
        path (_fast_forward) up to one that must be stepped: a possible hit, an iteration
        with edits, or the last one before a limit (stepped so that the run ends at a stop
        with its record). Otherwise every stop is stepped and checked.
        """
        n = self._layout.n
        keys = fast_keys(self._layout)
        fast = all(bp.fast_checkable(keys) for bp in bps)
        while True:
            while self._position[1] < n:
                fired = self._arrive(bps)
                if fired:
                    return self._hit_reason(fired), fired
            k = self._position[0]
            end = f"at the end of iteration {k}"
            if limits.last is not None and k >= limits.last:
                return StopReason("limit", f"stopped {end} ({limits.text})", self.position), []
            if self._pause_requested:
                return StopReason("paused", f"paused {end}", self.position), []
            if limits.deadline is not None and time.perf_counter() >= limits.deadline:
                text = f"stopped {end} (max_seconds={limits.seconds})"
                return StopReason("limit", text, self.position), []
            run = None
            if fast:
                following = self._fast_forward(bps, k + 1, limits)
                if following > k + 1:  # the trainer is at its start
                    run = self._history.compute(following)
            fired = self._arrive(bps, run)  # stop 1 of the iteration to step
            if fired:
                return self._hit_reason(fired), fired

    def _fast_forward(self, bps: list[Breakpoint], first: int, limits: _Limits) -> int:
        """Run iterations from ``first`` on the fast path, in slices, while no breakpoint can
        hit; returns the iteration to step next, with the trainer at its start.

        Per iteration only the loss is checked for the non-finite breakpoint, and each other
        breakpoint's may_hit (its condition on the iteration's pass); after a slice, the
        parameters. Where something may hit, the slice is replayed up to that iteration,
        which is then stepped to find the exact stop.
        """
        h = self._history
        watch = any(bp.kind == NONFINITE for bp in bps)
        h.seek(first)
        while True:
            last = first + SLICE - 1
            if limits.last is not None:
                last = min(last, limits.last - 1)
            edited = h.next_edited(first)
            if edited is not None:
                last = min(last, edited - 1)
            if last < first:
                return first
            start = h.snapshot()
            finite = watch and start.finite
            ran = self._fast_slice(bps, first, last, finite, limits.deadline)
            done = first + len(ran.losses) - 1
            if finite and ran.outcome != "nonfinite" and not h.params_finite():
                # The parameters went non-finite with every loss finite (a −inf weight
                # behind a relu): it happened in this slice, maybe before a hit or a pause.
                ran.outcome = "nonfinite"
            if ran.outcome == "nonfinite":
                following = self._locate_nonfinite(start, first, done)
                self._commit(first, following - 1, ran)
                return following
            if ran.outcome == "hit":
                self._commit(first, done - 1, ran)
                h.restore(start)
                h.fast(first, done - first, None)
                return done
            self._commit(first, done, ran)
            first = done + 1
            if ran.outcome == "pause":
                return first

    def _fast_slice(
        self, bps: list[Breakpoint], first: int, last: int, finite: bool, deadline: float | None
    ) -> _Slice:
        """Iterations first … last on the fast path, stopping after one where something may
        hit ("nonfinite", "hit") or the run must pause ("pause")."""
        h, layout = self._history, self._layout
        net, loss_fn, period = h.net, h.net.loss, self._evaluation_period
        checks = [bp for bp in bps if bp.kind != NONFINITE]
        ran = _Slice(np.empty(0), [], {})
        e = h.trainer.epoch(first)
        evaluate_at = h.epoch_last(-(-e // period) * period)  # the next evaluated epoch's end
        prev = self.metrics.loss_of(first - 1)

        def on_iteration(k: int, loss: float) -> bool:
            nonlocal prev, evaluate_at
            p = net.last_pass
            ran.dWs.append(p.dW)
            if k == evaluate_at:
                ran.evaluations[k] = h.evaluate()
                evaluate_at = h.epoch_last(h.trainer.epoch(k) + period)
            if finite and not math.isfinite(loss):
                ran.outcome = "nonfinite"
                return True
            if checks:
                run = FastIteration(k, h.trainer.epoch(k), p, h.optimizer.learning_rate)
                context = StopContext(run, layout.n, layout, loss_fn, prev)
                if any(bp.may_hit(k, lambda: context) for bp in checks):
                    ran.outcome = "hit"
                    return True
            prev = loss
            if self._pause_requested or (deadline is not None and time.perf_counter() >= deadline):
                ran.outcome = "pause"
                return True
            return False

        ran.losses = h.fast(first, last - first + 1, on_iteration)
        return ran

    def _locate_nonfinite(self, start: State, first: int, last: int) -> int:
        """The first iteration of first … last after which the loss or the parameters are
        not finite, replayed from ``start``; the trainer is left at its start."""
        h = self._history
        h.restore(start)
        with np.errstate(all="ignore"):
            for k in range(first, last + 1):
                before = h.snapshot()
                loss = h.trainer.train_iteration(k)
                if not math.isfinite(loss) or not h.params_finite():
                    h.restore(before)
                    return k
        return last + 1

    def _commit(self, first: int, last: int, ran: _Slice) -> None:
        """Iterations first … last of a slice count as done (metrics for those that are new:
        continuing from an earlier position runs iterations already recorded)."""
        new = max(first, self.metrics.last + 1)
        if new <= last:
            j, m = new - first, last - first + 1
            norms = gradient_norms(ran.dWs[j:m], self.metrics.layers)
            self.metrics.extend(new, ran.losses[j:m], norms)
            self._record_epochs(new, last, ran.evaluations)
            self.events.metrics_updated.emit(self.metrics)
        self._frontier = max(self._frontier, (last, self._layout.n))

    def _hit_reason(self, fired: Sequence[Breakpoint]) -> StopReason:
        bp, step = fired[0], self.current
        where = self._where()
        if bp.kind == NONFINITE:
            return StopReason(
                "nonfinite", f"NaN or inf in {step.nonfinite()} at {where}", self.position, bp
            )
        if bp.temporary:
            return StopReason("run_to", f"reached {where}", self.position, bp)
        text = f"breakpoint {bp.id} ({bp.describe()}) hit at {where}"
        return StopReason("breakpoint", text, self.position, bp)

    # --- breakpoints and watches -------------------------------------------------------

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _check_location(self, node: str | None, phase: str | None) -> None:
        if phase is not None and phase not in PHASES:
            raise ValueError(f"unknown phase {phase!r}: {', '.join(PHASES)}")
        if node is None:
            return
        phases = self._layout.node_phases(node)
        if not phases:
            nodes = ", ".join(dict.fromkeys(n for _, n in self._layout.stops))
            raise ValueError(f"unknown node {node!r}: this network's nodes are {nodes}")
        if phase is not None and phase not in phases:
            raise ValueError(f"{node} is not a {phase} stop (it is one in: {', '.join(phases)})")

    def add_breakpoint(
        self,
        node: str | None = None,
        phase: str | None = None,
        condition: str | None = None,
        hit_count: int | None = None,
        iteration: int | None = None,
        enabled: bool = True,
    ) -> Breakpoint:
        """A breakpoint on a node (in any or one phase; "W[2]" in "update" is its update),
        a phase, a condition, an iteration, or several of these; see breakpoints.py.

        A condition is checked now (conditions.parse): ConditionError (a ValueError) with
        the parser's message, and nothing is added, if it is not valid."""
        self._check_location(node, phase)
        expression = None
        if condition is not None:
            expression = parse(condition, self._layout.sizes, condition=True)
        for name, v in (("hit_count", hit_count), ("iteration", iteration)):
            if v is not None:
                _count(name, v)
        if (node, phase, condition, iteration) == (None,) * 4:
            raise ValueError("a breakpoint needs a node, a phase, a condition or an iteration")
        bp = Breakpoint(
            self._new_id(),
            node,
            phase,
            None if expression is None else expression.text,
            hit_count,
            iteration,
            bool(enabled),
            expression=expression,
        )
        self.breakpoints.append(bp)
        return bp

    def _breakpoint(self, which: Breakpoint | int) -> Breakpoint:
        for bp in self.breakpoints:
            if bp is which or bp.id == which:
                return bp
        raise ValueError(f"no breakpoint {which!r}")

    def remove_breakpoint(self, which: Breakpoint | int) -> None:
        self.breakpoints.remove(self._breakpoint(which))

    def enable_breakpoint(self, which: Breakpoint | int, enabled: bool = True) -> None:
        self._breakpoint(which).enabled = enabled

    def disable_breakpoint(self, which: Breakpoint | int) -> None:
        self.enable_breakpoint(which, False)

    def add_watch(self, text: str, name: str | None = None) -> Watch:
        """Follow an expression (conditions.py language) from stop to stop; ValueError
        (ConditionError) if it does not parse or the name is taken."""
        expression = parse(text, self._layout.sizes)
        watch = Watch(name or expression.text, expression)
        if any(w.name == watch.name for w in self.watches):
            raise ValueError(f"there is a watch named {watch.name!r} already")
        self.watches.append(watch)
        watch.record(self._position, self.context())
        return watch

    def _watch(self, which: Watch | str) -> Watch:
        for w in self.watches:
            if w is which or which in (w.name, w.text):
                return w
        raise ValueError(f"no watch {which!r}")

    def remove_watch(self, which: Watch | str) -> None:
        self.watches.remove(self._watch(which))

    def watch_series(self, which: Watch | str) -> list[tuple[int, int, Any]]:
        """(iteration, index, value) at every stop visited where it had a value (watches.py)."""
        return self._watch(which).series()

    def watch_values(self) -> dict[str, Any]:
        """Each watch's value at the current stop (None where it has none)."""
        context = self.context()
        return {w.name: w.value(context) for w in self.watches}

    # --- edits ------------------------------------------------------------------------------

    def edit(
        self, name: str, index: Any = None, value: Any = None, *, sample: int = 0
    ) -> Step | None:
        """Change a value while paused; ValueError with a message, and nothing changes, if
        the edit is not valid.

        name: "W[l]" or "b[l]" (index: a tuple, or an int for b), "x" (index: the feature
        of sample ``sample`` of the current batch), "y" (its label; index for one of several
        outputs) or "lr" / "learning_rate" (index None).

        The edit takes effect after the current stop, as edits.py describes: during the
        forward/backward pass the pass is computed again with it (stops up to here keep
        their records, later ones change), in the update phase only the updates to come
        see it, x and y change the sample in the data set. It is recorded in the timeline:
        step_back across it and forward again, goto and replays give the same records. The
        stops after it are no longer reached (a new future); restart discards edits.
        """
        self._idle()
        e = make_edit(
            name,
            index,
            value,
            position=self._position,
            layout=self._layout,
            loss=self.spec.loss,
            label_shape=self._history.trainer.y.shape[1:],
            rows=self.batch.indices,
            sample=sample,
        )
        self._history.add_edit(e)
        self._truncate()
        self._history.restore(self._run.start)
        self._run = self._history.compute(self._position[0])
        if self._position[1] == self._layout.n:
            self._complete(self._run)
        self._record_watches()
        self.events.edited.emit(e)
        return self._finish(
            StopReason("step", f"edited {e.name} at {self._where()}", self.position)
        )

    # --- the current iteration ----------------------------------------------------------------

    def start_params(self) -> tuple[dict[str, Array], float]:
        """The parameters (copies) and the learning rate at the start of the current
        iteration: what a saved or rebuilt session starts from."""
        start = self._run.start
        params = {
            name: np.array(self._layout.unflatten(start.params, name))
            for name in self._layout.shapes
        }
        return params, start.lr

    def iteration_records(self) -> tuple[Step, ...]:
        """Every stop of the current iteration, computed whether reached or not (what
        `bpdebugger trace` prints for it)."""
        return tuple(self._run.records)

    # --- files ------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], view: dict[str, Any] | None = None) -> None:
        """Write a session file (atomically) that opens where this session is.

        "params" are the parameters at the start of the current iteration (training so far
        is kept); "training.learning_rate" is the rate then; "view": {"position": [k, i]};
        "resume" says the session resumes at iteration k, with the momentum buffers and the
        edits needed to be exactly here: those of the data set so far and those made in
        iteration k up to stop i. "breakpoints" and "watches" are the session's (saving.py
        has their shape; run_to's temporary breakpoint is left out). Notes and everything
        else of the loaded file are kept. ``view`` adds what a window showed (its panels,
        its zoom) to "view".
        """
        k, i = self._position
        h, start = self._history, self._run.start
        params, lr = self.start_params()
        edits = [
            *h.initial_data_edits,
            *(e for e in h.edits if e.changes_data and e.iteration < k),
            *(e for e in self._run.edits if e.index <= i),
        ]
        resume: dict[str, Any] = {"iteration": k}
        if start.velocity is not None:
            resume["velocity"] = {
                name: self._layout.unflatten(start.velocity, name).tolist()
                for name in self._layout.shapes
            }
        if edits:
            resume["edits"] = [e.to_json() for e in edits]
        extra = {key: v for key, v in self.spec.extra.items() if key != "resume"}
        if resume != {"iteration": 1}:
            extra["resume"] = resume
        extra["breakpoints"] = saving.breakpoints_json(self.breakpoints)
        extra["watches"] = saving.watches_json(self.watches)
        spec = replace(
            self.spec.with_params(params),
            learning_rate=lr,
            view={**self.spec.view, **(view or {}), "position": [k, i]},
            extra=extra,
        )
        save_session(spec, path)

    def _check_saved_edit(self, e: Edit) -> None:
        """A saved edit is valid for this network and data (or InputError)."""
        data = e.changes_data
        n = self._history.trainer.n_samples
        try:
            if data and not (e.row is not None and 0 <= e.row < n):
                raise ValueError(f"row must be a training sample, 0 to {n - 1}, got {e.row}")
            checked = make_edit(
                e.name,
                e.at or None,
                e.value,
                position=e.time,
                layout=self._layout,
                loss=self.spec.loss,
                label_shape=self._history.trainer.y.shape[1:],
                rows=[e.row] if data else [],
                sample=0,
            )
            if not 0 <= e.index <= self._layout.n or checked != e:
                raise ValueError(f"not an edit of this session: {e.to_json()}")
        except ValueError as error:
            raise InputError(str(error), field="resume.edits") from None

    def _go_to_saved(self, position: Any) -> None:
        """Open at a saved view.position: run there without breakpoints."""
        first, n = self._first, self._layout.n
        ok = (
            isinstance(position, list)
            and len(position) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in position)
        )
        if not ok or position[0] < first or not 0 <= position[1] <= n:
            raise InputError(
                f"expected [iteration, stop] with iteration ≥ {first} and stop 1 to {n}, "
                f"got {position!r}",
                field="view.position",
            )
        k, i = position
        if i == 0 and k > first:
            raise InputError(f"stop 0 exists only before iteration {first}", field="view.position")
        if k > first:
            self._drive([], _Limits(k - 1, "", None, None))
        while self._position < (k, i):
            self._arrive([])
        kind = "step" if i else "start"
        self.stop_reason = StopReason(kind, f"opened at {self._where()}", self.position)


def _count(name: str, value: Any) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}: expected a whole number ≥ 1, got {value!r}")
    return int(value)


def _resume(spec: SessionSpec) -> tuple[int, dict[str, Array] | None, list[Edit]]:
    """The "resume" block of a saved session: first iteration, momentum buffers, edits."""
    resume = spec.extra.get("resume", {})
    if not isinstance(resume, dict):
        raise InputError("expected an object", field="resume")
    first = resume.get("iteration", 1)
    if not isinstance(first, int) or isinstance(first, bool) or first < 1:
        raise InputError(f"expected a whole number ≥ 1, got {first!r}", field="resume.iteration")
    velocity = None
    if "velocity" in resume:
        velocity = {}
        shapes = spec.network().params()
        given = resume["velocity"]
        if not isinstance(given, dict) or set(given) != set(shapes):
            raise InputError(
                f"expected one entry per parameter ({', '.join(shapes)})", field="resume.velocity"
            )
        for name, value in given.items():
            try:
                v = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                v = np.empty(0)
            if v.shape != shapes[name].shape or not np.isfinite(v).all():
                raise InputError(
                    f"expected finite numbers of shape {shapes[name].shape}",
                    field=f"resume.velocity.{name}",
                )
            velocity[name] = v
    given_edits = resume.get("edits", [])
    if not isinstance(given_edits, list):
        raise InputError("expected a list of edits", field="resume.edits")
    edits = []
    for j, obj in enumerate(given_edits):
        try:
            edits.append(Edit.from_json(obj))
        except ValueError as e:
            raise InputError(str(e), field=f"resume.edits[{j}]") from None
    if sorted(edits, key=lambda e: e.time) != edits:
        raise InputError("expected the edits in the order they were made", field="resume.edits")
    before = [e for e in edits if e.iteration < first and not e.changes_data]
    if before:
        raise InputError(
            f"only x and y edits can come before iteration {first}, got {before[0].name}",
            field="resume.edits",
        )
    return first, velocity, edits

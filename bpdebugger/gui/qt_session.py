"""The Qt adapter: the debugger's plain callbacks as signals, its verbs as slots.

Views connect to these signals in their constructors and call the verbs; they
never reach into the engine. A refused verb (a bad edit, a malformed
condition) becomes the ``refused`` signal with the message, never a traceback.

Continue and Run work in slices on the event loop: each slice is a bounded
``continue_`` (a time budget at full pace, a few iterations in slow motion) so
the window keeps answering, and Pause lands at the end of the slice in
progress, an iteration boundary. While running, positions and metrics reach
the views at most once per frame (~30 Hz), not once per slice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore

from ..debugger import Session, StopReason
from ..engine.errors import InputError

# One slice of a run at full pace: the window's own work since the last slice (a frame's
# redraws, input) and the slice together take STALL_SECONDS, so the event loop is never
# held longer; within [SLICE_SECONDS, MAX_SLICE_SECONDS]: a cheap frame gives training
# the longest slice, an expensive one (a plot's turn) a shorter one.
STALL_SECONDS = 0.038
SLICE_SECONDS = 0.010
MAX_SLICE_SECONDS = 0.024
# Views and plots redraw at most this often during a run.
FRAME_MS = 33
# Run speeds: iterations per frame, slow motion for a lecture up to full pace (None).
RUN_SPEEDS: dict[str, int | None] = {
    "1 iteration per frame": 1,
    "10 iterations per frame": 10,
    "100 iterations per frame": 100,
    "as fast as possible": None,
}


class QtSession(QtCore.QObject):
    """A Session seen from Qt."""

    step_taken = QtCore.Signal(object)  # the Step where a verb stopped (or None at the start)
    run_state_changed = QtCore.Signal(bool)  # a continue started (True) or ended (False)
    run_stopped = QtCore.Signal(object)  # the StopReason of the last verb
    breakpoint_hit = QtCore.Signal(object, object)  # (Breakpoint, Step)
    metrics_updated = QtCore.Signal(object)  # the session's Metrics
    breakpoints_changed = QtCore.Signal()
    watches_changed = QtCore.Signal()
    session_replaced = QtCore.Signal(object)  # a new Session (restart keeps the same one)
    refused = QtCore.Signal(str)  # a verb said no: the message for the status bar
    frame_shown = QtCore.Signal(int)  # a run's frame (its number): plots redraw in turn

    def __init__(self, session: Session, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._run_slice)
        self._frames = QtCore.QTimer(self)
        self._frames.setInterval(FRAME_MS)
        self._frames.timeout.connect(self._show_frame)
        self._run_until: Callable[[], Any] | None = None
        self._moved = self._measured = False
        self.speed: int | None = None  # iterations per frame for Run; None: full pace
        self._slice_ended = 0.0
        self._frame = 0
        self.session = session
        self._connect(session)

    # --- wiring ---------------------------------------------------------------------------

    def _listeners(self) -> tuple[tuple[str, Callable[..., Any]], ...]:
        # A continue emits run_started/run_stopped around every slice; the window
        # hears of one run, from Continue to the stop, through run_state_changed.
        return (
            ("position_changed", self._on_position_changed),
            ("breakpoint_hit", self.breakpoint_hit.emit),
            ("metrics_updated", self._on_metrics_updated),
        )

    def _connect(self, session: Session) -> None:
        for event, callback in self._listeners():
            getattr(session.events, event).connect(callback)

    def _disconnect(self, session: Session) -> None:
        for event, callback in self._listeners():
            getattr(session.events, event).disconnect(callback)

    def _on_position_changed(self, step: object) -> None:
        if self.running:
            self._moved = True  # shown on the next frame
        else:
            self.step_taken.emit(step)

    def _on_metrics_updated(self, metrics: object) -> None:
        if self.running:
            self._measured = True
        else:
            self.metrics_updated.emit(metrics)

    def _show_frame(self) -> None:
        """One frame of a run: the views catch up with the debugger, at most ~30 Hz."""
        if self._measured:
            self._measured = False
            self.metrics_updated.emit(self.session.metrics)
        if self._moved:
            self._moved = False
            self.step_taken.emit(self.session.current)
        self._frame += 1
        self.frame_shown.emit(self._frame)

    def replace(self, session: Session) -> None:
        """Show another session (opened from a file, or rebuilt from the settings)."""
        self.pause()
        self._disconnect(self.session)
        self.session = session
        self._connect(session)
        self.session_replaced.emit(session)
        self.breakpoints_changed.emit()
        self.watches_changed.emit()
        self.step_taken.emit(session.current)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def _call(self, verb: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Call a verb; whether it went through. A refusal becomes the ``refused`` signal."""
        try:
            verb(*args, **kwargs)
        except (ValueError, InputError) as e:
            self.refused.emit(str(e))
            return False
        return True

    # --- stepping verbs -------------------------------------------------------------------

    def _stepping(self, verb: Callable[[], Any]) -> None:
        if self.running:
            return
        self._call(verb)
        self.run_stopped.emit(self.session.stop_reason)

    def step_into(self) -> None:
        self._stepping(self.session.step_into)

    def step_over(self) -> None:
        self._stepping(self.session.step_over)

    def step_out(self) -> None:
        self._stepping(self.session.step_out)

    def step_back(self) -> None:
        self._stepping(self.session.step_back)

    def reverse_continue(self) -> None:
        self._stepping(self.session.reverse_continue)

    def restart(self) -> None:
        self.pause()
        self._stepping(self.session.restart)

    def goto(self, iteration: int, index: int) -> None:
        self._stepping(lambda: self.session.goto(iteration=iteration, index=index))

    # --- running --------------------------------------------------------------------------

    def continue_(self) -> None:
        """Run to the next breakpoint at full pace, the window alive throughout."""
        self._start(lambda: self.session.continue_(max_seconds=self._slice_budget()), 0)

    def _slice_budget(self) -> float:
        """Seconds for the next full-pace slice: what is left of STALL_SECONDS after the
        window's own work since the last slice, within [SLICE_SECONDS, MAX_SLICE_SECONDS]."""
        window_time = time.perf_counter() - self._slice_ended
        return min(MAX_SLICE_SECONDS, max(SLICE_SECONDS, STALL_SECONDS - window_time))

    def run(self) -> None:
        """Train without stopping except at breakpoints, at ``speed`` iterations per frame
        (slow motion for a lecture) or at full pace, the views moving as it goes."""
        if self.speed is None:
            self.continue_()
        else:
            speed = self.speed
            self._start(lambda: self.session.continue_(max_iterations=speed), FRAME_MS)

    def run_to(self, node: str, phase: str | None = None) -> None:
        # The temporary breakpoint only lives for one call: the run is one call, not sliced.
        self._stepping(lambda: self.session.run_to(node, phase))

    def _start(self, slice_: Callable[[], Any], interval_ms: int) -> None:
        if self.running:
            return
        self._run_until = slice_
        self._slice_ended = time.perf_counter()
        self._timer.start(interval_ms)
        self._frames.start()
        self.run_state_changed.emit(True)

    def _run_slice(self) -> None:
        assert self._run_until is not None
        self._call(self._run_until)
        self._slice_ended = time.perf_counter()
        reason: StopReason | None = self.session.stop_reason
        if reason is None or reason.kind != "limit":
            self._stop()

    def pause(self) -> None:
        """Stop a run at the end of the slice in progress (an iteration boundary)."""
        if self.running:
            self.session.pause()
            self._stop()

    def _stop(self) -> None:
        self._timer.stop()
        self._frames.stop()
        self._run_until = None
        self._moved = self._measured = False
        self.run_state_changed.emit(False)
        self.metrics_updated.emit(self.session.metrics)
        self.step_taken.emit(self.session.current)
        self.run_stopped.emit(self.session.stop_reason)

    # --- breakpoints, watches, edits ------------------------------------------------------

    def toggle_breakpoint(self, node: str) -> None:
        """A click on a node: remove its breakpoint, or add one on it (any phase)."""
        for bp in self.session.breakpoints:
            if bp.node == node and bp.condition is None and bp.phase is None:
                self.session.remove_breakpoint(bp)
                break
        else:
            self._call(self.session.add_breakpoint, node=node)
        self.breakpoints_changed.emit()

    def add_breakpoint(self, **options: Any) -> bool:
        added = self._call(self.session.add_breakpoint, **options)
        self.breakpoints_changed.emit()
        return added

    def remove_breakpoint(self, which: Any) -> None:
        self._call(self.session.remove_breakpoint, which)
        self.breakpoints_changed.emit()

    def enable_breakpoint(self, which: Any, enabled: bool) -> None:
        self._call(self.session.enable_breakpoint, which, enabled)
        self.breakpoints_changed.emit()

    def add_watch(self, text: str) -> bool:
        added = self._call(self.session.add_watch, text)
        self.watches_changed.emit()
        return added

    def remove_watch(self, which: Any) -> None:
        self._call(self.session.remove_watch, which)
        self.watches_changed.emit()

    def edit(self, name: str, index: Any, value: float) -> bool:
        """Change a parameter, the sample, its label or the learning rate while paused."""
        if self.running:
            self.refused.emit("pause before editing")
            return False
        return self._call(self.session.edit, name, index, value)

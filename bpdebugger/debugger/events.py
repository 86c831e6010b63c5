"""Plain callbacks, as napari's EventEmitter: models emit, views connect.

The Qt adapter of the window connects one callback per event and re-emits it as a signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Callback = Callable[..., Any]


class Event:
    """A list of callbacks called in the order they connected."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callback] = []

    def connect(self, callback: Callback) -> Callback:
        """Call ``callback`` on every emit; returns it, so it can decorate."""
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callback) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):  # a callback may disconnect itself
            callback(*args)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {len(self._callbacks)} callbacks)"


@dataclass(frozen=True)
class Events:
    """What a Session tells its listeners, with the arguments each callback receives.

    position_changed(step | None): a verb stopped at a new position (once per verb, not per
    stop passed on the way); run_started(); run_stopped(reason); breakpoint_hit(breakpoint,
    step); metrics_updated(metrics): new iterations or epochs in Session.metrics (once per
    verb, or per slice of a run); edited(edit).
    """

    position_changed: Event = field(default_factory=lambda: Event("position_changed"))
    run_started: Event = field(default_factory=lambda: Event("run_started"))
    run_stopped: Event = field(default_factory=lambda: Event("run_stopped"))
    breakpoint_hit: Event = field(default_factory=lambda: Event("breakpoint_hit"))
    metrics_updated: Event = field(default_factory=lambda: Event("metrics_updated"))
    edited: Event = field(default_factory=lambda: Event("edited"))

"""The debugger: a Session with a code debugger's verbs over the engine (no Qt here)."""

from .breakpoints import Breakpoint
from .conditions import ConditionError, Unavailable
from .edits import Edit
from .events import Event, Events
from .metrics import Metrics
from .session import Session, StopReason
from .watches import Watch

__all__ = [
    "Breakpoint",
    "ConditionError",
    "Edit",
    "Event",
    "Events",
    "Metrics",
    "Session",
    "StopReason",
    "Unavailable",
    "Watch",
]

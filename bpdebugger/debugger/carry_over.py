"""Breakpoints and watches moved from a session to the one that replaces it.

A rebuilt session (new settings, new data) starts with only the non-finite breakpoint; the
user's breakpoints and watches are put back where they still make sense for its network.
"""

from __future__ import annotations

from ..engine.values import plural
from .breakpoints import NONFINITE
from .session import Session


def carry_over(old: Session, new: Session) -> list[str]:
    """Put the old session's breakpoints and watches on the new one where they still make
    sense; the notes on what was kept and what was dropped, and why. Hit counts start
    again from zero: the new session starts again."""
    kept, dropped = 0, []
    for bp in old.breakpoints:
        if bp.temporary:
            continue
        if bp.kind == NONFINITE:
            # The new session has its own; only whether it is on carries over.
            for own in new.breakpoints:
                if own.kind == NONFINITE:
                    own.enabled = bp.enabled
            continue
        try:
            new.add_breakpoint(
                node=bp.node,
                phase=bp.phase,
                condition=bp.condition,
                hit_count=bp.hit_count,
                iteration=bp.iteration,
                enabled=bp.enabled,
            )
            kept += 1
        except ValueError as e:
            dropped.append(f"breakpoint {bp.describe()} ({e})")
    watches = 0
    for w in old.watches:
        try:
            new.add_watch(w.text, name=w.name)
            watches += 1
        except ValueError as e:
            dropped.append(f"watch {w.name} ({e})")
    notes = []
    if kept or watches:
        notes.append(
            f"Kept {plural(kept, 'breakpoint')} and {plural(watches, 'watch', 'watches')}."
        )
    if dropped:
        notes.append("Dropped " + "; ".join(dropped) + ".")
    return notes

"""The breakpoints and watches of a session file: written by Session.save, put back when a
Session is built from a spec (the engine keeps these fields in SessionSpec.extra unread).

    "breakpoints": [
      {"condition": "nonfinite", "enabled": true},
      {"node": "z[3]", "phase": "backward", "condition": "norm(dW[2]) < 1e-4",
       "hit_count": 2, "iteration": null, "enabled": true, "hits": 1}
    ],
    "watches": [{"text": "dz[2]", "name": "dz[2]"}]

Every field of a breakpoint is optional (null where unset; "enabled" true and "hits" 0 by
default), but it needs a node, a phase, a condition or an iteration. The entry whose condition
is "nonfinite" alone stands for the built-in non-finite breakpoint: only its "enabled" is read.
"hits" is how often execution has got to the breakpoint: kept, so that a breakpoint with a hit
count fires in the reopened session where it would have in the saved one (restart counts from
0 again). run_to's temporary breakpoints are not saved, nor are the watches' series: a watch
records again from the stop the session opens at. A watch's "name" defaults to its text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bpdebugger.engine.errors import InputError
from bpdebugger.engine.values import is_int, show

from .breakpoints import NONFINITE, Breakpoint
from .conditions import ConditionError, parse
from .layout import PHASES
from .watches import Watch

if TYPE_CHECKING:
    from .session import Session

BREAKPOINT_FIELDS = ("node", "phase", "condition", "hit_count", "iteration", "enabled", "hits")
WATCH_FIELDS = ("text", "name")
SAVED_FIELDS = ("breakpoints", "watches")


def breakpoints_json(breakpoints: list[Breakpoint]) -> list[dict[str, Any]]:
    """The "breakpoints" field: every breakpoint but run_to's temporary ones, in order."""
    out: list[dict[str, Any]] = []
    for bp in breakpoints:
        if bp.temporary:
            continue
        if bp.kind == NONFINITE:
            out.append({"condition": NONFINITE, "enabled": bp.enabled})
        else:
            out.append({key: getattr(bp, key) for key in BREAKPOINT_FIELDS})
    return out


def watches_json(watches: list[Watch]) -> list[dict[str, str]]:
    """The "watches" field."""
    return [{"text": w.text, "name": w.name} for w in watches]


def restore(session: Session, fields: dict[str, Any]) -> None:
    """Put the "breakpoints" and "watches" of a session file on a new session (which has
    only its built-in non-finite breakpoint); InputError naming the entry and field, e.g.
    ``breakpoints[1].condition``, if one is not valid."""
    for j, entry in enumerate(_entries(fields, "breakpoints")):
        _restore_breakpoint(session, entry, f"breakpoints[{j}]")
    for j, entry in enumerate(_entries(fields, "watches")):
        _restore_watch(session, entry, f"watches[{j}]")


def _restore_breakpoint(session: Session, entry: Any, where: str) -> None:
    obj = _entry(entry, where, BREAKPOINT_FIELDS)
    node, phase, condition = (_text(obj, key, where) for key in ("node", "phase", "condition"))
    hit_count = _whole(obj, "hit_count", where, minimum=1)
    iteration = _whole(obj, "iteration", where, minimum=1)
    hits = _whole(obj, "hits", where, minimum=0) or 0
    enabled = obj.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InputError(f"expected true or false, got {show(enabled)}", field=f"{where}.enabled")
    if (node, phase, condition, iteration) == (None,) * 4:
        raise InputError(
            "a breakpoint needs a node, a phase, a condition or an iteration", field=where
        )
    if phase is not None and phase not in PHASES:
        raise InputError(
            f"unknown phase {show(phase)} (known: {', '.join(PHASES)})", field=f"{where}.phase"
        )
    if condition is not None:
        try:
            condition = parse(condition, session.spec.sizes, condition=True).text
        except ConditionError as e:
            raise InputError(e.message, field=f"{where}.condition") from None
    if condition == NONFINITE and (node, phase, iteration) == (None,) * 3:
        if hit_count is not None:
            raise InputError(
                "the built-in non-finite breakpoint has no hit count", field=f"{where}.hit_count"
            )
        for bp in session.breakpoints:
            if bp.kind == NONFINITE:
                bp.enabled = enabled
        return
    try:
        bp = session.add_breakpoint(node, phase, condition, hit_count, iteration, enabled)
    except ValueError as e:
        # The phase, the condition and the counts are checked above: what is left is the node.
        raise InputError(str(e), field=f"{where}.node") from None
    bp.hits = hits


def _restore_watch(session: Session, entry: Any, where: str) -> None:
    obj = _entry(entry, where, WATCH_FIELDS)
    text, name = _text(obj, "text", where), _text(obj, "name", where)
    if text is None:
        raise InputError("missing: the expression to watch", field=f"{where}.text")
    try:
        session.add_watch(text, name=name)
    except ConditionError as e:
        raise InputError(e.message, field=f"{where}.text") from None
    except ValueError as e:  # the name is taken
        raise InputError(str(e), field=f"{where}.name" if name else where) from None


def _entries(fields: dict[str, Any], key: str) -> list[Any]:
    value = fields.get(key, [])
    if not isinstance(value, list):
        raise InputError(f"expected a list, got {show(value)}", field=key)
    return value


def _entry(entry: Any, where: str, known: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise InputError(f"expected an object, got {show(entry)}", field=where)
    unknown = [key for key in entry if key not in known]
    if unknown:
        raise InputError(
            f"unknown field {show(unknown[0])} (known: {', '.join(known)})", field=where
        )
    return entry


def _text(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(f"expected a text or null, got {show(value)}", field=f"{where}.{key}")
    return value


def _whole(obj: dict[str, Any], key: str, where: str, minimum: int) -> int | None:
    value = obj.get(key)
    if value is not None and not (is_int(value) and value >= minimum):
        raise InputError(
            f"expected a whole number ≥ {minimum} or null, got {show(value)}",
            field=f"{where}.{key}",
        )
    return value

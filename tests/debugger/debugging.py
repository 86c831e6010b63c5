"""Shared setup for the debugger tests: sessions on known networks, and record comparison."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
from helpers import XOR_X, XOR_Y, notes_session

from bpdebugger.debugger import Session
from bpdebugger.engine.session import SessionSpec, parse_session
from bpdebugger.engine.trace import Step
from bpdebugger.engine.training import Batch

# The notes' network (2 → 2 tanh → 1 sigmoid, bce) has 14 stops per iteration, this deeper
# one ([2, 3, 3, 1]) 20: forward 1–7, backward 8–14, updates 15–20.
NOTES_STOPS = 14
DEEP_STOPS = 20


def notes_spec(**changes: Any) -> SessionSpec:
    """The CONTRACTS.md example network and parameters on the four XOR points."""
    return parse_session(notes_session(**changes))


def notes(**options: Any) -> Session:
    return Session(notes_spec(), **options)


def deep_spec(**training: Any) -> SessionSpec:
    obj = {
        "format": "bpdebugger-session/1",
        "network": {
            "sizes": [2, 3, 3, 1],
            "activations": ["tanh", "tanh", "sigmoid"],
            "loss": "bce",
        },
        "init": {"scheme": "xavier", "seed": 3},
        "training": {"learning_rate": 0.5, "batch_size": 1, **training},
        "data": {"x": copy.deepcopy(XOR_X), "y": list(XOR_Y)},
    }
    return parse_session(obj)


def deep(**options: Any) -> Session:
    return Session(deep_spec(), **options)


def exploding_spec() -> SessionSpec:
    """Linear output, squared error, a learning rate far too large: it diverges to inf and
    NaN within a few hundred iterations."""
    obj = {
        "format": "bpdebugger-session/1",
        "network": {
            "sizes": [2, 3, 1],
            "activations": ["tanh", "identity"],
            "loss": "squared_error",
        },
        "init": {"scheme": "xavier", "seed": 1},
        "training": {"learning_rate": 3.0, "batch_size": 1},
        "data": {"x": copy.deepcopy(XOR_X), "y": list(XOR_Y)},
    }
    return parse_session(obj)


def _assert_values_equal(what: str, a: Any, b: Any) -> None:
    if isinstance(a, Mapping):
        assert isinstance(b, Mapping) and list(a) == list(b), f"{what}: keys {list(a)} != {b}"
        for key in a:
            _assert_values_equal(f"{what}[{key}]", a[key], b[key])
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, f"{what}: {a.shape} vs {b.shape}"
        np.testing.assert_array_equal(a, b, err_msg=what, strict=True)
    elif isinstance(a, float) and isinstance(b, float) and np.isnan(a):
        assert np.isnan(b), what
    else:
        assert a == b, f"{what}: {a!r} != {b!r}"


def assert_steps_equal(a: Step | None, b: Step | None) -> None:
    """Every field of two records, every array element for element (NaN equals NaN)."""
    assert (a is None) == (b is None), f"{a} vs {b}"
    if a is None or b is None:
        return
    for f in dataclasses.fields(Step):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, Batch):
            for g in dataclasses.fields(Batch):
                _assert_values_equal(f"batch.{g.name}", getattr(x, g.name), getattr(y, g.name))
        else:
            _assert_values_equal(f"{a.position} {f.name}", x, y)


def walk(session: Session, stops: int) -> dict[tuple[int, int], Step]:
    """step_into ``stops`` times; the records by position."""
    seen = {}
    for _ in range(stops):
        step = session.step_into()
        seen[step.position] = step
    return seen

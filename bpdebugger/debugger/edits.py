"""Edits made while paused: a weight, a bias, an input feature, a label or the learning rate.

An edit is made at a position (iteration k, stop i) and takes effect after stop i. What it
changes in iteration k (CONTRACTS-level semantics, documented in Session.edit):

- during the forward or backward pass (i before the first update stop) the pass is computed
  again with the edited value; stops 1…i keep their records, stops after i show the new pass;
- in the update phase the pass is finished: only the updates still to come see the edit (a
  parameter not yet updated is updated from its edited value; the learning rate applies to
  the remaining updates); a parameter already updated this iteration changes after its
  update, so the change shows from the next iteration on;
- x and y are samples of the data set: from the edit on every batch that holds the sample
  sees the new value.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .layout import Layout

DATA = ("x", "y")
ALIASES = {"learning_rate": "lr"}


@dataclass(frozen=True)
class Edit:
    """One edit. ``at`` is the element: of the parameter, of the sample's features (x) or of
    its target (y, empty for a single label); empty for lr. ``row`` is the training sample
    (its row in the data set) for x and y."""

    iteration: int
    index: int
    name: str
    at: tuple[int, ...]
    value: float
    row: int | None = None

    @property
    def time(self) -> tuple[int, int]:
        return self.iteration, self.index

    @property
    def changes_data(self) -> bool:
        return self.name in DATA

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = list(self.at)
        if self.row is None:
            del out["row"]
        return out

    @classmethod
    def from_json(cls, obj: Any) -> Edit:
        """An edit as written by :meth:`to_json`; ValueError if it is not one."""
        try:
            row = obj.get("row")
            return cls(
                int(obj["iteration"]),
                int(obj["index"]),
                str(obj["name"]),
                tuple(int(i) for i in obj["at"]),
                float(obj["value"]),
                None if row is None else int(row),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            # reprlib: a hand-written entry nested deep or long reads as a short line
            raise ValueError(f"not an edit: {reprlib.repr(obj)} ({e})") from None


def _number(name: str, value: Any) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    return value


def _element(name: str, index: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    """A user's index (an int, a tuple, or None for a single element) → a tuple within shape."""
    dims = "×".join(map(str, shape)) or "a single value"
    if index is None:
        if int(np.prod(shape)) == 1:
            return (0,) * len(shape)
        raise ValueError(f"{name} has shape {dims}: give the element's index")
    at = (index,) if isinstance(index, (int, np.integer)) else index
    if not isinstance(at, Sequence) or not all(
        isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in at
    ):
        raise ValueError(f"{name}: expected an index of whole numbers, got {index!r}")
    if len(at) != len(shape):
        raise ValueError(f"{name} has shape {dims}: expected {len(shape)} indices, got {len(at)}")
    if not all(-n <= i < n for i, n in zip(at, shape, strict=True)):
        raise ValueError(f"{name}: index {tuple(map(int, at))} out of range for shape {dims}")
    return tuple(int(i) % n for i, n in zip(at, shape, strict=True))


def make_edit(
    name: str,
    index: Any,
    value: Any,
    *,
    position: tuple[int, int],
    layout: Layout,
    loss: str,
    label_shape: tuple[int, ...],
    rows: Sequence[int],
    sample: int,
) -> Edit:
    """A checked edit, or ValueError with a message; ``rows`` are the data-set rows of the
    current batch, ``sample`` picks one of them for x and y."""
    name = ALIASES.get(name, name)
    iteration, stop = position
    if name == "lr":
        if index is not None:
            raise ValueError(f"lr is a single number: index must be None, got {index!r}")
        lr = _number(name, value)
        if lr <= 0:
            raise ValueError(f"lr: must be positive, got {lr:g}")
        return Edit(iteration, stop, name, (), lr)
    if name in layout.shapes:
        at = _element(name, index, layout.shapes[name])
        return Edit(iteration, stop, name, at, _number(name, value))
    if name not in DATA:
        known = ", ".join([*layout.shapes, "x", "y", "lr"])
        raise ValueError(f"cannot edit {name!r}: known names are {known}")
    if not isinstance(sample, (int, np.integer)) or not 0 <= sample < len(rows):
        raise ValueError(f"sample: the batch has samples 0…{len(rows) - 1}, got {sample!r}")
    row = int(rows[sample])
    if name == "x":
        at = _element("x", index, (layout.sizes[0],))
        return Edit(iteration, stop, name, at, _number(name, value), row)
    at = _element("y", index, label_shape)
    label = _number(name, value)
    if loss == "bce" and label not in (0.0, 1.0):
        raise ValueError(f"y: expected 0 or 1 for bce, got {label:g}")
    if loss == "cross_entropy" and not (label.is_integer() and 0 <= label < layout.sizes[-1]):
        raise ValueError(
            f"y: expected a class index, a whole number from 0 to {layout.sizes[-1] - 1}, "
            f"got {label:g}"
        )
    return Edit(iteration, stop, name, at, label, row)

"""Reading numbers a user wrote (JSON, CSV, a dialog) and showing them back in messages."""

from __future__ import annotations

import json
import math
import numbers
from typing import Any

import numpy as np

from .errors import InputError


def show(value: Any) -> str:
    """A value as the user wrote it in JSON (true, null, "abc", NaN), for messages."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return json.dumps(None if value is None else bool(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return show(value.item())
    if isinstance(value, (list, tuple, np.ndarray)):
        return f"a list of {plural(len(value), 'value')}"
    if isinstance(value, numbers.Integral) and abs(int(value)) >= 10**21:
        digits = str(abs(int(value)))
        return f"{'-' if value < 0 else ''}{digits[:6]}… ({len(digits)} digits)"
    if isinstance(value, numbers.Real):
        f = float(value) if not isinstance(value, numbers.Integral) else None
        if f is not None and not math.isfinite(f):
            return "NaN" if math.isnan(f) else ("Infinity" if f > 0 else "-Infinity")
        return repr(value.item() if isinstance(value, np.generic) else value)
    return type(value).__name__


def is_int(value: Any) -> bool:
    """A whole number given as an integer type (bool is not a number here)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 sample", "3 samples"; ``many`` for an irregular plural ("watches")."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def finite_number(value: Any, field: str, what: str = "a number") -> float:
    """One finite number from user data, or InputError naming the field."""
    if not is_real(value):
        raise InputError(f"expected {what}, got {show(value)}", field=field)
    try:
        f = float(value)
    except OverflowError:  # a Python int beyond float64's range
        raise InputError(f"expected a finite number, got {show(value)}", field=field) from None
    if not math.isfinite(f):
        raise InputError(f"expected a finite number, got {show(value)}", field=field)
    return f

"""Watches: expressions followed from stop to stop.

A watch records its value at every stop the session visits: each stop a verb moves to
(forwards, backwards or by goto) and each stop continue_ steps through one by one. Iterations
that continue_ runs on the fast path are not visited and leave no values (their loss and
gradient norms are in Session.metrics). The series is keyed by position: visiting a stop
again overwrites its value with the same number, and an edit drops the values after it.
Stops where the expression has no value (dW[2] in the forward pass) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .conditions import Context, Expression, Unavailable


@dataclass(eq=False)
class Watch:
    name: str
    expression: Expression
    _series: dict[tuple[int, int], Any] = field(default_factory=dict, repr=False)

    @property
    def text(self) -> str:
        return self.expression.text

    def value(self, context: Context) -> Any:
        """The value at this stop, or None where it has none."""
        try:
            return self.expression.evaluate(context)
        except Unavailable:
            return None

    def record(self, position: tuple[int, int], context: Context) -> None:
        value = self.value(context)
        if value is not None:
            self._series[position] = value

    def series(self) -> list[tuple[int, int, Any]]:
        """(iteration, index, value) for every visited stop with a value, in time order."""
        return [(k, i, v) for (k, i), v in sorted(self._series.items())]

    def drop_after(self, position: tuple[int, int]) -> None:
        for p in [p for p in self._series if p > position]:
            del self._series[p]

    def clear(self) -> None:
        self._series.clear()

"""Breakpoints: where and when execution stops, and how often it has got there.

A breakpoint has any of: a node (with or without a phase), a phase, an iteration number, a
condition in the language of conditions.py, and a hit count. It *matches* a stop when

- its iteration (if set) is the stop's iteration, and
- with a node: the stop is that node (in that phase, if set) and the condition holds there;
- without a node: the stop is the first of its iteration (within the phase, if set) at which
  the condition holds. So ``loss > prev_loss`` matches once per iteration, at the loss node,
  rather than at every stop after it, and an iteration breakpoint at the iteration's first stop.

Execution moving forward onto a matching stop is a *hit*; it stops execution ("fires") on
every hit, or with a hit count n only on the n-th. The non-finite breakpoint (condition
``nonfinite`` alone, on by default) also requires that the iteration started with finite
parameters: it stops where NaN or ±inf first appear, not again at every iteration of a run
that has already diverged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .conditions import Context, Expression
from .history import IterationRun

NONFINITE = "nonfinite"


@dataclass(eq=False)
class Breakpoint:
    """One breakpoint; ``hits`` counts the times execution got to a matching stop."""

    id: int
    node: str | None = None
    phase: str | None = None
    condition: str | None = None
    hit_count: int | None = None
    iteration: int | None = None
    enabled: bool = True
    hits: int = 0
    temporary: bool = False  # run_to's: removed when the run ends
    expression: Expression | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        """ "nonfinite", "update" (a parameter's update), "node", "phase", "condition" or
        "iteration": what it is mainly about, for views and messages."""
        if self.condition == NONFINITE and (self.node, self.phase, self.iteration) == (None,) * 3:
            return NONFINITE
        if self.node is not None:
            return "update" if self.phase == "update" else "node"
        if self.phase is not None:
            return "phase"
        return "condition" if self.condition is not None else "iteration"

    def describe(self) -> str:
        """E.g. "backward z[2] if norm(dW[2]) < 1e-4, iteration 3, on hit 2"."""
        parts = [" ".join(p for p in (self.phase, self.node) if p)]
        if self.condition is not None:
            parts.append(f"if {self.condition}")
        where = " ".join(p for p in parts if p)
        extra = [f"iteration {self.iteration}"] if self.iteration is not None else []
        if self.hit_count is not None:
            extra.append(f"on hit {self.hit_count}")
        return ", ".join([where, *extra]) if where else ", ".join(extra)

    def hit(self) -> bool:
        """Count a hit; whether it fires."""
        self.hits += 1
        return self.hit_count is None or self.hits == self.hit_count

    def matches(self, run: IterationRun, index: int, context: Callable[[int], Context]) -> bool:
        """Whether stop ``index`` of ``run`` matches; ``context(i)`` gives stop i's values."""
        if self.iteration is not None and run.iteration != self.iteration:
            return False
        if self.node is not None:
            phase, node = run.layout.stops[index - 1]
            return node == self.node and self.phase in (None, phase) and self._holds(context(index))
        return self._first_match(run, index, context) == index

    def _first_match(
        self, run: IterationRun, index: int, context: Callable[[int], Context]
    ) -> int | None:
        """The first stop (up to ``index``) of the run where a node-less breakpoint
        matches. The scan is memoised on the run, so stepping through an iteration
        evaluates the condition once per stop."""
        if self.kind == NONFINITE and not run.start.finite:
            return None
        scanned, found = run.matches.get(self.id, (0, None))
        while found is None and scanned < index:
            scanned += 1
            if self.phase in (None, run.layout.phase(scanned)) and self._holds(context(scanned)):
                found = scanned
        run.matches[self.id] = (scanned, found)
        return found

    def _holds(self, context: Context) -> bool:
        return self.expression is None or self.expression.holds(context)

    def may_hit(self, iteration: int, context: Callable[[], Context]) -> bool:
        """On the fast path, after an iteration: whether some stop of it may match. Exact
        for a condition over fast_keys; any location filter is left to stepping."""
        if self.iteration is not None and iteration != self.iteration:
            return False
        return self.expression is None or self.expression.holds(context())

    def fast_checkable(self, keys: frozenset[str]) -> bool:
        """Whether the fast path can tell, once per iteration, if it may match (see
        may_hit). A breakpoint that matches in every iteration is left to stepping: it
        hits within one anyway."""
        if self.kind == NONFINITE:
            return True  # the fast path watches the loss and parameters for it
        if self.expression is None:
            return self.iteration is not None
        return self.expression.names <= keys

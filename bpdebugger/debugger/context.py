"""The values conditions and watches read at a stop: conditions.Context over an iteration.

Values are read lazily, only when an expression asks. At stop i of iteration k:

- W[l], b[l]: as they are after stop i (after their update once it is passed, with edits);
- z, a, dz, da, dW, db, yhat, loss, misclassified: from the stop that computes them on; until
  then Unavailable. x (= a[1]) and y (the targets, (n_L, B) like yhat) exist from the start;
- lr, iteration, epoch, index; prev_loss from the second iteration of the session on;
- nonfinite: whether this stop's record holds NaN or ±inf.

After an edit in the forward/backward pass the values are those of the pass computed again
with the edit (the pass in effect), like the stops that follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bpdebugger.engine.losses import Loss
from bpdebugger.engine.network import Array, Pass
from bpdebugger.engine.trace import Step

from .conditions import Unavailable
from .layout import Layout


class Iteration(Protocol):
    """What a context reads an iteration through (history.IterationRun, FastIteration)."""

    iteration: int
    epoch: int

    @property
    def records(self) -> tuple[Step, ...]: ...

    def pass_at(self, index: int) -> Pass: ...

    def lr_at(self, index: int) -> float: ...

    def param_at(self, name: str, index: int) -> Array: ...


@dataclass(frozen=True)
class FastIteration:
    """An iteration run on the fast path: its pass and nothing else (no records)."""

    iteration: int
    epoch: int
    last_pass: Pass
    lr: float
    records: tuple[Step, ...] = ()

    def pass_at(self, index: int) -> Pass:
        return self.last_pass

    def lr_at(self, index: int) -> float:
        return self.lr

    def param_at(self, name: str, index: int) -> Array:
        raise Unavailable(name, f"{name} changes within an iteration: not on the fast path")


def fast_keys(layout: Layout) -> frozenset[str]:
    """Keys whose value is the same at every stop of an iteration once it exists, and that
    the fast path's pass computes: a condition reading only these holds somewhere in an
    iteration exactly when it holds on the iteration's pass (and/or/not are monotone in
    Unavailable), so the fast path can check it once per iteration."""
    L = layout.L
    keys = {"x", "y", "yhat", "loss", "misclassified", "lr", "iteration", "epoch", "prev_loss"}
    for l in range(2, L + 1):
        keys |= {f"z[{l}]", f"a[{l}]", f"dz[{l}]", f"dW[{l}]", f"db[{l}]"}
    keys |= {"a[1]"} | {f"da[{l}]" for l in range(2, L)}  # ∂l/∂x and ∂l/∂ŷ only when stepping
    return frozenset(keys)


class StopContext:
    """conditions.Context at stop ``index`` (0: before the first stop) of an iteration."""

    def __init__(
        self,
        run: Iteration,
        index: int,
        layout: Layout,
        loss: Loss,
        prev_loss: float | None,
    ) -> None:
        self.run = run
        self.index = index
        self.layout = layout
        self.loss = loss
        self.prev_loss = prev_loss

    def value(self, key: str) -> Any:
        run, i = self.run, self.index
        produced = self.layout.produced.get(key)
        if produced is not None:
            if produced > i:
                raise Unavailable(key)
            return self._from_pass(run.pass_at(i), key)
        if key in self.layout.shapes:
            return run.param_at(key, i)
        if key == "lr":
            return run.lr_at(i)
        if key == "iteration":
            return run.iteration
        if key == "epoch":
            return run.epoch
        if key == "index":
            return i
        if key == "prev_loss" and self.prev_loss is not None:
            return self.prev_loss
        if key == "nonfinite" and 0 < i <= len(run.records):
            return run.records[i - 1].nonfinite() is not None
        raise Unavailable(key)

    def _from_pass(self, p: Pass, key: str) -> Any:
        L = self.layout.L
        if key == "x":
            return p.a[1]
        if key == "y":
            return p.t
        if key == "yhat":
            return p.a[L]
        if key == "loss":
            return p.loss
        if key == "misclassified":
            return ~self.loss.correct(p.a[L], p.t)
        name, _, layer = key.partition("[")  # "dz[3]" -> p.dz[3]
        group: dict[int, np.ndarray] = getattr(p, name)
        try:
            return group[int(layer[:-1])]
        except KeyError:  # ∂l/∂x and ∂l/∂ŷ are left out of the fast path's pass
            raise Unavailable(key) from None

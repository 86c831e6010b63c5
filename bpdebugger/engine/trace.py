"""The Step record and the stepper: one iteration as a sequence of stops.

Order of stops for sizes [n1, …, nL] (CONTRACTS.md): forward z[2], a[2], …,
z[L], a[L], l; backward l, a[L], z[L], …, a[2], z[2]; then one update stop per
parameter tensor, W[L], b[L], …, W[2], b[2]. Index counts from 1.

The stepper computes the pass with the very same Network.run and SGD.step as
the fast path, then hands out its values stop by stop; each parameter update
happens when its stop is reached.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .network import Array, Network
from .training import SGD, Batch, Trainer

Value = Array | float


def _frozen(a: Array) -> Array:
    a.flags.writeable = False
    return a


def _snapshot(a: Array) -> Array:
    return _frozen(a.copy())


@dataclass(frozen=True, eq=False)
class Step:
    """One stop. Arrays are read-only and hold one column per sample (n, B).

    forward:  ``inputs`` (the values the node reads) and ``output``.
    backward: ``upstream`` ∂l/∂(node output), ``local`` ∂(output)/∂(input) and
              ``downstream`` ∂l/∂(input), both keyed by input name. An
              element-wise activation's local gradient is the diagonal of its
              Jacobian, f′(z), shaped like z (``diagonal`` is True); softmax's
              is the full Jacobian per sample (B, n, n). At a linear node,
              local is W[l] for a[l−1], a[l−1] for W[l] and the identity for b[l];
              downstream W[l], b[l] are gradients of the batch mean. ``chain``
              holds the full chain product where the stepper used a shortcut
              (``shortcut`` says which, e.g. "ŷ − y").
    update:   ``before``, ``change`` (−η·∂l/∂p, or −η·v with momentum),
              ``after`` and ``grad``.
    """

    iteration: int
    index: int
    phase: str
    node: str
    op: str
    batch: Batch
    loss: float | None = None
    inputs: Mapping[str, Array] = field(default_factory=dict)
    output: Array | None = None
    upstream: Value | None = None
    local: Mapping[str, Array] = field(default_factory=dict)
    downstream: Mapping[str, Array] = field(default_factory=dict)
    chain: Mapping[str, Array] = field(default_factory=dict)
    shortcut: str | None = None
    diagonal: bool = False
    before: Array | None = None
    change: Array | None = None
    after: Array | None = None
    grad: Array | None = None
    learning_rate: float | None = None

    @property
    def position(self) -> tuple[int, int]:
        return self.iteration, self.index

    @property
    def epoch(self) -> int:
        return self.batch.epoch

    def arrays(self) -> Iterator[tuple[str, Array]]:
        """Every array this stop shows, with a label, e.g. ("downstream z[3]", …)."""
        for label, group in (
            ("input", self.inputs),
            ("local", self.local),
            ("downstream", self.downstream),
            ("chain", self.chain),
        ):
            for name, value in group.items():
                yield f"{label} {name}", np.asarray(value)
        for label in ("output", "upstream", "before", "change", "after", "grad"):
            value = getattr(self, label)
            if value is not None:
                yield label, np.asarray(value)

    @property
    def upstream_mean(self) -> Value | None:
        """∂l/∂(output) averaged over the batch, (n,): the gradient of the batch loss
        up to the factor B. A scalar upstream (the loss node's 1) passes through."""
        return _mean(self.upstream)

    @property
    def downstream_mean(self) -> dict[str, Array]:
        """Downstream gradients averaged over the batch; W and b are already means."""
        return {
            k: v if k.startswith(("W[", "b[")) else _mean(v) for k, v in self.downstream.items()
        }

    def nonfinite(self) -> str | None:
        """The label of the first array holding NaN or ±inf, or None if all are finite.

        The batch loss counts too: finite per-sample losses near 1e308 can average to inf.
        """
        for label, value in self.arrays():
            if not np.isfinite(value).all():
                return label
        if self.loss is not None and not np.isfinite(self.loss):
            return "loss"
        return None


def _mean(value: Value | None) -> Value | None:
    return value.mean(axis=1) if isinstance(value, np.ndarray) and value.ndim == 2 else value


def stop_names(net: Network) -> list[tuple[str, str]]:
    """(phase, node) of every stop of one iteration, in order."""
    L = net.L
    forward = [n for l in net.layers for n in (f"z[{l}]", f"a[{l}]")] + ["l"]
    backward = ["l"] + [n for l in range(L, 1, -1) for n in (f"a[{l}]", f"z[{l}]")]
    update = [n for l in range(L, 1, -1) for n in (f"W[{l}]", f"b[{l}]")]
    return (
        [("forward", n) for n in forward]
        + [("backward", n) for n in backward]
        + [("update", n) for n in update]
    )


def iteration_steps(net: Network, optimizer: SGD, batch: Batch, iteration: int) -> Iterator[Step]:
    """Yield the stops of one SGD iteration on ``batch``, updating ``net`` as it goes.

    The update of each parameter is applied when its stop is produced, so a
    caller that stops early leaves the network as far as it got.
    """
    L = net.L
    with np.errstate(all="ignore"):
        p = net.run(batch.x, batch.t)
    for group in (p.z, p.a, p.da, p.dz, p.dW, p.db):
        for value in group.values():
            _frozen(value)
    _frozen(p.losses)
    W = {l: _snapshot(net.W[l]) for l in net.layers}
    b = {l: _snapshot(net.b[l]) for l in net.layers}
    index = 0

    def stop(phase: str, node: str, op: str, **values: object) -> Step:
        nonlocal index
        index += 1
        return Step(iteration, index, phase, node, op, batch, **values)

    for l in net.layers:
        yield stop(
            "forward",
            f"z[{l}]",
            "linear",
            inputs={f"W[{l}]": W[l], f"a[{l - 1}]": p.a[l - 1], f"b[{l}]": b[l]},
            output=p.z[l],
        )
        yield stop("forward", f"a[{l}]", net.f[l].name, inputs={f"z[{l}]": p.z[l]}, output=p.a[l])
    yield stop(
        "forward",
        "l",
        net.loss.name,
        inputs={f"a[{L}]": p.a[L], "y": _frozen(batch.t)},
        output=p.losses,
        loss=p.loss,
    )

    # backward: the loss node's upstream is ∂l/∂l = 1
    yield stop(
        "backward",
        "l",
        net.loss.name,
        loss=p.loss,
        upstream=1.0,
        local={f"a[{L}]": p.da[L]},
        downstream={f"a[{L}]": p.da[L]},
    )
    for l in range(L, 1, -1):
        f = net.f[l]
        with np.errstate(all="ignore"):
            local = _frozen(f.local(p.z[l], p.a[l]))
            chain = {}
            if l == L and net.loss.has_shortcut(f.name):
                chain = {f"z[{l}]": _frozen(f.backward(p.z[l], p.a[l], p.da[l]))}
        yield stop(
            "backward",
            f"a[{l}]",
            f.name,
            loss=p.loss,
            upstream=p.da[l],
            local={f"z[{l}]": local},
            downstream={f"z[{l}]": p.dz[l]},
            chain=chain,
            shortcut=net.loss.shortcut_text if chain else None,
            diagonal=f.elementwise,
        )
        yield stop(
            "backward",
            f"z[{l}]",
            "linear",
            loss=p.loss,
            upstream=p.dz[l],
            local={
                f"a[{l - 1}]": W[l],
                f"W[{l}]": p.a[l - 1],
                f"b[{l}]": _frozen(np.eye(net.sizes[l - 1])),
            },
            downstream={f"a[{l - 1}]": p.da[l - 1], f"W[{l}]": p.dW[l], f"b[{l}]": p.db[l]},
        )

    for l in range(L, 1, -1):
        for name, param, grad, before in (
            (f"W[{l}]", net.W[l], p.dW[l], W[l]),
            (f"b[{l}]", net.b[l], p.db[l], b[l]),
        ):
            with np.errstate(all="ignore"):
                change = optimizer.step(name, param, grad)
            yield stop(
                "update",
                name,
                "sgd",
                loss=p.loss,
                before=before,
                change=_frozen(change),
                after=_snapshot(param),
                grad=grad,
                learning_rate=optimizer.learning_rate,
            )


def first_nonfinite(trainer: Trainer, first: int, last: int) -> Step | None:
    """Step iterations first … last from the trainer's state; the first stop whose
    values hold NaN or ±inf, i.e. the node that produced them, or None.

    The fast path sees only each iteration's loss; stepping the same iterations
    again (deterministically the same numbers) finds the node responsible.
    """
    for k in range(first, last + 1):
        for step in iteration_steps(trainer.net, trainer.optimizer, trainer.batch(k), k):
            if step.nonfinite() is not None:
                return step
    return None


@dataclass(frozen=True)
class Snapshot:
    """What is known at a stop: everything the iteration has computed so far.

    values: forward outputs reached ("z[2]", "a[2]", …, "a[1]" is x; per sample, (n, B));
    grads:  backward results reached, ∂l/∂(name) ("a[3]", "z[3]", "W[3]", "b[3]", …);
    params: the parameters as they are at this stop (updated ones after their update);
    loss:   the batch loss once the loss node has been reached, else None.
    """

    step: Step | None
    values: Mapping[str, Array]
    grads: Mapping[str, Array]
    params: Mapping[str, Array]
    loss: float | None


def snapshot(params_before: Mapping[str, Array], steps: Sequence[Step]) -> Snapshot:
    """The state after ``steps``, the stops of one iteration so far, in order, given the
    parameters at the iteration's start."""
    values: dict[str, Array] = {}
    grads: dict[str, Array] = {}
    params = dict(params_before)
    loss = None
    for step in steps:
        if step.phase == "forward":
            if step.node == "z[2]":
                values["a[1]"] = step.inputs["a[1]"]  # the input x, read by the first node
            values[step.node] = step.output
        elif step.phase == "backward":
            grads.update(step.downstream)
        else:
            params[step.node] = step.after
        loss = step.loss if step.loss is not None else loss
    values.pop("l", None)  # the loss is its own field
    return Snapshot(steps[-1] if steps else None, values, grads, params, loss)

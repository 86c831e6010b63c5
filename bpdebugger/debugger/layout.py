"""The shape of one iteration for a given network: its stops, phases, layers and parameters.

Everything here is derived once from the network's sizes (CONTRACTS.md order of stops) so
that the verbs, the history and the condition context can look positions up cheaply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bpdebugger.engine.network import Array, Network
from bpdebugger.engine.trace import stop_names

PHASES = ("forward", "backward", "update")


@dataclass(frozen=True)
class Layout:
    """Stops of one iteration and where each value comes from.

    ``stops[i - 1]`` is the (phase, node) of stop i (indices count from 1). ``produced[key]``
    is the stop whose record first holds a condition-language key ("z[2]", "dW[3]", "loss");
    keys that exist from the start of the iteration (x, y) are produced at 0.
    """

    sizes: tuple[int, ...]
    stops: tuple[tuple[str, str], ...]
    produced: Mapping[str, int]
    updated: Mapping[str, int]  # parameter name -> index of its update stop
    shapes: Mapping[str, tuple[int, ...]]  # parameter name -> shape, in file order
    slices: Mapping[str, slice]  # parameter name -> its part of a flat parameter vector

    @classmethod
    def of(cls, net: Network) -> Layout:
        stops = tuple(stop_names(net))
        index = {stop: i for i, stop in enumerate(stops, start=1)}
        L = net.L
        produced = {"x": 0, "a[1]": 0, "y": 0}
        for l in net.layers:
            produced[f"z[{l}]"] = index["forward", f"z[{l}]"]
            produced[f"a[{l}]"] = index["forward", f"a[{l}]"]
            produced[f"dz[{l}]"] = index["backward", f"a[{l}]"]  # ∂l/∂z leaves the activation
            for key in (f"da[{l - 1}]", f"dW[{l}]", f"db[{l}]"):
                produced[key] = index["backward", f"z[{l}]"]
        produced["yhat"] = produced["misclassified"] = produced[f"a[{L}]"]
        produced["loss"] = index["forward", "l"]
        produced[f"da[{L}]"] = index["backward", "l"]
        shapes = {name: p.shape for name, p in net.params().items()}
        slices, start = {}, 0
        for name, shape in shapes.items():
            size = int(np.prod(shape))
            slices[name] = slice(start, start + size)
            start += size
        updated = {node: i for (phase, node), i in index.items() if phase == "update"}
        return cls(net.sizes, stops, produced, updated, shapes, slices)

    @property
    def n(self) -> int:
        """Stops per iteration."""
        return len(self.stops)

    @property
    def L(self) -> int:
        return len(self.sizes)

    @property
    def first_update(self) -> int:
        """Index of the first update stop: edits before it fall in the forward/backward pass."""
        return min(self.updated.values())

    def phase(self, index: int) -> str:
        """Phase of stop ``index``; index 0 (before the first stop) counts as forward."""
        return self.stops[index - 1][0] if index else "forward"

    def phase_start(self, phase: str) -> int:
        return next(i for i, (p, _) in enumerate(self.stops, start=1) if p == phase)

    def ends_layer(self, index: int) -> bool:
        """Whether stop ``index`` completes a unit of step_over: a layer's second node
        (forward a[l], backward z[l]), the loss node, or an update."""
        phase, node = self.stops[index - 1]
        return not (
            (phase == "forward" and node[0] == "z") or (phase == "backward" and node[0] == "a")
        )

    def node_phases(self, node: str) -> tuple[str, ...]:
        """The phases in which ``node`` is a stop (empty for an unknown node)."""
        return tuple(p for p, n in self.stops if n == node)

    def flatten(self, params: Mapping[str, Array]) -> Array:
        """Parameters by name → one read-only vector in file order."""
        flat = np.concatenate([np.ravel(params[name]) for name in self.shapes])
        flat.flags.writeable = False
        return flat

    def unflatten(self, flat: Array, name: str) -> Array:
        """One parameter (a read-only view) out of a flat vector."""
        return flat[self.slices[name]].reshape(self.shapes[name])

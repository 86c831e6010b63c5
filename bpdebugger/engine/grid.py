"""A grid over the input plane, and the network's values on it, for the plots.

The decision-boundary, hidden-space and unit-map plots all ask one question: what
does the network compute at every point of a plane of inputs? Two chosen input
features span the plane; any other features are held at their mean over the data,
so a network with more inputs is seen through a slice. The grid's points go
through the network as ONE batch (Network.forward is vectorised over columns):
a 200×200 grid is a single (n1, 40 000) forward pass.

Images are row-major, as the plots show them: value[i, j] is at x = xs[j],
y = ys[i], so row 0 is the bottom of the plot (the lowest y).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from .network import Array, Network

DEFAULT_RESOLUTION = 200


class InputGrid:
    """A resolution × resolution grid over features ``features`` of the input.

    x_range, y_range: (low, high) of the two chosen features (x is ``features[0]``).
    means: the value of every input feature, (n1,); the chosen two are overwritten by
    the grid, the others stay at these values. Without means, the input has
    max(features) + 1 features and the others are 0.
    """

    def __init__(
        self,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        resolution: int = DEFAULT_RESOLUTION,
        features: Sequence[int] = (0, 1),
        means: npt.ArrayLike | None = None,
    ) -> None:
        if resolution < 2:
            raise ValueError(f"InputGrid: resolution must be at least 2, got {resolution}")
        fx, fy = (int(f) for f in features)
        if fx == fy:
            raise ValueError(f"InputGrid: two different features are needed, got {fx} twice")
        if means is None:
            means = np.zeros(max(fx, fy) + 1)
        self.means: Array = np.array(means, dtype=np.float64).reshape(-1)
        n1 = len(self.means)
        if not (0 <= fx < n1 and 0 <= fy < n1):
            raise ValueError(f"InputGrid: features {(fx, fy)} out of range for {n1} inputs")
        self.features = (fx, fy)
        self.resolution = int(resolution)
        self.x_range = (float(x_range[0]), float(x_range[1]))
        self.y_range = (float(y_range[0]), float(y_range[1]))
        self.xs: Array = np.linspace(*self.x_range, self.resolution)
        self.ys: Array = np.linspace(*self.y_range, self.resolution)

    @classmethod
    def around(
        cls,
        x: npt.ArrayLike,
        features: Sequence[int] = (0, 1),
        margin: float = 0.25,
        resolution: int = DEFAULT_RESOLUTION,
    ) -> InputGrid:
        """A grid covering samples x (N, n1) on ``features``, each side widened by
        ``margin`` times the data's span; the other features at the data's mean."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or len(x) == 0:
            raise ValueError(f"InputGrid.around: expected samples as rows (N, n1), got {x.shape}")
        ranges = []
        for f in features:
            lo, hi = float(x[:, f].min()), float(x[:, f].max())
            # One distinct value has no span: a unit-wide window keeps the point in view.
            span = hi - lo if hi > lo else 1.0
            ranges.append((lo - margin * span, hi + margin * span))
        return cls(ranges[0], ranges[1], resolution, features, x.mean(axis=0))

    @property
    def n_inputs(self) -> int:
        return len(self.means)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of an image on this grid: (len(ys), len(xs))."""
        return (self.resolution, self.resolution)

    @property
    def step(self) -> tuple[float, float]:
        """The spacing of the grid points in x and y."""
        return (
            (self.x_range[1] - self.x_range[0]) / (self.resolution - 1),
            (self.y_range[1] - self.y_range[0]) / (self.resolution - 1),
        )

    @cached_property
    def points(self) -> Array:
        """Every grid point as a column of inputs, (n1, R·R), row by row (read-only):
        point i·R + j is (xs[j], ys[i]). Built once: plots evaluate it many times."""
        R = self.resolution
        fx, fy = self.features
        out = np.empty((self.n_inputs, R * R))
        out[:] = self.means[:, None]
        out[fx] = np.tile(self.xs, R)
        out[fy] = np.repeat(self.ys, R)
        out.flags.writeable = False
        return out

    def same_as(self, other: InputGrid | None) -> bool:
        """Whether ``other`` covers the same points (so its cached points can be reused)."""
        return (
            other is not None
            and other.features == self.features
            and other.resolution == self.resolution
            and other.x_range == self.x_range
            and other.y_range == self.y_range
            and np.array_equal(other.means, self.means)
        )


@dataclass(frozen=True)
class GridValues:
    """What the network computes on a grid.

    output: a[L] at every grid point, (n_L, R, R); hidden: a[l] for each hidden layer
    l = 2 … L−1, (n_l, R, R). Row-major images, as InputGrid describes. net: a copy of
    the network they were computed with, for the next ``evaluate`` to tell which layers
    changed since.
    """

    grid: InputGrid
    output: Array
    hidden: dict[int, Array]
    net: Network


def evaluate(net: Network, grid: InputGrid, previous: GridValues | None = None) -> GridValues:
    """The network's activations over ``grid``, from one forward pass over all its points.

    ``previous``: what an earlier version of the network computed on the same points. The
    layers before the first whose parameters changed keep their values from it: at an
    update of W[L] or b[L] only the output layer is computed again, and the values are
    the same as a full pass (the same operations on the same numbers).
    """
    if grid.n_inputs != net.sizes[0]:
        raise ValueError(
            f"evaluate: the grid has {grid.n_inputs} inputs, the network {net.sizes[0]}"
        )
    R = grid.resolution
    first = _first_changed(net, grid, previous)
    if first == 2:
        kept: dict[int, Array] = {}
        x = grid.points
    else:
        assert previous is not None
        kept = {l: previous.hidden[l] for l in range(2, first)}
        x = kept[first - 1].reshape(net.sizes[first - 2], R * R)
    # A diverged network (inf or NaN weights) is something to show, not a warning to raise.
    with np.errstate(all="ignore"):
        _, a = net.forward(x, first)
    hidden = kept | {l: a[l].reshape(net.sizes[l - 1], R, R) for l in range(first, net.L)}
    return GridValues(grid, a[net.L].reshape(net.sizes[-1], R, R), hidden, net.copy())


def _first_changed(net: Network, grid: InputGrid, previous: GridValues | None) -> int:
    """The first layer whose values on ``grid`` may differ from ``previous``: 2 (all of
    them) without a comparable previous, at most L (the output is always recomputed)."""
    if previous is None:
        return 2
    before = previous.net
    if (
        not grid.same_as(previous.grid)
        or before.sizes != net.sizes
        or before.activation_names != net.activation_names
    ):
        return 2
    for l in range(2, net.L):
        if not (np.array_equal(before.W[l], net.W[l]) and np.array_equal(before.b[l], net.b[l])):
            return l
    return net.L

"""Level lines of a grid of values: vectorised marching squares, and the item that draws them.

pyqtgraph's IsocurveItem walks every cell of the grid in Python (tens of milliseconds
on 200×200) and does it lazily at paint time; the boundary must redraw in a few
milliseconds. Only the cells the line crosses need any work, and NumPy finds those
in one pass, so this costs well under a millisecond on a 200×200 grid.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg

Array = npt.NDArray[np.float64]

# The edges of a cell, in the order of the columns of ``_edge_points``.
_BOTTOM, _RIGHT, _TOP, _LEFT = range(4)

# Saddle cells (opposite corners on the same side) hold two segments; which corners the
# segments cut off depends on the centre value (the mean of the four corners).
# code 5: bottom-left and top-right above; code 10: bottom-right and top-left above.
_SADDLE_PAIRS = {
    (5, True): ((_BOTTOM, _RIGHT), (_LEFT, _TOP)),  # centre joins bl–tr: cut br and tl off
    (5, False): ((_BOTTOM, _LEFT), (_RIGHT, _TOP)),
    (10, True): ((_BOTTOM, _LEFT), (_RIGHT, _TOP)),  # centre joins br–tl: cut bl and tr off
    (10, False): ((_BOTTOM, _RIGHT), (_LEFT, _TOP)),
}


def contour_segments(values: Array, xs: Array, ys: Array, level: float) -> tuple[Array, Array]:
    """The line segments where ``values`` crosses ``level``.

    values: (len(ys), len(xs)), row-major: values[i, j] is at (xs[j], ys[i]).
    Returns x, y of 2·n points, one segment per consecutive pair (draw with
    connect="pairs"). Crossings are placed by linear interpolation along the cell's
    edges; non-finite values cross nothing.
    """
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        above = v >= level  # NaN compares False: it is "below" and its segments are dropped
    # Corner bits: 1 bottom-left, 2 bottom-right, 4 top-right, 8 top-left.
    code = (
        above[:-1, :-1].astype(np.uint8)
        | (above[:-1, 1:].astype(np.uint8) << 1)
        | (above[1:, 1:].astype(np.uint8) << 2)
        | (above[1:, :-1].astype(np.uint8) << 3)
    )
    i, j = np.nonzero((code != 0) & (code != 15))
    if len(i) == 0:
        return np.empty(0), np.empty(0)
    c = code[i, j]
    bl, br, tr, tl = v[i, j], v[i, j + 1], v[i + 1, j + 1], v[i + 1, j]
    x0, x1, y0, y1 = xs[j], xs[j + 1], ys[i], ys[i + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        # where the level falls along each edge: t = (level − v_a) / (v_b − v_a)
        t_bottom = (level - bl) / (br - bl)
        t_right = (level - br) / (tr - br)
        t_top = (level - tl) / (tr - tl)
        t_left = (level - bl) / (tl - bl)
    # (cells, edge, xy)
    points = np.empty((len(i), 4, 2))
    points[:, _BOTTOM] = np.column_stack([x0 + t_bottom * (x1 - x0), y0])
    points[:, _RIGHT] = np.column_stack([x1, y0 + t_right * (y1 - y0)])
    points[:, _TOP] = np.column_stack([x0 + t_top * (x1 - x0), y1])
    points[:, _LEFT] = np.column_stack([x0, y0 + t_left * (y1 - y0)])
    bits = (c[:, None] >> np.arange(4, dtype=np.uint8)) & 1  # bl, br, tr, tl
    # an edge is crossed where its two corners lie on different sides of the level
    crossed = np.column_stack(
        [
            bits[:, 0] != bits[:, 1],  # bottom: bl–br
            bits[:, 1] != bits[:, 2],  # right: br–tr
            bits[:, 3] != bits[:, 2],  # top: tl–tr
            bits[:, 0] != bits[:, 3],  # left: bl–tl
        ]
    )
    saddle = (c == 5) | (c == 10)
    plain = np.nonzero(~saddle)[0]
    # Each plain cell crosses exactly two edges; nonzero lists them row by row.
    _, edge = np.nonzero(crossed[plain])
    edge = edge.reshape(-1, 2)
    starts = [points[plain, edge[:, 0]]]
    ends = [points[plain, edge[:, 1]]]
    for k in np.nonzero(saddle)[0]:
        centre = 0.25 * (bl[k] + br[k] + tr[k] + tl[k]) >= level
        for a, b in _SADDLE_PAIRS[(int(c[k]), bool(centre))]:
            starts.append(points[k, a][None])
            ends.append(points[k, b][None])
    segments = np.stack([np.concatenate(starts), np.concatenate(ends)], axis=1)  # (n, 2, 2)
    segments = segments[np.isfinite(segments).all(axis=(1, 2))]
    return segments[:, :, 0].reshape(-1), segments[:, :, 1].reshape(-1)


class ContourItem(pg.PlotCurveItem):
    """A level line of a grid of values, recomputed by ``set_values`` (one setData)."""

    def __init__(self, level: float = 0.5, **options: object) -> None:
        super().__init__(connect="pairs", **options)
        self.level = float(level)

    def set_values(self, values: Array, xs: Array, ys: Array, level: float | None = None) -> None:
        """Draw the line where values (len(ys), len(xs)) equal the level (or a new one)."""
        if level is not None:
            self.level = float(level)
        x, y = contour_segments(values, xs, ys, self.level)
        self.setData(x, y, connect="pairs")

    def set_segments(self, x: Array, y: Array) -> None:
        """Draw segments computed elsewhere (pairs of points), e.g. several classes' edges."""
        self.setData(x, y, connect="pairs")

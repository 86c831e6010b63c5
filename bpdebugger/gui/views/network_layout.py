"""Where the network view puts things: pure geometry in scene units, no Qt.

One layer is one column. Layer 1 is a column of circles (x₁, x₂, …). Every later
layer l is a column of neurons, each the pair the notes call z[l] and a[l]: a small
rounded box z (the sum W·a + b, where the edges arrive) joined to a circle a
(the activation f(z), where the outgoing edges leave). The bias of layer l is a
"+1" square in a row above the network, over column l−1, with one dashed edge to
each unit of layer l. The loss node l sits right of the output column.

Sizes follow the font (``f``, pixels of the value font, already scaled by the
zoom) so a number always fits in its neuron, while the length of the edges has
a floor in absolute units: zooming makes the text bigger relative to the wiring,
and the view then fits the whole scene into its window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Layout:
    """Positions of one architecture at one font size. Units: scene pixels."""

    sizes: tuple[int, ...]
    f: float  # value font size
    R: float  # neuron (a) circle radius
    wz: float  # z box width
    hz: float  # z box height
    wc: float  # gradient chip width
    hc: float  # gradient chip height
    hb: float  # bias square side
    S: float  # vertical pitch of the units in a column
    xa: dict[int, float]  # centre x of the a circles of layer l (1…L)
    xz: dict[int, float]  # centre x of the z boxes of layer l (2…L)
    y_bias: float
    y_header: float
    y_footer: float
    y_banner: float
    y_legend: float
    loss_x: float
    wl: float  # loss box width
    hl: float  # loss box height
    left: float
    right: float

    @property
    def L(self) -> int:
        return len(self.sizes)

    @property
    def top(self) -> float:
        return self.y_banner - 1.2 * self.f

    @property
    def bottom(self) -> float:
        return self.y_legend + 1.2 * self.f

    def y(self, l: int, i: int) -> float:
        """Centre y of unit i of layer l: each column centred on y = 0."""
        return (i - (self.sizes[l - 1] - 1) / 2.0) * self.S

    def xb(self, l: int) -> float:
        """Centre x of the "+1" square of b[l]: over the a circles of column l−1."""
        return self.xa[l - 1]

    def chip_centre(self, part: str, l: int, i: int) -> tuple[float, float]:
        """Where the gradient chip ∂l/∂z[l]ᵢ or ∂l/∂a[l]ᵢ sits: just under its element."""
        x = self.xz[l] if part == "z" else self.xa[l]
        below = max(self.R, self.hz / 2)
        return x, self.y(l, i) + below + 0.2 * self.f + self.hc / 2

    def weight_segment(self, l: int, i: int, j: int) -> tuple[float, float, float, float]:
        """W[l][i, j]: from the right of circle j in layer l−1 to the left of z box i."""
        return (
            self.xa[l - 1] + self.R,
            self.y(l - 1, j),
            self.xz[l] - self.wz / 2,
            self.y(l, i),
        )

    def bias_segment(self, l: int, i: int) -> tuple[float, float, float, float]:
        """b[l][i]: from the bottom of the "+1" square to the left of z box i."""
        return (
            self.xb(l) + self.hb / 2,
            self.y_bias + self.hb / 2,
            self.xz[l] - self.wz / 2,
            self.y(l, i),
        )

    def loss_segment(self, i: int) -> tuple[float, float, float, float]:
        """ŷᵢ into the loss node."""
        return self.xa[self.L] + self.R, self.y(self.L, i), self.loss_x - self.wl / 2, 0.0


def compute_layout(
    sizes: tuple[int, ...],
    f: float,
    number_width: float,
    chip_number_width: float,
    show_z: bool,
    loss_width: float = 0.0,
    header_room: float = 0.0,
) -> Layout:
    """Lay out ``sizes`` for a value font of ``f`` pixels.

    ``number_width`` is the advance of the widest short number ("−0.00") in the
    value font and ``chip_number_width`` in the chip font; ``show_z`` widens the
    z boxes to hold a number instead of a "Σ"; ``loss_width`` is the width of the
    widest loss text ("l = −0.00") in its font; ``header_room`` the distance the
    headers "z[l]" and "a[l]" (with a breakpoint dot) need between their centres.
    """
    L = len(sizes)
    n_max = max(sizes)
    R = 0.5 * number_width + 0.45 * f
    hz = 1.5 * f
    wz = number_width + 0.6 * f if show_z else 1.5 * f
    hc = 1.25 * 0.85 * f
    wc = chip_number_width + 0.6 * f
    hb = 1.5 * f
    S = max(2 * R, hz) + hc + 0.9 * f
    column_height = (n_max - 1) * S
    # The edges' run has a floor in absolute units (see the module docstring) and grows
    # with tall columns, so a fan of 16 × 16 edges does not become a vertical blur.
    run = max(140.0, 5.0 * f, 0.3 * column_height)
    # Between a z box and its circle: wide enough that the chips ∂l/∂z and ∂l/∂a sit
    # side by side on one row under the unit without touching.
    gap = max(0.6 * f, wc + 0.4 * f - wz / 2 - R, header_room - wz / 2 - R)
    left = 0.0
    xa = {1: left + 2.2 * f + R}  # room for the x₁ labels on the left
    xz: dict[int, float] = {}
    for l in range(2, L + 1):
        xz[l] = xa[l - 1] + R + run + wz / 2
        xa[l] = xz[l] + wz / 2 + gap + R
    wl = max(loss_width + 1.2 * f, number_width + 1.2 * f, 3.0 * f)
    hl = 2.8 * f
    loss_x = xa[L] + R + 0.6 * run + wl / 2
    right = loss_x + wl / 2 + 0.8 * f
    top_units = -column_height / 2 - R
    y_bias = top_units - 1.2 * f - hb / 2
    y_header = y_bias - hb / 2 - 1.3 * f
    y_banner = y_header - 2.0 * f
    bottom_units = column_height / 2 + max(R, hz / 2) + 0.2 * f + hc
    y_footer = bottom_units + 1.0 * f
    y_legend = y_footer + 1.9 * f
    return Layout(
        sizes=tuple(sizes),
        f=f,
        R=R,
        wz=wz,
        hz=hz,
        wc=wc,
        hc=hc,
        hb=hb,
        S=S,
        xa=xa,
        xz=xz,
        y_bias=y_bias,
        y_header=y_header,
        y_footer=y_footer,
        y_banner=y_banner,
        y_legend=y_legend,
        loss_x=loss_x,
        wl=wl,
        hl=hl,
        left=left,
        right=right,
    )


@dataclass(frozen=True)
class Target:
    """Something a click or a hover can land on: a node element or a parameter edge.

    kind: "x" (input unit), "a", "z", "loss", "bias_node", "header", "weight", "bias".
    name: the node or parameter name ("a[2]", "z[3]", "l", "b[3]", "W[2]"…).
    index: the unit (i,) or the parameter element ((i, j) for W, (i,) for b); () otherwise.
    """

    kind: str
    name: str
    index: tuple[int, ...] = ()


def hit_element(layout: Layout, x: float, y: float) -> Target | None:
    """The neuron, z box, gradient chip, bias square or loss node under (x, y), or None."""
    lay = layout
    for l in range(1, lay.L + 1):
        dx = x - lay.xa[l]
        if abs(dx) <= lay.R:
            i = _nearest_unit(lay, l, y)
            if dx * dx + (y - lay.y(l, i)) ** 2 <= lay.R * lay.R:
                return Target("x" if l == 1 else "a", f"a[{l}]", (i,))
        if l >= 2 and abs(x - lay.xz[l]) <= lay.wz / 2:
            i = _nearest_unit(lay, l, y)
            if abs(y - lay.y(l, i)) <= lay.hz / 2:
                return Target("z", f"z[{l}]", (i,))
        if l >= 2 and abs(x - lay.xb(l)) <= lay.hb / 2 and abs(y - lay.y_bias) <= lay.hb / 2:
            return Target("bias_node", f"b[{l}]")
        # a gradient chip answers for its element: its tooltip holds the gradient too
        for part in ("a", "z") if l >= 2 else ("a",):
            cx, cy0 = lay.chip_centre(part, l, 0)
            if abs(x - cx) <= lay.wc / 2:
                below = cy0 - lay.y(l, 0)  # the same offset under every unit
                i = _nearest_unit(lay, l, y - below)
                if abs(y - below - lay.y(l, i)) <= lay.hc / 2:
                    return Target("x" if l == 1 else part, f"{part}[{l}]", (i,))
    if abs(x - lay.loss_x) <= lay.wl / 2 and abs(y) <= lay.hl / 2:
        return Target("loss", "l")
    return None


def _nearest_unit(layout: Layout, l: int, y: float) -> int:
    n = layout.sizes[l - 1]
    return int(min(max(round(y / layout.S + (n - 1) / 2.0), 0), n - 1))


class EdgeIndex:
    """All parameter edges as segments, for a vectorised nearest-edge search."""

    def __init__(self, layout: Layout) -> None:
        segments: list[tuple[float, float, float, float]] = []
        self.targets: list[Target] = []
        for l in range(2, layout.L + 1):
            for i in range(layout.sizes[l - 1]):
                for j in range(layout.sizes[l - 2]):
                    segments.append(layout.weight_segment(l, i, j))
                    self.targets.append(Target("weight", f"W[{l}]", (i, j)))
                segments.append(layout.bias_segment(l, i))
                self.targets.append(Target("bias", f"b[{l}]", (i,)))
        self.segments: Array = np.asarray(segments, dtype=np.float64).reshape(-1, 4)

    def nearest(self, x: float, y: float, tolerance: float) -> Target | None:
        """The edge closest to (x, y) if it is within ``tolerance``, else None."""
        if not len(self.segments):
            return None
        x1, y1, x2, y2 = self.segments.T
        dx, dy = x2 - x1, y2 - y1
        length2 = np.maximum(dx * dx + dy * dy, 1e-12)
        t = np.clip(((x - x1) * dx + (y - y1) * dy) / length2, 0.0, 1.0)
        d2 = (x1 + t * dx - x) ** 2 + (y1 + t * dy - y) ** 2
        k = int(np.argmin(d2))
        return self.targets[k] if d2[k] <= tolerance * tolerance else None

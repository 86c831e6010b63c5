"""Hidden space: the data as a hidden layer sees it, and the output's line there.

Each sample is drawn at its hidden activations (a[l]ᵢ, a[l]ⱼ) instead of its inputs;
the input plane's grid lines, carried through the same layers, show how the layer
bends and folds the plane. For the last hidden layer, the output layer is a linear
read-out followed by its activation: one output splits this space by the straight line
W[L]·h + b[L] = z* (z* = 0 for a sigmoid output: ŷ = ½ there), and the background
shows what the output would say at every h. This is where XOR becomes separable:
the inputs cannot be split by a line, their tanh images can.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from ...debugger import Session
from ...engine.grid import InputGrid
from ...engine.network import Array, Network
from .. import theme
from ..qt_session import QtSession
from .boundary_plot import BOUNDARY_PEN, class_edges, class_rgb, marker_size, scatter
from .field_image import FieldImage
from .plot_base import (
    InputPlot,
    all_inputs,
    chooser,
    class_colours,
    class_of,
    fill_combo,
    make_plot_widget,
    note_label,
    rect_of,
    set_curve,
    set_points,
    stack_vertically,
    subscript,
    zoom_plot,
)
from .plot_contour import ContourItem
from .ring_item import RingItem

# The input plane's grid lines carried through the layers: enough lines to read the
# folding, enough samples per line to draw the bends smoothly.
MESH_LINES = 17
MESH_SAMPLES = 80
MESH_PEN = pg.mkPen(QtGui.QColor(90, 90, 90, 130), width=1)
# The background's grid over the hidden plane, and how much of the colour it shows.
BACKGROUND_RESOLUTION = 120
BACKGROUND_OPACITY = 0.55

# Activations whose outputs stay in a fixed interval: the view keeps that interval, so
# the picture does not jump as the network trains.
BOUNDED = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}

# z* with f(z*) = ½, the one-output prediction threshold, for each output activation.
THRESHOLD_Z = {
    "sigmoid": 0.0,
    "tanh": math.atanh(0.5),
    "identity": 0.5,
    "relu": 0.5,
    "leaky_relu": 0.5,
}


def mesh_points(grid: InputGrid, lines: int = MESH_LINES, samples: int = MESH_SAMPLES) -> Array:
    """Inputs along the grid lines of the plane, (n1, 2·lines·samples): first the lines
    of constant x (each ``samples`` long), then those of constant y."""
    fx, fy = grid.features
    at = np.linspace(0.0, 1.0, lines)
    along = np.linspace(0.0, 1.0, samples)
    (x0, x1), (y0, y1) = grid.x_range, grid.y_range
    xs_const, ys_along = np.meshgrid(x0 + at * (x1 - x0), y0 + along * (y1 - y0), indexing="ij")
    ys_const, xs_along = np.meshgrid(y0 + at * (y1 - y0), x0 + along * (x1 - x0), indexing="ij")
    out = np.empty((grid.n_inputs, 2 * lines * samples))
    out[:] = grid.means[:, None]
    out[fx] = np.concatenate([xs_const.reshape(-1), xs_along.reshape(-1)])
    out[fy] = np.concatenate([ys_along.reshape(-1), ys_const.reshape(-1)])
    return out


def broken_lines(values: Array, samples: int = MESH_SAMPLES) -> Array:
    """Consecutive runs of ``samples`` values with a NaN after each (connect="finite")."""
    runs = values.reshape(-1, samples)
    return np.hstack([runs, np.full((len(runs), 1), np.nan)]).reshape(-1)


def output_line(
    w: Array, b: float, z_star: float, box: tuple[float, float, float, float]
) -> tuple[Array, Array]:
    """Two points of the line w·h + b = z* across ``box`` (x0, x1, y0, y1); w has one
    entry (a vertical line at h₁) or two. Empty if the weights are all zero."""
    x0, x1, y0, y1 = box
    c = z_star - b
    w1 = float(w[0])
    w2 = float(w[1]) if len(w) > 1 else 0.0
    if not (math.isfinite(w1) and math.isfinite(w2) and math.isfinite(c)):
        return np.empty(0), np.empty(0)
    if abs(w2) > abs(w1):  # closer to horizontal: h₂ as a function of h₁
        h1 = np.array([x0, x1])
        return h1, (c - w1 * h1) / w2
    if w1 != 0.0:
        h2 = np.array([y0, y1])
        return (c - w2 * h2) / w1, h2
    return np.empty(0), np.empty(0)


class HiddenSpacePlot(InputPlot):
    """The samples at their hidden activations, the warped input grid and the output's line."""

    marks_follow_net = True

    def __init__(self, qt: QtSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(qt, parent)
        self.layer_choice = chooser("The hidden layer whose activations span the plane")
        self.unit_x = chooser("The unit along the horizontal axis")
        self.unit_y = chooser("The unit along the vertical axis")
        self.controls = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(self.controls)
        row.setContentsMargins(4, 2, 4, 2)
        self.layer_label = QtWidgets.QLabel("Layer:")
        self.units_label = QtWidgets.QLabel("Units:")
        for w in (self.layer_label, self.layer_choice, self.units_label, self.unit_x):
            row.addWidget(w)
        self.by_label = QtWidgets.QLabel("×")
        row.addWidget(self.by_label)
        row.addWidget(self.unit_y)
        row.addStretch(1)

        self.graphics = make_plot_widget()
        self.plot: pg.PlotItem = self.graphics.getPlotItem()
        self.background = FieldImage()
        self.background.setColorMap(theme.DIVERGING)
        self.class_background = pg.ImageItem(axisOrder="row-major")
        for item in (self.background, self.class_background):
            item.setZValue(-10)
            item.setOpacity(BACKGROUND_OPACITY)
        # Lines of constant x₁ and of constant x₂, each broken by NaN between lines.
        self.mesh_x = pg.PlotCurveItem(pen=MESH_PEN, connect="finite")
        self.mesh_y = pg.PlotCurveItem(pen=MESH_PEN, connect="finite")
        self.line = pg.PlotCurveItem(pen=BOUNDARY_PEN)  # one output: W[L]·h + b[L] = z*
        self.edges = ContourItem(0.0, pen=BOUNDARY_PEN)  # several: where the arg-max changes
        for item in (self.line, self.edges):
            item.setZValue(5)
        self.train_points = scatter("o", 9)
        self.test_points = scatter("t", 11)
        for item in (self.train_points, self.test_points):
            item.setZValue(10)
        self.ring = RingItem()
        self.ring.setZValue(20)
        for item in (
            self.background,
            self.class_background,
            self.mesh_x,
            self.mesh_y,
            self.train_points,
            self.test_points,
            self.ring,
        ):
            self.plot.addItem(item)
        # The line reaches across the whole box: it must not widen the view.
        self.plot.addItem(self.line, ignoreBounds=True)
        self.plot.addItem(self.edges)

        self.note = note_label()
        stack_vertically(self, self.controls, self.graphics, self.note, stretch=1)

        self.layer: int | None = None
        self.units: tuple[int, int | None] = (0, 1)
        self.hidden_train: Array = np.empty((0, 0))  # a[l] of the training samples, (n_l, N)
        self.box: tuple[float, float, float, float] = (-1.0, 1.0, -1.0, 1.0)
        self._labels: dict[str, str] = {}
        self._title = ""
        self.layer_choice.currentIndexChanged.connect(self._on_layer_chosen)
        self.unit_x.currentIndexChanged.connect(lambda _: self._on_unit_chosen(0))
        self.unit_y.currentIndexChanged.connect(lambda _: self._on_unit_chosen(1))
        self._connect()

    # --- per session --------------------------------------------------------------------

    def _setup(self, session: Session) -> None:
        spec = session.spec
        self.hidden_layers = list(range(2, len(spec.sizes)))
        has_hidden = bool(self.hidden_layers)
        self.graphics.setVisible(has_hidden)
        self.controls.setVisible(has_hidden)
        if not has_hidden:
            self.layer = None
            self.note.setText("This network has no hidden layer: its inputs are its only space.")
            return
        names = [
            f"a[{l}]  ({spec.activations[l - 2]}, {spec.sizes[l - 1]} units)"
            for l in self.hidden_layers
        ]
        fill_combo(self.layer_choice, names, len(names) - 1)  # the last: the output reads it
        self.layer_choice.setVisible(len(names) > 1)
        self.layer_label.setVisible(len(names) > 1)

        k = max(2, spec.sizes[-1])
        self.colours = class_colours(k)
        brushes = [pg.mkBrush(c) for c in self.colours]
        data = spec.dataset
        self._train_brushes = [brushes[c] for c in class_of(spec, data.y)]
        self._test_brushes = [brushes[c] for c in class_of(spec, data.y_test)]
        self._size = marker_size(len(data.x) + len(data.x_test))
        n1 = spec.sizes[0]
        features = (0, 1) if n1 >= 2 else None
        self._mesh = None
        if features is not None:
            grid = InputGrid.around(all_inputs(spec), features, 0.25, resolution=2)
            self._mesh = mesh_points(grid)
        self._held = n1 > 2
        self._choose_layer(self.hidden_layers[-1])

    def _choose_layer(self, l: int) -> None:
        spec = self.session.spec
        self.layer = l
        n = spec.sizes[l - 1]
        names = [f"a[{l}]{subscript(i + 1)}" for i in range(n)]
        fill_combo(self.unit_x, names, 0)
        fill_combo(self.unit_y, names, min(1, n - 1))
        for w in (self.units_label, self.unit_x, self.by_label, self.unit_y):
            w.setVisible(n > 2)
        self.units = (0, 1 if n > 1 else None)
        self.controls.setVisible(len(self.hidden_layers) > 1 or n > 2)
        self._place()

    def _on_layer_chosen(self, index: int) -> None:
        if self.layer is not None and 0 <= index < len(self.hidden_layers):
            self._choose_layer(self.hidden_layers[index])
            self._redraw_now()

    def _on_unit_chosen(self, which: int) -> None:
        i, j = self.unit_x.currentIndex(), self.unit_y.currentIndex()
        if i == j and self.units[1] is not None:
            # Picking the other axis's unit swaps the two, rather than a diagonal.
            other = self.unit_y if which == 0 else self.unit_x
            other.blockSignals(True)
            other.setCurrentIndex(self.units[which])
            other.blockSignals(False)
            i, j = self.unit_x.currentIndex(), self.unit_y.currentIndex()
        self.units = (i, j if self.units[1] is not None else None)
        self._place()
        self._redraw_now()

    def _place(self) -> None:
        """Axis labels, title, the note and, for bounded activations, the fixed view."""
        spec = self.session.spec
        l = self.layer
        assert l is not None
        i, j = self.units
        n = spec.sizes[l - 1]
        last = l == len(spec.sizes) - 1
        self._labels = {
            "bottom": f"a[{l}]{subscript(i + 1)}",
            "left": f"a[{l}]{subscript(j + 1)}" if j is not None else "",
        }
        self._title = f"The samples in the space of a[{l}]"
        # The output's decision in this plane is only known when the plane is all the
        # output reads: the last hidden layer, with its every unit on an axis.
        self.shows_output = last and n <= 2
        notes = []
        L = len(spec.sizes)
        if self.shows_output and spec.sizes[-1] == 1:
            notes.append(
                f"Line: W[{L}]·a[{l}] + b[{L}] = {THRESHOLD_Z.get(spec.activations[-1], 0.0):.3g},"
                " where ŷ = ½; background: ŷ at each point of this plane."
            )
        elif self.shows_output:
            notes.append("Background: the output's arg-max class at each point of this plane.")
        elif not last:
            notes.append(f"a[{l}] feeds another hidden layer: the output's line is not here.")
        else:
            notes.append(
                f"Units {i + 1} and {j + 1 if j is not None else ''} of {n}: the output reads "
                f"all {n}, so its line cannot be drawn in this plane."
            )
        if n == 1:
            notes.append("One unit: its value along x, 0 along y.")
        notes.append(f"Grey lines: the input grid of x₁, x₂ carried through to a[{l}].")
        if self._held:
            notes.append("The other inputs are held at their mean.")
        self.note.setText(" ".join(notes))
        self.background.setVisible(self.shows_output and spec.sizes[-1] == 1)
        self.class_background.setVisible(self.shows_output and spec.sizes[-1] > 1)
        self.line.setVisible(self.shows_output and spec.sizes[-1] == 1)
        self.edges.setVisible(self.shows_output and spec.sizes[-1] > 1)
        bounds = BOUNDED.get(spec.activations[l - 2])
        self._bounded = bounds is not None
        if bounds is not None:
            lo, hi = bounds
            pad = 0.06 * (hi - lo)
            y_lo, y_hi = (lo - pad, hi + pad) if j is not None else (-0.5, 0.5)
            self.box = (lo - pad, hi + pad, y_lo, y_hi)
            self.plot.setRange(xRange=self.box[:2], yRange=self.box[2:], padding=0)
        self._apply_zoom(self._font())

    # --- drawing ------------------------------------------------------------------------

    def _coords(self, a: Array) -> tuple[Array, Array]:
        """The plot's x and y of activations a (n_l, M) of the chosen units."""
        i, j = self.units
        return a[i], (a[j] if j is not None else np.zeros(a.shape[1]))

    def _draw(self, net: Network) -> None:
        l = self.layer
        if l is None:
            return
        data = self.session.spec.dataset
        with np.errstate(all="ignore"):
            a_train = net.forward(np.ascontiguousarray(data.x.T))[1][l]
            a_test = net.forward(np.ascontiguousarray(data.x_test.T))[1][l]
            self.hidden_train = a_train
            tx, ty = self._coords(a_train)
            set_points(self.train_points, tx, ty, brush=self._train_brushes, size=self._size)
            sx, sy = self._coords(a_test)
            set_points(self.test_points, sx, sy, brush=self._test_brushes, size=self._size * 1.15)
            if self._mesh is not None:
                mx, my = self._coords(net.forward(self._mesh)[1][l])
                half = len(mx) // 2
                set_curve(self.mesh_x, broken_lines(mx[:half]), broken_lines(my[:half]))
                set_curve(self.mesh_y, broken_lines(mx[half:]), broken_lines(my[half:]))
                if not self._bounded:
                    self._fit(np.concatenate([mx, tx, sx]), np.concatenate([my, ty, sy]))
            if self.shows_output:
                self._draw_output(net)

    def _fit(self, x: Array, y: Array) -> None:
        """An unbounded layer (relu, identity): the view follows the points and the mesh."""
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        if len(x) == 0 or len(y) == 0:
            return
        box = []
        for v in (x, y):
            lo, hi = float(v.min()), float(v.max())
            pad = 0.08 * (hi - lo) if hi > lo else 0.5
            box += [lo - pad, hi + pad]
        if self.units[1] is None:
            box[2:] = [-0.5, 0.5]
        self.box = (box[0], box[1], box[2], box[3])
        self.plot.setRange(xRange=self.box[:2], yRange=self.box[2:], padding=0)

    def _draw_output(self, net: Network) -> None:
        """The output layer's answer over the box of the hidden plane, and its line(s)."""
        spec = self.session.spec
        L = net.L
        x0, x1, y0, y1 = self.box
        R = BACKGROUND_RESOLUTION
        xs, ys = np.linspace(x0, x1, R), np.linspace(y0, y1, R)
        i, j = self.units
        h = np.empty((spec.sizes[L - 2], R * R))  # every unit of a[L−1] is on an axis
        h[i] = np.tile(xs, R)
        if j is not None:
            h[j] = np.repeat(ys, R)
        a = net.f[L].forward(net.W[L] @ h + net.b[L][:, None]).reshape(-1, R, R)
        rect = rect_of(xs, ys)
        if spec.sizes[-1] == 1:
            self.background.setImage(a[0], autoLevels=False, levels=(0.0, 1.0), rect=rect)
            z_star = THRESHOLD_Z.get(spec.activations[-1], 0.0)
            w = net.W[L][0, [i] if j is None else [i, j]]
            x, y = output_line(w, float(net.b[L][0]), z_star, self.box)
            self.line.setData(x, y)
        else:
            self.class_background.setImage(class_rgb(a, self.colours), autoLevels=False, rect=rect)
            self.edges.set_segments(*class_edges(a, xs, ys))

    def _mark(self, session: Session, net: Network) -> None:
        if self.layer is None:
            return
        with np.errstate(all="ignore"):
            a = net.forward(session.batch.x)[1][self.layer]
        x, y = self._coords(a)
        self.ring.setData(x, y)

    def _scene(self) -> QtWidgets.QGraphicsScene:
        return self.graphics.scene()

    def _apply_zoom(self, font: QtGui.QFont) -> None:
        zoom_plot(self.plot, font, self._labels, self._title)

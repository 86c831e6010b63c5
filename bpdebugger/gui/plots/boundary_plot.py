"""The decision boundary: what the network answers at every point of the input plane.

One output (bce, or squared_error on one unit): ŷ as a heatmap on the diverging map
centred at ½, with a colour bar, and the ŷ = ½ line where the prediction flips. Several
outputs (softmax): each region in the colour of its arg-max class, paler where the
network is less sure, and the lines where the arg-max changes. On top, the training
points (circles) and test points (triangles) in their label's colour, and a ring around
the current iteration's sample(s). With more than two inputs, two combos pick the
plane; the other inputs are held at their mean.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from ...debugger import Session
from ...engine.grid import GridValues, InputGrid, evaluate
from ...engine.network import Array, Network
from .. import theme
from ..qt_session import QtSession
from .plot_base import (
    POINT_OUTLINE,
    InputPlot,
    all_inputs,
    chooser,
    class_colours,
    class_of,
    fill_combo,
    grid_resolution,
    make_plot_widget,
    note_label,
    rect_of,
    stack_vertically,
    style_plot,
    subscript,
    zoom_plot,
)
from .plot_contour import ContourItem, contour_segments

# The regions' colours: a class colour mixed into this near-white, from a hint where the
# network is unsure to most of the colour where it is sure; the points keep the full
# colour, so they stand out from the region they sit in.
_PAPER = np.array([247.0, 247.0, 247.0])
_FAINTEST, _STRONGEST = 0.12, 0.75
_NOT_FINITE = np.array([127, 127, 127], dtype=np.uint8)

BOUNDARY_PEN = pg.mkPen("#111111", width=2)
RING_SIZE = 22


def class_rgb(p: Array, colours: list[QtGui.QColor]) -> npt.NDArray[np.uint8]:
    """An RGB image (R, R, 3) from class scores p (K, R, R): the arg-max class's colour,
    its strength growing with the confidence max p from 1/K (a toss-up) to 1 (certain)."""
    k = p.shape[0]
    palette = np.array([c.getRgb()[:3] for c in colours], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        top = p.argmax(axis=0)
        confidence = p.max(axis=0)
        shade = np.clip((confidence - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    strength = (_FAINTEST + (_STRONGEST - _FAINTEST) * shade)[..., None]
    rgb = _PAPER + (palette[top] - _PAPER) * strength
    out = np.rint(rgb).astype(np.uint8)
    out[~np.isfinite(p).all(axis=0)] = _NOT_FINITE
    return out


def class_edges(p: Array, xs: Array, ys: Array) -> tuple[Array, Array]:
    """Segments where the arg-max class of p (K, R, R) changes: the level 0 of each class's
    margin over the best other class. Every edge borders a class other than the last, so
    the last class's margin adds nothing."""
    k = p.shape[0]
    with np.errstate(invalid="ignore"):
        best = p.max(axis=0)
        second = np.partition(p, k - 2, axis=0)[k - 2]
    xs_all, ys_all = [], []
    for c in range(k - 1):
        with np.errstate(invalid="ignore"):
            margin = p[c] - np.where(p[c] >= best, second, best)
        x, y = contour_segments(margin, xs, ys, 0.0)
        xs_all.append(x)
        ys_all.append(y)
    return np.concatenate(xs_all), np.concatenate(ys_all)


def scatter(symbol: str, size: float) -> pg.ScatterPlotItem:
    """Points filled with their class colour; a white rim keeps a point visible on a region
    of its own colour (where the network has it right)."""
    return pg.ScatterPlotItem(symbol=symbol, size=size, pen=pg.mkPen(POINT_OUTLINE, width=1.5))


def marker_size(n: int) -> float:
    """A few points (the four of XOR) drawn large, hundreds small."""
    return 14.0 if n <= 20 else 10.0 if n <= 200 else 8.0


def ring_items() -> tuple[pg.ScatterPlotItem, pg.ScatterPlotItem]:
    """A black ring over a white halo: visible on every colour of the map."""
    halo = pg.ScatterPlotItem(
        symbol="o", size=RING_SIZE, pen=pg.mkPen("#FFFFFF", width=5), brush=None
    )
    ring = pg.ScatterPlotItem(
        symbol="o", size=RING_SIZE, pen=pg.mkPen("#000000", width=2), brush=None
    )
    halo.setZValue(20)
    ring.setZValue(21)
    return halo, ring


class BoundaryPlot(InputPlot):
    """The network's output over two input features, with the data and the current sample."""

    def __init__(self, qt: QtSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(qt, parent)
        self.feature_x = chooser("The input feature along the horizontal axis")
        self.feature_y = chooser("The input feature along the vertical axis")
        self.controls = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(self.controls)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(QtWidgets.QLabel("Plane:"))
        row.addWidget(self.feature_x)
        row.addWidget(QtWidgets.QLabel("×"))
        row.addWidget(self.feature_y)
        self.held_label = QtWidgets.QLabel()
        row.addWidget(self.held_label)
        row.addStretch(1)

        self.graphics = make_plot_widget()
        self.plot: pg.PlotItem = self.graphics.getPlotItem()
        self.plot.setMenuEnabled(True)
        # One output: ŷ on the diverging map through the colour bar (its LUT and levels).
        self.image = pg.ImageItem(axisOrder="row-major")
        # Several outputs: an RGB image made here, which no colour bar may touch.
        self.class_image = pg.ImageItem(axisOrder="row-major")
        for item in (self.image, self.class_image):
            item.setZValue(-10)
            self.plot.addItem(item)
        self.colour_bar = pg.ColorBarItem(
            values=(0.0, 1.0),
            colorMap=theme.DIVERGING,
            interactive=False,
            label="ŷ",
            colorMapMenu=False,
        )
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        style_plot(self.colour_bar)
        self.contour = ContourItem(0.5, pen=BOUNDARY_PEN)
        self.contour.setZValue(5)
        self.train_points = scatter("o", 9)
        self.test_points = scatter("t", 11)
        for item in (self.train_points, self.test_points):
            item.setZValue(10)
        self.ring_halo, self.ring = ring_items()
        for item in (self.contour, self.train_points, self.test_points, self.ring_halo, self.ring):
            self.plot.addItem(item)

        self.message = note_label(centred=True)
        stack_vertically(self, self.controls, self.graphics, self.message, stretch=1)

        self.grid: InputGrid | None = None
        self.values: GridValues | None = None  # what the images show
        self.multi = False
        self.colours: list[QtGui.QColor] = []
        self._labels: dict[str, str] = {}
        self._title = ""
        self.feature_x.currentIndexChanged.connect(lambda _: self._on_feature_chosen(0))
        self.feature_y.currentIndexChanged.connect(lambda _: self._on_feature_chosen(1))
        self._connect()

    # --- per session --------------------------------------------------------------------

    def _setup(self, session: Session) -> None:
        spec = session.spec
        n1 = spec.sizes[0]
        self.multi = spec.sizes[-1] > 1
        self.graphics.setVisible(n1 >= 2)
        self.message.setVisible(n1 < 2)
        self.message.setText(
            "The decision boundary needs two input features; this network has one."
            if n1 < 2
            else ""
        )
        names = [f"x{subscript(i + 1)}" for i in range(n1)]
        fill_combo(self.feature_x, names, 0)
        fill_combo(self.feature_y, names, min(1, n1 - 1))
        self.controls.setVisible(n1 > 2)
        self.grid = None
        self.values = None
        if n1 < 2:
            return

        self.image.setVisible(not self.multi)
        self.colour_bar.setVisible(not self.multi)
        self.class_image.setVisible(self.multi)
        # One output: ŷ = ½ where the prediction flips; several: each class's margin = 0.
        self.contour.level = 0.0 if self.multi else 0.5
        if self.multi:
            self._title = "Arg-max class, paler where unsure"
        else:
            self._title = "ŷ = P(class 1) and the ŷ = ½ line"

        k = max(2, spec.sizes[-1])
        colours = class_colours(k)
        # Points a shade darker than their class's region, so a well-classified point
        # still stands out from the region of its own colour.
        brushes = [pg.mkBrush(c.darker(150)) for c in colours]
        data = spec.dataset
        self._train_brushes = [brushes[c] for c in class_of(spec, data.y)]
        self._test_brushes = [brushes[c] for c in class_of(spec, data.y_test)]
        self.colours = colours
        self._place_grid()

    def _features(self) -> tuple[int, int]:
        return (self.feature_x.currentIndex(), self.feature_y.currentIndex())

    def _on_feature_chosen(self, which: int) -> None:
        fx, fy = self._features()
        if fx == fy and self.grid is not None:
            # Choosing the other axis's feature swaps the two, rather than a flat plane.
            other = self.feature_y if which == 0 else self.feature_x
            other.blockSignals(True)
            other.setCurrentIndex(self.grid.features[which])
            other.blockSignals(False)
        self._place_grid()
        self._redraw_now()

    def _place_grid(self) -> None:
        """The grid over the chosen features, the images' rectangles, the points, the range."""
        spec = self.session.spec
        features = self._features()
        resolution = grid_resolution(spec.sizes)
        self.grid = grid = InputGrid.around(all_inputs(spec), features, 0.25, resolution)
        # An ImageItem maps its pixels to a rectangle only once it holds an image: the
        # rectangle goes with every setImage.
        self._rect = rect_of(grid.xs, grid.ys)
        fx, fy = features
        data = spec.dataset
        size = marker_size(len(data.x) + len(data.x_test))
        self.train_points.setData(
            data.x[:, fx], data.x[:, fy], brush=self._train_brushes, size=size
        )
        self.test_points.setData(
            data.x_test[:, fx], data.x_test[:, fy], brush=self._test_brushes, size=size * 1.15
        )
        self.plot.setRange(xRange=grid.x_range, yRange=grid.y_range, padding=0)
        self._labels = {"bottom": f"x{subscript(fx + 1)}", "left": f"x{subscript(fy + 1)}"}
        held = [f"x{subscript(i + 1)}" for i in range(spec.sizes[0]) if i not in features]
        self.held_label.setText(f"  ({', '.join(held)} at their mean)" if held else "")
        self._apply_zoom(self._font())

    # --- drawing ------------------------------------------------------------------------

    def _draw(self, net: Network) -> None:
        grid = self.grid
        if grid is None:
            return
        self.values = values = evaluate(net, grid)
        if self.multi:
            rgb = class_rgb(values.output, self.colours)
            self.class_image.setImage(rgb, autoLevels=False, rect=self._rect)
            self.contour.set_segments(*class_edges(values.output, grid.xs, grid.ys))
        else:
            p = values.output[0]
            self.image.setImage(p, autoLevels=False, levels=(0.0, 1.0), rect=self._rect)
            self.contour.set_values(p, grid.xs, grid.ys)

    def _mark(self, session: Session, net: Network) -> None:
        if self.grid is None:
            return
        fx, fy = self.grid.features
        x = session.batch.x  # (n1, B), as edited
        self.ring_halo.setData(x[fx], x[fy])
        self.ring.setData(x[fx], x[fy])

    def _scene(self) -> QtWidgets.QGraphicsScene:
        return self.graphics.scene()

    def _apply_zoom(self, font: QtGui.QFont) -> None:
        zoom_plot(self.plot, font, self._labels, self._title)
        zoom_plot(self.colour_bar, font, {"left": "ŷ"}, "")

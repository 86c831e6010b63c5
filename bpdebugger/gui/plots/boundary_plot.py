"""The decision boundary: what the network answers at every point of the input plane.

One output (bce, or squared_error on one unit): ŷ as a heatmap on the diverging map
centred at ½, with a colour bar, and the ŷ = ½ line where the prediction flips. Several
outputs (softmax): each region in the colour of its arg-max class, paler where the
network is less sure, and the lines where the arg-max changes. On top, the training
points (circles) and test points (triangles) in their label's colour, and a ring around
the current iteration's sample(s). With more than two inputs, two combos pick the
plane; the other inputs are held at their mean.

Clicks edit the data (gui/data_editing.py makes the change): a click asks for a point of
class 1 (of the class chosen beside the plot with several classes), shift+click of class 0,
ctrl+click to delete the nearest training point. A right-click on a training point deletes
it too; elsewhere it opens the plot's menu (Export…), as on every plot.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from pyqtgraph.GraphicsScene.mouseEvents import MouseClickEvent
from PySide6 import QtCore, QtGui, QtWidgets

from ...debugger import Session
from ...engine.grid import GridValues, InputGrid, evaluate
from ...engine.network import Array, Network
from .. import theme
from ..qt_session import QtSession
from .field_image import FieldImage
from .plot_base import (
    BACKGROUND,
    POINT_OUTLINE,
    InputPlot,
    all_inputs,
    chooser,
    class_colours,
    class_of,
    fill_combo,
    grid_resolution,
    note_label,
    rect_of,
    set_points,
    stack_vertically,
    style_plot,
    subscript,
    zoom_plot,
)
from .plot_contour import ContourItem, contour_segments
from .ring_item import RingItem

# The regions' colours: a class colour mixed into this near-white, from a hint where the
# network is unsure to most of the colour where it is sure; the points keep the full
# colour, so they stand out from the region they sit in.
_PAPER = np.array([247.0, 247.0, 247.0])
_FAINTEST, _STRONGEST = 0.12, 0.75
_NOT_FINITE = np.array([127, 127, 127], dtype=np.uint8)

BOUNDARY_PEN = pg.mkPen("#111111", width=2)
# A right-click this close to a training point (in pixels, centre to click) deletes it;
# farther away it opens the plot's menu.
DELETE_RADIUS = 10.0

Modifier = QtCore.Qt.KeyboardModifier
Button = QtCore.Qt.MouseButton


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


class Marks(pg.ScatterPlotItem):
    """Points that leave clicks to the view box: a click on a point means the same as a
    click beside it (ctrl+click deletes, a click adds), not pyqtgraph's point selection."""

    def mouseClickEvent(self, ev: MouseClickEvent) -> None:
        ev.ignore()


class ClickableViewBox(pg.ViewBox):
    """A view box that offers each click to ``on_click`` first: a click it takes (returns
    True for) goes no further, so a right-click it takes opens no menu."""

    on_click: Callable[[MouseClickEvent], bool] | None = None

    def mouseClickEvent(self, ev: MouseClickEvent) -> None:
        if self.on_click is not None and self.on_click(ev):
            ev.accept()
            return
        super().mouseClickEvent(ev)


def scatter(symbol: str, size: float) -> Marks:
    """Points filled with their class colour; a white rim keeps a point visible on a region
    of its own colour (where the network has it right)."""
    return Marks(symbol=symbol, size=size, pen=pg.mkPen(POINT_OUTLINE, width=1.5))


def marker_size(n: int) -> float:
    """A few points (the four of XOR) drawn large, hundreds small."""
    return 14.0 if n <= 20 else 10.0 if n <= 200 else 8.0


def swatch(colour: QtGui.QColor) -> QtGui.QIcon:
    """A small square of a class's point colour, for the class chooser."""
    pixmap = QtGui.QPixmap(12, 12)
    pixmap.fill(colour)
    return QtGui.QIcon(pixmap)


def click_help(n_inputs: int, choose_class: bool) -> str:
    """The plot's tooltip: what each click does."""
    if n_inputs == 2:
        add = "the class chosen above" if choose_class else "class 1"
        adding = f"Click: add a point of {add}\nShift+click: add a point of class 0\n"
    else:
        adding = ""
    return (
        f"{adding}Ctrl+click: delete the nearest training point\n"
        "Right-click on a training point: delete it; elsewhere: the plot's menu (Export…)"
    )


class BoundaryPlot(InputPlot):
    """The network's output over two input features, with the data and the current sample.

    Clicks on the plane become requests to change the data: ``add_requested((x₁, x₂),
    class)`` and ``delete_requested(row)`` (a row of the training data); the window's data
    editing decides whether and how.
    """

    add_requested = QtCore.Signal(object, int)
    delete_requested = QtCore.Signal(int)

    def __init__(self, qt: QtSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(qt, parent)
        self.feature_x = chooser("The input feature along the horizontal axis")
        self.feature_y = chooser("The input feature along the vertical axis")
        self.add_class = chooser("The class of the points a click adds (shift+click: class 0)")
        self.controls = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(self.controls)
        row.setContentsMargins(4, 2, 4, 2)
        self.plane_controls = QtWidgets.QWidget()
        plane = QtWidgets.QHBoxLayout(self.plane_controls)
        plane.setContentsMargins(0, 0, 0, 0)
        plane.addWidget(QtWidgets.QLabel("Plane:"))
        plane.addWidget(self.feature_x)
        plane.addWidget(QtWidgets.QLabel("×"))
        plane.addWidget(self.feature_y)
        self.held_label = QtWidgets.QLabel()
        plane.addWidget(self.held_label)
        row.addWidget(self.plane_controls)
        row.addStretch(1)
        self.add_class_label = QtWidgets.QLabel("Click adds:")
        row.addWidget(self.add_class_label)
        row.addWidget(self.add_class)

        self.view_box = ClickableViewBox()
        self.view_box.on_click = self._on_click
        self.graphics = pg.PlotWidget(background=BACKGROUND, viewBox=self.view_box)
        self.plot: pg.PlotItem = self.graphics.getPlotItem()
        style_plot(self.plot)
        self.plot.setMenuEnabled(True)
        # One output: ŷ on the diverging map through the colour bar (its LUT and levels).
        self.image = FieldImage()
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
        self.ring = RingItem()
        self.ring.setZValue(20)
        for item in (self.contour, self.train_points, self.test_points, self.ring):
            self.plot.addItem(item)

        self.message = note_label(centred=True)
        stack_vertically(self, self.controls, self.graphics, self.message, stretch=1)

        self.grid: InputGrid | None = None
        self.values: GridValues | None = None  # what the images show
        self.multi = False
        self._choose_class = False
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
        # Several classes to add a point of: a chooser for the class of a click.
        self._choose_class = choose_class = spec.loss == "cross_entropy" and n1 == 2
        fill_combo(self.add_class, [f"class {c}" for c in range(spec.sizes[-1])], 1)
        self.plane_controls.setVisible(n1 > 2)
        self.add_class.setVisible(choose_class)
        self.add_class_label.setVisible(choose_class)
        self.controls.setVisible(n1 > 2 or choose_class)
        self.graphics.setToolTip(click_help(n1, choose_class))
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
        for c, brush in enumerate(brushes[: self.add_class.count()]):
            self.add_class.setItemIcon(c, swatch(brush.color()))
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
        set_points(
            self.train_points, data.x[:, fx], data.x[:, fy], brush=self._train_brushes, size=size
        )
        set_points(
            self.test_points,
            data.x_test[:, fx],
            data.x_test[:, fy],
            brush=self._test_brushes,
            size=size * 1.15,
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
        self.values = values = evaluate(net, grid, self.values)
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
        self.ring.setData(x[fx], x[fy])

    def _scene(self) -> QtWidgets.QGraphicsScene:
        return self.graphics.scene()

    # --- clicks that edit the data ------------------------------------------------------------

    def _on_click(self, ev: MouseClickEvent) -> bool:
        """A click on the plane as a data change request; whether it was one (a right-click
        away from the points is not: it opens the menu)."""
        if self.grid is None:
            return False
        at = self.view_box.mapSceneToView(ev.scenePos())
        if ev.button() == Button.RightButton:
            row = self._training_point_at(at, DELETE_RADIUS)
            if row is None:
                return False
            self.delete_requested.emit(row)
            return True
        # The axes pass their clicks on to the view box: only clicks on the plane count.
        inside = self.view_box.sceneBoundingRect().contains(ev.scenePos())
        if ev.button() != Button.LeftButton or not inside:
            return False
        modifiers = ev.modifiers()
        if modifiers & Modifier.ControlModifier:
            row = self._training_point_at(at, np.inf)
            if row is not None:
                self.delete_requested.emit(row)
            return True
        shift = bool(modifiers & Modifier.ShiftModifier)
        chosen = self.add_class.currentIndex() if self._choose_class else 1
        label = 0 if shift else chosen
        self.add_requested.emit((at.x(), at.y()), label)
        return True

    def _training_point_at(self, at: QtCore.QPointF, radius: float) -> int | None:
        """The training sample drawn nearest to ``at`` (in pixels on screen, as the user
        sees them), if it is within ``radius`` pixels."""
        assert self.grid is not None
        x = self.session.spec.dataset.x
        if not len(x):
            return None
        fx, fy = self.grid.features
        px, py = self.view_box.viewPixelSize()
        with np.errstate(invalid="ignore"):
            d = np.hypot((x[:, fx] - at.x()) / px, (x[:, fy] - at.y()) / py)
        if not np.isfinite(d).any():
            return None
        row = int(np.nanargmin(d))
        return row if d[row] <= radius else None

    def _apply_zoom(self, font: QtGui.QFont) -> None:
        zoom_plot(self.plot, font, self._labels, self._title)
        zoom_plot(self.colour_bar, font, {"left": "ŷ"}, "")

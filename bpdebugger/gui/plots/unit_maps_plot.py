"""Unit maps: what each hidden unit computes over the input plane, one small map per unit.

A unit's map is a[l]ᵢ at every point of the plane: a tanh or sigmoid unit splits the
plane along a line (the first hidden layer) or a curve (deeper ones), and the output
combines these splits. tanh and other signed units use the diverging map centred at 0,
sigmoid and relu units a sequential one from 0. Clicking a map shows it large in the
same panel; a click or Esc goes back. Wide networks show their first MAX_UNITS units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ...debugger import Session
from ...engine.grid import InputGrid, evaluate
from ...engine.network import Array, Network
from .. import theme
from ..qt_session import QtSession
from .field_image import FieldImage
from .plot_base import (
    POINT_OUTLINE,
    InputPlot,
    all_inputs,
    class_colours,
    class_of,
    grid_resolution,
    make_plot_widget,
    note_label,
    point_size,
    rect_of,
    stack_vertically,
    style_plot,
    subscript,
    zoom_plot,
)
from .ring_item import RingItem

MAX_UNITS = 32
THUMB_RESOLUTION = 96  # a thumbnail is about 100 px across: more points would not show
# A few points (XOR's four) help to read each map; hundreds would hide it.
THUMB_POINTS = 40
SEQUENTIAL = pg.colormap.get("viridis")

# The fixed range of bounded activations; the others take the layer's largest |a|.
FIXED_LEVELS = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}
NONNEGATIVE = {"sigmoid", "relu"}


def colour_map(activation: str) -> pg.ColorMap:
    """Sequential from 0 for units that are never negative, diverging around 0 otherwise."""
    return SEQUENTIAL if activation in NONNEGATIVE else theme.DIVERGING


def levels(activation: str, values: Array) -> tuple[float, float]:
    """The colour range of a layer's maps: fixed for tanh and sigmoid, else from the data
    (0 … max for relu, symmetric about 0 for signed units) so the layer's maps compare."""
    if activation in FIXED_LEVELS:
        return FIXED_LEVELS[activation]
    finite = values[np.isfinite(values)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    top = top if top > 0 else 1.0
    return (0.0, top) if activation in NONNEGATIVE else (-top, top)


@dataclass
class UnitMap:
    """One unit's thumbnail: layer l, unit i (0-based), its view and image."""

    l: int
    i: int
    view: pg.ViewBox
    image: pg.ImageItem
    title: pg.TextItem


class UnitMapsPlot(InputPlot):
    """One heatmap per hidden unit over the input plane; a click shows one large."""

    def __init__(self, qt: QtSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(qt, parent)
        self.thumbs = pg.GraphicsLayoutWidget()
        self.thumbs.setBackground(theme.scheme().paper)
        self.thumbs.ci.setSpacing(4)
        self.large = make_plot_widget()
        self.large_plot: pg.PlotItem = self.large.getPlotItem()
        self.large_image = FieldImage()
        self.large_image.setZValue(-10)
        self.large_plot.addItem(self.large_image)
        self.large_bar = pg.ColorBarItem(
            values=(-1.0, 1.0), colorMap=theme.DIVERGING, interactive=False, colorMapMenu=False
        )
        self.large_bar.setImageItem(self.large_image, insert_in=self.large_plot)
        style_plot(self.large_bar)
        self.large_points = pg.ScatterPlotItem(symbol="o", size=8, pen=pg.mkPen(POINT_OUTLINE))
        self.large_points.setZValue(10)
        self.large_plot.addItem(self.large_points)
        self.ring = RingItem()
        self.ring.setZValue(20)
        self.large_plot.addItem(self.ring)

        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(self.thumbs)
        self.stack.addWidget(self.large)
        self.note = note_label()
        stack_vertically(self, self.stack, self.note, stretch=0)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)  # Esc goes back

        self.maps: list[UnitMap] = []
        self.bars: dict[int, pg.ColorBarItem] = {}
        self.shown: tuple[int, int] | None = None  # the unit shown large
        self.grid: InputGrid | None = None
        self.large_grid: InputGrid | None = None
        self._labels: dict[str, str] = {}
        self._title = ""
        self.thumbs.scene().sigMouseClicked.connect(self._on_thumbs_clicked)
        self.large.scene().sigMouseClicked.connect(self._on_large_clicked)
        self._connect()

    # --- per session --------------------------------------------------------------------

    def _setup(self, session: Session) -> None:
        spec = self.spec = session.spec
        self.show_all()
        self.thumbs.ci.clear()
        self.maps, self.bars = [], {}
        hidden = list(range(2, len(spec.sizes)))
        total = sum(spec.sizes[l - 1] for l in hidden)
        if spec.sizes[0] < 2 or not hidden:
            self.grid = self.large_grid = None
            self.note.setText(
                "No hidden units to map." if not hidden else "Unit maps need two input features."
            )
            return
        x = all_inputs(spec)
        resolution = min(THUMB_RESOLUTION, grid_resolution(spec.sizes))
        self.grid = InputGrid.around(x, (0, 1), 0.25, resolution)
        self.large_grid = InputGrid.around(x, (0, 1), 0.25, grid_resolution(spec.sizes))
        self._rect = rect_of(self.grid.xs, self.grid.ys)
        self._large_rect = rect_of(self.large_grid.xs, self.large_grid.ys)

        brushes = [pg.mkBrush(c) for c in class_colours(max(2, spec.sizes[-1]))]
        self._point_brushes = [brushes[c] for c in class_of(spec, spec.dataset.y)]
        shown_total = min(total, MAX_UNITS)
        left = shown_total
        layout = self.thumbs.ci
        row = 0
        for l in hidden:
            n = min(spec.sizes[l - 1], left)
            if n == 0:
                break
            left -= n
            activation = spec.activations[l - 2]
            cols = max(1, math.ceil(math.sqrt(n)))
            rows = math.ceil(n / cols)
            layout.addLabel(
                f"a[{l}]  ({activation})",
                row=row,
                col=0,
                colspan=cols,
                color=theme.scheme().ink.name(),
            )
            row += 1
            images = []
            for i in range(n):
                view = pg.ViewBox(lockAspect=False, enableMouse=False, defaultPadding=0.0)
                view.setBackgroundColor(theme.scheme().paper)
                layout.addItem(view, row=row + i // cols, col=i % cols)
                image = FieldImage()
                view.addItem(image)
                if len(spec.dataset.x) <= THUMB_POINTS:
                    points = pg.ScatterPlotItem(
                        spec.dataset.x[:, 0],
                        spec.dataset.x[:, 1],
                        symbol="o",
                        size=7,
                        pen=pg.mkPen(POINT_OUTLINE, width=1),
                        brush=self._point_brushes,
                    )
                    points.setZValue(10)
                    view.addItem(points)
                title = pg.TextItem(
                    # dark text on its own white label, whatever the theme
                    f"a[{l}]{subscript(i + 1)}",
                    color=theme.LIGHT.ink,
                    fill=pg.mkBrush(255, 255, 255, 190),
                )
                title.setZValue(20)
                view.addItem(title, ignoreBounds=True)
                title.setPos(self.grid.x_range[0], self.grid.y_range[1])
                # Square maps, whatever the features' scales: the plane is what matters.
                view.setAspectLocked(True, ratio=self._rect.width() / self._rect.height())
                view.setRange(self._rect, padding=0)
                self.maps.append(UnitMap(l, i, view, image, title))
                images.append(image)
            bar = pg.ColorBarItem(
                values=FIXED_LEVELS.get(activation, (-1.0, 1.0)),
                colorMap=colour_map(activation),
                interactive=False,
                colorMapMenu=False,
                width=12,
            )
            style_plot(bar)
            bar.setImageItem(images)
            layout.addItem(bar, row=row, col=cols, rowspan=rows)
            self.bars[l] = bar
            row += rows
        notes = ["Click a map to see it large."]
        if total > shown_total:
            notes.append(f"Showing the first {shown_total} of {total} hidden units.")
        if spec.sizes[0] > 2:
            notes.append("Plane of x₁, x₂; the other inputs at their mean.")
        self.note.setText(" ".join(notes))
        self.large_points.setData(
            spec.dataset.x[:, 0], spec.dataset.x[:, 1], brush=self._point_brushes
        )
        self._labels = {"bottom": "x₁", "left": "x₂"}

    # --- drawing ------------------------------------------------------------------------

    def _draw(self, net: Network) -> None:
        if self.grid is None:
            return
        values = evaluate(net, self.grid)
        for m in self.maps:
            m.image.setImage(values.hidden[m.l][m.i], autoLevels=False, rect=self._rect)
        for l, bar in self.bars.items():
            bar.setLevels(levels(self.spec.activations[l - 2], values.hidden[l]))
        if self.shown is not None:
            self._draw_large(net)

    def _draw_large(self, net: Network) -> None:
        assert self.large_grid is not None and self.shown is not None
        l, i = self.shown
        values = evaluate(net, self.large_grid)
        activation = self.spec.activations[l - 2]
        self.large_bar.setColorMap(colour_map(activation))
        self.large_image.setImage(values.hidden[l][i], autoLevels=False, rect=self._large_rect)
        # The same colour range as the unit's thumbnail, so enlarging changes nothing.
        self.large_bar.setLevels(self.bars[l].levels())

    def _mark(self, session: Session, net: Network) -> None:
        x = session.batch.x
        if x.shape[0] >= 2:
            self.ring.setData(x[0], x[1])

    # --- thumbnails and the large view ------------------------------------------------------

    def show_unit(self, l: int, i: int) -> None:
        """Show unit i (0-based) of layer l large."""
        self.shown = (l, i)
        activation = self.spec.activations[l - 2]
        self._title = f"a[{l}]{subscript(i + 1)}  ({activation}) over the input plane"
        self.large_plot.setRange(self._large_rect, padding=0)
        self._apply_zoom(self._font())
        self.stack.setCurrentWidget(self.large)
        if self.net is not None:
            self._draw_large(self.net)
        self.setFocus()

    def show_all(self) -> None:
        """Back to the thumbnails."""
        self.shown = None
        self.stack.setCurrentWidget(self.thumbs)

    def _on_thumbs_clicked(self, event: object) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:  # right: the context menu
            return
        pos = event.scenePos()
        for m in self.maps:
            if m.view.sceneBoundingRect().contains(pos):
                self.show_unit(m.l, m.i)
                return

    def _on_large_clicked(self, event: object) -> None:
        if event.button() == QtCore.Qt.MouseButton.LeftButton:
            self.show_all()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_Escape and self.shown is not None:
            self.show_all()
            event.accept()
            return
        super().keyPressEvent(event)

    def _scene(self) -> QtWidgets.QGraphicsScene:
        return (self.large if self.shown is not None else self.thumbs).scene()

    def _apply_zoom(self, font: QtGui.QFont) -> None:
        zoom_plot(self.large_plot, font, self._labels, self._title)
        zoom_plot(self.large_bar, font, {}, "")
        for m in self.maps:
            m.title.setFont(font)
        for bar in self.bars.values():
            bar.getAxis("right").setTickFont(font)
        size = f"{point_size(font):.1f}pt"
        for item in self.thumbs.ci.items:
            if isinstance(item, pg.LabelItem):
                item.setText(item.text, size=size, color=theme.scheme().ink.name())

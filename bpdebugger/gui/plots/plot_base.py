"""What the input-plane plots share: when to redraw, class colours, styling, export, zoom.

The boundary, hidden-space and unit-map plots show functions of the parameters. They
redraw when the parameters differ from the ones last drawn (an update stop, an edit,
a restart, a new session, the end of a run), not at every stop: a forward or backward
stop changes nothing they show but the ringed sample. During a run the window calls
``refresh()`` at a capped rate instead, so a run's slices do not each pay for a redraw.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6 import QtCore, QtGui, QtWidgets

from ...debugger import Session
from ...engine.grid import DEFAULT_RESOLUTION
from ...engine.losses import LOSSES
from ...engine.network import Array, Network
from ...engine.session import SessionSpec
from .. import theme
from ..qt_session import QtSession
from . import plot_svg  # noqa: F401  (SVG export of closed paths: see plot_svg)

# The light scheme's paper, for plots made before a palette change; restyle() paints every
# plot in the theme's own (InputPlot does at construction and at each palette change).
BACKGROUND = theme.LIGHT.paper.name()
POINT_OUTLINE = "#FFFFFF"
MESH = QtGui.QColor(110, 110, 110, 150)

# Okabe–Ito, the palette colour-blind viewers and projectors still tell apart; two
# classes take the ends of the diverging map instead, so points match the boundary's map.
CLASS_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")

# A grid point costs about one multiply-add per weight and one activation per unit; the
# resolution shrinks for wide networks so a redraw stays near the default network's cost.
_UNIT_BUDGET = DEFAULT_RESOLUTION**2 * 8
MIN_RESOLUTION = 60


def grid_resolution(sizes: Iterable[int], most: int = DEFAULT_RESOLUTION) -> int:
    """The grid side for a network of these sizes: ``most`` for small networks, less for
    wide ones (R² · Σ n_l stays within a budget), never below MIN_RESOLUTION."""
    units = sum(list(sizes)[1:])
    side = int(np.sqrt(_UNIT_BUDGET / max(units, 1)))
    return max(MIN_RESOLUTION, min(most, side))


def class_colours(k: int) -> list[QtGui.QColor]:
    """One colour per class: the diverging map's ends for two, Okabe–Ito for more."""
    if k <= 2:
        return [theme.DIVERGING.mapToQColor(0.0), theme.DIVERGING.mapToQColor(1.0)]
    colours = [QtGui.QColor(c) for c in CLASS_PALETTE]
    if k > len(colours):
        colours = [pg.intColor(i, hues=k, values=1, maxValue=200) for i in range(k)]
    return colours[:k]


def class_of(spec: SessionSpec, y: Array) -> npt.NDArray[np.int64]:
    """The class of each sample's label, read as the loss reads ŷ (a 0.5 threshold for one
    output, the arg-max of several), so a regression target still gets a colour."""
    if len(y) == 0:
        return np.zeros(0, dtype=np.int64)
    loss = LOSSES[spec.loss]
    return loss.predictions(loss.targets(y, spec.sizes[-1]))


def n_classes(spec: SessionSpec) -> int:
    return max(2, spec.sizes[-1])


def network_of(session: Session, params: dict[str, Array] | None = None) -> Network:
    """A network with the session's parameters at the current stop (or ``params``)."""
    spec = session.spec
    return Network(spec.sizes, spec.activations, spec.loss, params or session.params())


def all_inputs(spec: SessionSpec) -> Array:
    """Training and test inputs together, (N + N_test, n1): the extent the plots cover."""
    return np.concatenate([spec.dataset.x, spec.dataset.x_test])


def set_points(item: pg.ScatterPlotItem, x: Array, y: Array, **options: object) -> None:
    """setData with the points that are numbers: a diverged network puts NaN in the
    activations, and pyqtgraph warns about (and cannot place) points that are not. A
    per-point ``brush`` list is filtered alike. An item left without points is hidden:
    pyqtgraph paints an empty scatter item all the same, at every repaint of its plot
    (no test set: a fifth of a millisecond per redraw of the boundary)."""
    keep = np.isfinite(x) & np.isfinite(y)
    if not keep.all():
        x, y = x[keep], y[keep]
        brush = options.get("brush")
        if isinstance(brush, list):
            options["brush"] = [b for b, k in zip(brush, keep, strict=True) if k]
    item.setData(x, y, **options)
    item.setVisible(len(x) > 0)


def set_curve(item: pg.PlotCurveItem, x: Array, y: Array) -> None:
    """setData of a NaN-broken curve, or of nothing if no point is a number."""
    if np.isfinite(x).any() and np.isfinite(y).any():
        item.setData(x, y)
    else:
        item.setData(np.empty(0), np.empty(0))


def style_axis(axis: pg.AxisItem) -> None:
    """An axis in the theme's ink, its line as thick as the theme's strokes.

    Its ticks reach into the plot (and its grid, if any, across it), so every repaint of
    the plot's contents repaints the axis too: replaying its picture of ticks and labels
    costs a tenth of a millisecond, a blit of the pixels Qt keeps almost nothing. The
    axis is drawn again only when it changes (a new range, a new font)."""
    colours = theme.scheme()
    line = pg.mkPen(colours.outline, width=colours.line_width)
    line.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)  # the axes draw the grid: fast strokes
    axis.setPen(line)
    axis.setTextPen(colours.ink)
    axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


def style_plot(plot: pg.PlotItem) -> None:
    """Axes and text in the ink of the background the network view uses."""
    for name in ("left", "bottom", "right", "top"):
        style_axis(plot.getAxis(name))


def make_plot_widget() -> pg.PlotWidget:
    widget = pg.PlotWidget(background=theme.scheme().paper)
    style_plot(widget.getPlotItem())
    return widget


def restyle(widget: QtWidgets.QWidget) -> None:
    """Paint the pyqtgraph views inside ``widget`` in the theme's colours (after a palette
    change): backgrounds, axes, titles and legends; the data keep theirs."""
    colours = theme.scheme()
    ink = colours.ink.name()
    for view in widget.findChildren(pg.GraphicsView):
        view.setBackground(colours.paper)
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                style_axis(item)
                if item.label.isVisible():
                    style = {**item.labelStyle, "color": ink}
                    item.setLabel(item.labelText, item.labelUnits, item.labelUnitPrefix, **style)
            elif isinstance(item, pg.LabelItem):
                item.setText(item.text, color=ink)
            elif isinstance(item, pg.LegendItem):
                item.setLabelTextColor(colours.ink)
            elif isinstance(item, pg.ViewBox) and item.background.isVisible():
                item.setBackgroundColor(colours.paper)


def note_label(centred: bool = False) -> QtWidgets.QLabel:
    """The line of text under a plot (what it shows, or why it cannot)."""
    label = QtWidgets.QLabel()
    label.setWordWrap(True)
    if centred:
        label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
    else:
        label.setContentsMargins(6, 2, 6, 4)
    return label


def stack_vertically(owner: QtWidgets.QWidget, *widgets: QtWidgets.QWidget, stretch: int) -> None:
    """A plot panel's column, edge to edge: ``widgets[stretch]`` takes the spare height."""
    layout = QtWidgets.QVBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if i == stretch else 0)


def point_size(font: QtGui.QFont) -> float:
    """The font's size in points, for the CSS of pyqtgraph's labels."""
    if font.pointSizeF() > 0:
        return font.pointSizeF()
    return font.pixelSize() * 72.0 / 96.0


def zoom_plot(plot: pg.PlotItem, font: QtGui.QFont, labels: dict[str, str], title: str) -> None:
    """Tick font, axis labels and title of ``plot`` in ``font``."""
    size = f"{point_size(font):.1f}pt"
    ink = theme.scheme().ink.name()
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setTickFont(font)
        if name in labels:
            axis.setLabel(labels[name], color=ink, **{"font-size": size})
    plot.setTitle(title or None, color=ink, size=f"{point_size(font) * 1.1:.1f}pt")


def export_scene(scene: QtWidgets.QGraphicsScene, path: str | Path) -> None:
    """Write the scene as PNG or SVG, by the path's suffix, with pyqtgraph's exporters
    (the ones its context menu's Export… offers)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        exporter: pg.exporters.Exporter = pyqtgraph.exporters.SVGExporter(scene)
    elif suffix == ".png":
        exporter = pyqtgraph.exporters.ImageExporter(scene)
    else:
        raise ValueError(f"export: expected a .png or .svg file name, got {path.name!r}")
    exporter.export(str(path))


def same_params(a: dict[str, Array] | None, b: dict[str, Array]) -> bool:
    """Whether two parameter sets are equal (NaN equal to NaN: a diverged network stays put)."""
    return (
        a is not None
        and a.keys() == b.keys()
        and all(np.array_equal(a[k], b[k], equal_nan=True) for k in b)
    )


class OnScreen:
    """Whether a plot is really on screen, so that a covered one costs nothing.

    A dock behind another tab still answers isVisible(); the window passes on its dock's
    visibilityChanged to ``set_on_screen``, and the plot catches up when it is shown.
    """

    _on_screen = True

    def set_on_screen(self, shown: bool) -> None:
        self._on_screen = shown
        if shown:
            self._catch_up()

    def on_screen(self) -> bool:
        return self._on_screen and self.isVisible()  # type: ignore[attr-defined]

    def _catch_up(self) -> None:
        raise NotImplementedError


class InputPlot(OnScreen, QtWidgets.QWidget):
    """A plot of what the network computes over the input plane, kept in step with a
    QtSession. Subclasses build their items once per session in ``_setup`` and redraw
    them (setData / setImage only) in ``_draw``; ``_mark`` moves the current sample's ring.

    It redraws when the parameters differ from those last drawn, and only while shown: a
    hidden panel (a closed dock, a tab behind another) catches up when it is shown again.
    """

    # Whether the marks move with the parameters (the hidden space places the samples at
    # their activations); on the input plane they only follow the batch.
    marks_follow_net = False

    def __init__(self, qt: QtSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.qt = qt
        self._zoom = 1.0
        self._drawn: dict[str, Array] | None = None  # the parameters last drawn
        self._stale = True
        self.net: Network | None = None  # the network as last drawn
        self.redraws = 0  # how many times the parameters were drawn (for tests and timing)

    def _connect(self) -> None:
        """Connect to the adapter; subclasses call it at the end of their constructor."""
        qt = self.qt
        qt.step_taken.connect(self._on_step_taken)
        qt.session_replaced.connect(self._on_session_replaced)
        self._on_session_replaced(qt.session)
        restyle(self)  # the theme's colours from the start (the system may be dark)

    # --- keeping in step ----------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.qt.session

    def _on_session_replaced(self, session: Session) -> None:
        self._drawn = None
        self._marked: tuple[bytes, bytes] | None = None
        self._setup(session)
        self.set_zoom(self._zoom)
        self.refresh()

    def _on_step_taken(self, step: object) -> None:
        # During a run the window's frames call refresh() (this plot every frame or in turn
        # with others); a run's end emits the final stop, not running any more.
        if not self.qt.running:
            self.refresh()

    def refresh_if_dirty(self) -> None:
        """The run's frames: redraw if the parameters or the batch changed."""
        self.refresh()

    def refresh(self, force: bool = False) -> None:
        """Redraw if the parameters changed since the last redraw (or ``force``); always
        move the current sample's ring. Cheap when nothing changed."""
        if not (force or self.on_screen()):
            self._stale = True
            return
        self._stale = False
        session = self.session
        params = session.params()
        redrawn = force or not same_params(self._drawn, params)
        if redrawn:
            self._drawn = {k: np.array(v) for k, v in params.items()}
            self.net = network_of(session, self._drawn)
            self._draw(self.net)
            self.redraws += 1
        # The marks follow the batch, which changes once per iteration (or by an edit):
        # moving them at every stop, or at each update on the input plane, would repaint
        # the plot for nothing. A forced redraw may have changed the plane (features).
        batch = session.batch
        marked = (batch.indices.tobytes(), batch.x.tobytes())
        moved = force or (redrawn and self.marks_follow_net) or marked != self._marked
        if self.net is not None and moved:
            self._marked = marked
            self._mark(session, self.net)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._catch_up()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        # The theme follows the application's palette (system scheme, choice, lecture mode).
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            restyle(self)
        super().changeEvent(event)

    def _catch_up(self) -> None:
        if self._stale:
            self.refresh()

    def _redraw_now(self) -> None:
        """A view choice changed (features, layer, units): draw again with the same params."""
        self.refresh(force=True)

    # --- for subclasses -----------------------------------------------------------------

    def _setup(self, session: Session) -> None:
        raise NotImplementedError

    def _draw(self, net: Network) -> None:
        raise NotImplementedError

    def _mark(self, session: Session, net: Network) -> None:
        raise NotImplementedError

    def _scene(self) -> QtWidgets.QGraphicsScene:
        """The scene that export() writes."""
        raise NotImplementedError

    # --- export and zoom ----------------------------------------------------------------

    def export(self, path: str | Path) -> None:
        """Write the plot to ``path``: PNG or SVG by its suffix (ValueError otherwise)."""
        if self._stale:
            self.refresh(force=True)  # a covered plot is exported as it would show
        export_scene(self._scene(), path)

    def set_zoom(self, factor: float) -> None:
        """Scale the axis, label and control fonts by ``factor`` (1.0 = the app's font)."""
        self._zoom = float(factor)
        font = self._font()
        for w in self.findChildren(QtWidgets.QComboBox) + self.findChildren(QtWidgets.QLabel):
            w.setFont(font)
        self._apply_zoom(font)

    def zoom(self) -> float:
        return self._zoom

    def _font(self) -> QtGui.QFont:
        """The application's font at the current zoom."""
        return theme.scaled_font(QtWidgets.QApplication.font(), self._zoom)

    def _apply_zoom(self, font: QtGui.QFont) -> None:
        raise NotImplementedError


def chooser(tip: str) -> QtWidgets.QComboBox:
    combo = QtWidgets.QComboBox()
    combo.setToolTip(tip)
    combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


def fill_combo(combo: QtWidgets.QComboBox, items: list[str], current: int) -> None:
    """Replace a combo's items without emitting its change signal."""
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(items)
    combo.setCurrentIndex(current)
    combo.blockSignals(False)


def subscript(n: int) -> str:
    """1-based index as Unicode subscript digits: x₁, a[2]₃."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def rect_of(xs: Array, ys: Array) -> QtCore.QRectF:
    """The image rectangle whose pixel centres are the grid points xs × ys."""
    dx = (xs[-1] - xs[0]) / (len(xs) - 1)
    dy = (ys[-1] - ys[0]) / (len(ys) - 1)
    return QtCore.QRectF(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy)

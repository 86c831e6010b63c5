"""The loss plot: training loss per iteration and per epoch, test loss, accuracy.

The plots of this folder draw the session's Metrics (bpdebugger/debugger/metrics.py),
arrays that grow by tens of thousands per second during a run. As in pyqtgraph's own
examples, every curve is created once and afterwards only gets ``setData``.

Long curves are thinned before pyqtgraph sees them (``decimate``): to the visible
range of iterations (clip to view) and to a few points per pixel, the min and max of
each block (peak, so every spike stays) or its mean (the norms' trends). pyqtgraph's
own downsampling and clipping (on, too) do the same, but in about ten passes over the
whole series per refresh and again per paint: 30–50 ms a plot at a million
iterations, against 3–8 ms here. A short series is handed over as it is, the
read-only metric arrays themselves.

Signals only mark the plot out of date; the drawing happens in ``refresh``, once per
turn of the event loop however many signals arrived (a zero-delay single-shot timer),
and during a run the adapter sends them at most once per frame (~30 Hz). A hidden
plot (a closed or covered dock) waits until it is shown. The window may also call
``refresh`` itself to draw at once.

Non-finite values (a diverged run), magnitudes beyond 1e250 and, in log scale, values
≤ 0 are left out of the curves: a block holding one NaN would otherwise become a gap,
and a layer whose gradient is exactly 0 for some samples (XOR's input (0, 0) for W[2])
would vanish.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ...debugger import Session
from ...debugger.metrics import Metrics
from ...engine.network import Array
from .. import theme
from ..qt_session import QtSession
from ..steady_text import ReadoutText
from ..views.network_text import fmt_long
from .plot_base import OnScreen, export_scene, point_size, restyle, style_axis

# Okabe & Ito's palette: told apart by colour-blind viewers and on a washed-out projector.
# Its black is the theme's ink (white-ish on a dark paper, where black would vanish); its
# yellow is left out, hardly visible on white: an eighth curve is the first one dashed.
INK = "ink"
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    INK,  # black on white
)
TRAIN, TEST = OKABE_ITO[0], OKABE_ITO[1]
GRID_Z = -200  # the axes, which draw the grid, below the ViewBox's −100
# The largest magnitude drawn (and on a log scale the smallest, 1/HUGE): two padded
# spans of 10^±250 stay well inside float64's 1e308.
HUGE = 1e250


def curve_colour(name: str, fade: float = 0.0) -> QtGui.QColor:
    """A palette entry (a colour's name or INK) in the theme now, faded towards its paper
    by ``fade`` (0: unchanged, 1: the paper): a pale curve recedes on a dark paper too.
    Opaque on purpose: Qt's raster engine draws a translucent line tens of times slower."""
    colours = theme.scheme()
    colour = colours.ink if name == INK else QtGui.QColor(name)
    return theme.mix(colour, colours.paper, 1.0 - fade)


LONE_POINT_PX = 6  # the dot of a curve that has one point so far


def pen(
    colour: QtGui.QColor, width: float = 1.0, style: QtCore.Qt.PenStyle | None = None
) -> QtGui.QPen:
    """A cosmetic pen (width in pixels at any zoom) with flat caps, fast to stroke."""
    p = pg.mkPen(colour, width=width)
    p.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
    if style is not None:
        p.setStyle(style)
    return p


def plottable(x: Array, y: Array, log: bool) -> tuple[Array, Array]:
    """The points of (x, y) a plot can show: |y| ≤ HUGE and, in log scale, y ≥ 1 / HUGE.

    Beyond HUGE a diverging run is at its last iterations before inf; kept, its 1e307
    would make pyqtgraph's log axis overflow computing 10 ** (the padded range's top).
    The arrays themselves (no copy) when all points are in, the usual case, told by the
    extremes: two passes without a temporary array (min and max are NaN if any is)."""
    if len(y) == 0:
        return x, y
    floor = 1.0 / HUGE if log else -HUGE
    low, high = float(np.min(y)), float(np.max(y))
    if low >= floor and high <= HUGE:
        return x, y
    keep = (y >= floor) & (y <= HUGE)  # NaN fails both tests
    return x[keep], y[keep]


def packed(y: Array) -> Array:
    """``y`` with its values side by side in memory. A metric is a column of a table, a
    strided view; a long one is copied, which the passes over it repay three times."""
    return y if len(y) < 4096 or y.flags.c_contiguous else np.ascontiguousarray(y)


def decimate(
    x: Array,
    y: Array,
    blocks: int,
    method: str = "peak",
    log: bool = False,
    visible: tuple[float, float] | None = None,
) -> tuple[Array, Array]:
    """(x, y) thinned to about ``blocks`` blocks over the ``visible`` x range (all if None).

    x sorted, y plottable (see ``plottable``). 'peak': each block's max and min at its
    middle x, and the points after the last whole block as they are, so the curve ends
    at the last one; 'mean': each block's mean (geometric if ``log``, the mean the log
    axis shows), and last the mean of the last block's worth of points. Fewer than two
    points per block: the arrays unchanged (views, no copy)."""
    start, stop = 0, len(y)
    if visible is not None:  # one point either side, so the line runs off the edges
        start = max(int(np.searchsorted(x, visible[0], side="left")) - 1, 0)
        stop = min(int(np.searchsorted(x, visible[1], side="right")) + 1, len(y))
    ds = (stop - start) // max(blocks, 1)
    if ds < 2:
        return x[start:stop], y[start:stop]
    m = (stop - start - 1) // ds  # whole blocks, leaving at least the last point
    end = start + m * ds
    body = y[start:end].reshape(m, ds)
    middles = x[start + ds // 2 : end : ds]
    if method == "peak":
        xs = np.repeat(middles, 2)
        ys = np.empty(2 * m)
        ys[0::2] = body.max(axis=1)
        ys[1::2] = body.min(axis=1)
        return np.concatenate([xs, x[end:stop]]), np.concatenate([ys, y[end:stop]])
    # The end: the mean of the last ds points, a whole block overlapping the one before
    # (the few points after it alone would jump with a periodic signal's phase).
    tail_x, tail_y = x[stop - ds : stop], y[stop - ds : stop]
    if log:
        means = 10.0 ** np.log10(body).mean(axis=1)
        tail_mean = 10.0 ** np.log10(tail_y).mean()
    else:
        means, tail_mean = body.mean(axis=1), tail_y.mean()
    return (
        np.concatenate([middles, [tail_x[ds // 2]]]),
        np.concatenate([means, [tail_mean]]),
    )


class PlotAxis(pg.AxisItem):
    """An axis drawn fast and labelled readably on the theme's paper.

    - Grid lines and ticks opaque: pyqtgraph fades them with alpha, and Qt's raster
      engine draws translucent lines so slowly that a log grid cost 30 ms a paint.
    - Log scale: pyqtgraph labels all nine minor ticks of each decade when few decades
      show ("0.7 0.8 0.9 1" run into each other) and a decade's label twice, as a major
      and a minor tick (it looks bold); here minor ticks are labelled at 2 and 5 only
      when one to two decades show, all of them within one decade, none beyond two.
    """

    def drawPicture(
        self, p: QtGui.QPainter, axisSpec: tuple, tickSpecs: list, textSpecs: list
    ) -> None:
        opaque: dict[tuple[int, int], QtGui.QPen] = {}
        specs = []
        for tick_pen, p1, p2 in tickSpecs:
            colour = tick_pen.color()
            if colour.alpha() < 255:
                key = (colour.rgb(), colour.alpha())
                if key not in opaque:
                    solid = QtGui.QPen(tick_pen)
                    # pre-mixed with the paper (white, or dark in the dark theme)
                    solid.setColor(theme.mix(colour, theme.scheme().paper, colour.alphaF()))
                    opaque[key] = solid
                tick_pen = opaque[key]
            specs.append((tick_pen, p1, p2))
        super().drawPicture(p, axisSpec, specs, textSpecs)

    def logTickValues(
        self, minVal: float, maxVal: float, size: float, stdTicks: list
    ) -> list[tuple[float | None, list[float]]]:
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        majors = {round(float(v), 9) for spacing, values in levels if spacing for v in values}
        return [
            (spacing, values if spacing else [v for v in values if round(v, 9) not in majors])
            for spacing, values in levels
        ]

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        strings = super().logTickStrings(values, scale, spacing)
        if spacing or not values:  # a major level: whole decades, all labelled
            return strings
        v = np.asarray(values, dtype=np.float64)
        span = v.max() - v.min()  # in decades
        if span < 1.0:  # at most nine labels: all of them
            return strings
        kept = (1.0, 2.0, 5.0) if span <= 2.0 else (1.0,)
        mantissas = np.round(10.0 ** np.mod(v, 1.0), 6)
        return [s if m in kept else "" for s, m in zip(strings, mantissas, strict=True)]


# Round numbers of iterations the x axis ends at (at most a third of it left empty), and
# the fewest it shows: a range that changes every few iterations costs as much as before.
ROUND_MANTISSAS = (1, 1.5, 2, 3, 4, 5, 7.5, 10)
FEWEST_ITERATIONS = 10


TINY = 1e-300  # below this a span is no span (its quarter may not even be a float)


def nice_ceiling(value: float) -> float:
    """The smallest m·10^k ≥ value with m one of ROUND_MANTISSAS (value > 0)."""
    decade = 10.0 ** math.floor(math.log10(value))
    for m in ROUND_MANTISSAS:
        if m * decade >= value * (1 - 1e-12):
            return m * decade
    raise AssertionError("unreachable: 10·decade > value")


def nice_step(span: float) -> float:
    """The largest 1, 2 or 5 × 10^k not above ``span`` (> 0)."""
    decade = 10.0 ** math.floor(math.log10(span))
    return max(m * decade for m in (1, 2, 5) if m * decade <= span * (1 + 1e-12))


def snapped_range(x: tuple[float, float], y: tuple[float, float], log_x: bool) -> tuple:
    """The range a metric plot shows for data spanning ``x`` and ``y`` (view coordinates):
    x from the first iteration to a round number of iterations ahead, y out to round
    steps of about a quarter of its span. It changes only when the data crosses one of
    those round values, not with every new iteration: a changed range makes pyqtgraph
    regenerate every axis and grid line, the most expensive part of a metric refresh."""
    x_low, x_high = x
    if log_x:
        x_high = math.ceil(x_high * 10 + 1e-9) / 10  # tenths of a decade
    elif x_high > 0:
        x_high = max(nice_ceiling(x_high), x_low + FEWEST_ITERATIONS)
    y_low, y_high = y
    magnitude = max(abs(y_low), abs(y_high))
    span = y_high - y_low
    if not (span > 1e-6 * magnitude and span > TINY):  # flat: a span as large as the values
        span = magnitude if magnitude > TINY else 1.0
    step = nice_step(span / 4)
    low, high = math.floor(y_low / step) * step, math.ceil(y_high / step) * step
    # A quotient that underflows to 0 (a value a googol times smaller than the step)
    # would round towards the data; one more step keeps it inside.
    y_low, y_high = (low - step if low > y_low else low), (high + step if high < y_high else high)
    if y_low == y_high:
        y_high += step
    return (x_low, max(x_high, x_low + 1)), (y_low, y_high)


class _RangeAnchor(pg.GraphicsObject):
    """An item that draws nothing and has the bounds it is given: the ViewBox's autorange,
    which covers its items, then shows those bounds (see ``snapped_range``)."""

    def __init__(self) -> None:
        super().__init__()
        self._bounds: tuple | None = None
        self.setFlag(self.GraphicsItemFlag.ItemHasNoContents)

    def set_bounds(self, bounds: tuple | None) -> None:
        if bounds != self._bounds:
            self._bounds = bounds
            self.informViewBoundsChanged()

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange: object = None) -> tuple | None:
        return None if self._bounds is None else self._bounds[axis]

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF()

    def paint(self, *args: object) -> None:
        pass


class MetricPlot(OnScreen, QtWidgets.QWidget):
    """What the metric plots share: a white plot with a legend under it, a log-scale
    check box, a readout of the marked iteration's numbers, the current-iteration
    marker, refresh on the adapter's signals, export and zoom.

    Subclasses build their curves in ``__init__`` (once) and implement ``_draw`` (push
    the metrics into them), ``_readout`` and, when the layers change, ``_rebuild``.
    """

    def __init__(
        self,
        qt: QtSession,
        *,
        y_label: str,
        log: bool,
        right_label: str | None = None,
        legend_columns: int,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.qt = qt
        self._zoom = 1.0
        self._dirty = True
        self._y_label = y_label
        self._right_label = right_label
        self._x_buffer: Array = np.empty(0)
        self._x_first: int | None = None
        self._shapes: dict[pg.PlotDataItem, tuple[str, float]] = {}
        self._shown: dict[pg.PlotDataItem, tuple[Array, Array]] = {}  # copies, see _show
        # Each curve's look, to draw it again in a new theme: colour, fade, width, dash.
        self._looks: dict[pg.PlotDataItem, tuple[str, float, float, QtCore.Qt.PenStyle | None]] = {}
        self._thinned_for: tuple[float, float] | None = None  # the x range of the last refresh

        self.log_box = QtWidgets.QCheckBox("Log scale")
        self.log_box.setToolTip("Logarithmic y axis (also in the plot's context menu)")
        # Two lines, wrapped (a narrow dock, a large zoom); a new text only repaints it.
        self.readout = ReadoutText()
        header = QtWidgets.QHBoxLayout()
        header.setContentsMargins(6, 2, 6, 0)
        header.addWidget(self.readout, 1)
        header.addWidget(self.log_box)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(theme.scheme().paper)
        self.view.ci.layout.setContentsMargins(2, 2, 2, 2)
        # pyqtgraph fits the layout to the view when the view is resized, and Qt widens it
        # to its minimum when that grows (larger fonts: lecture mode's zoom), but nothing
        # narrows it again when the minimum shrinks: the plot would stay wider than its
        # view, the right axis out of sight. So it is fitted again at each re-layout.
        self.view.ci.installEventFilter(self)
        # PlotItem shows every axis it is given: the right one only for a second y scale.
        names = ("left", "bottom", "right") if right_label else ("left", "bottom")
        self.plot_item: pg.PlotItem = self.view.addPlot(
            row=0, col=0, axisItems={name: PlotAxis(name) for name in names}
        )
        self.plot_item.showGrid(x=True, y=True, alpha=0.12)
        # PlotItem.addItem gives each curve the plot's downsampling and clipping (those of
        # its context menu, off by default), whatever the curve had: so set them here.
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.setClipToView(True)
        self.plot_item.setLabel("bottom", "iteration")
        self.plot_item.setLabel("left", y_label)
        for name in names:
            axis = self.plot_item.getAxis(name)
            style_axis(axis)
            # Axes draw the grid: under the ViewBox (z −100), so the opaque grid lines
            # pass behind the curves instead of cutting them.
            axis.setZValue(GRID_Z)
            # No "(x1e+27)" on the label: on a log axis pyqtgraph's SI prefix rescales
            # the labels of the decades themselves (1 would read 10⁻²⁷).
            axis.enableAutoSIPrefix(False)
        if right_label:
            self.plot_item.getAxis("right").setLabel(right_label)
        # The legend sits under the plot, in the layout, so it never hides a curve.
        self.legend = pg.LegendItem(
            colCount=legend_columns, labelTextColor=theme.scheme().ink, frame=False
        )
        self.view.addItem(self.legend, row=1, col=0)

        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pen(theme.scheme().outline, 1.0))
        self.marker.setZValue(20)  # above the curves
        self.plot_item.addItem(self.marker, ignoreBounds=True)
        self._anchor = _RangeAnchor()
        self.plot_item.vb.addItem(self._anchor)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)

        self._marked_iteration = 0
        self._refresh_timer = QtCore.QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self._refresh_if_dirty)

        ctrl = self.plot_item.ctrl
        ctrl.logYCheck.setChecked(log)
        self.plot_item.getAxis("right").setLogMode(False, False)  # see _on_log_changed
        # Connected after PlotItem's own handler, so this runs once it has re-mapped.
        ctrl.logYCheck.toggled.connect(self._on_log_changed)
        ctrl.logXCheck.toggled.connect(self._on_log_changed)
        self.log_box.setChecked(log)
        self.log_box.toggled.connect(self.set_log)

        self.plot_item.vb.sigXRangeChanged.connect(self._on_x_range_changed)
        self.plot_item.vb.sigResized.connect(self._on_resized)
        qt.metrics_updated.connect(self._on_metrics_updated)
        qt.step_taken.connect(self._on_step_taken)
        qt.session_replaced.connect(self._on_session_replaced)

    # --- the curves ---------------------------------------------------------------------

    def _curve(
        self,
        colour: str,
        width: float = 1.0,
        style: QtCore.Qt.PenStyle | None = None,
        method: str = "peak",
        per_pixel: float = 1.0,
        fade: float = 0.0,
    ) -> pg.PlotDataItem:
        """A curve that stays cheap however long it grows: created once per plot.

        ``colour`` and ``fade`` as ``curve_colour`` takes them (drawn again in each new
        theme). ``decimate`` leaves it ``per_pixel`` blocks per pixel of plot width (for
        'peak' a min–max pair each: finer is not seen). pyqtgraph's downsampling and
        clipping are on too, for the moment between a zoom and the refresh it brings about."""
        curve = pg.PlotDataItem(
            pen=pen(curve_colour(colour, fade), width, style), autoDownsampleFactor=per_pixel
        )
        curve.setDownsampling(auto=True, method=method)
        curve.setClipToView(True)
        self._shapes[curve] = (method, per_pixel)
        self._looks[curve] = (colour, fade, width, style)
        return curve

    def _recolour(self) -> None:
        """Every curve in the theme's colours (the legend's samples draw the curves' pens)."""
        for curve, (colour, fade, width, style) in self._looks.items():
            curve.setPen(pen(curve_colour(colour, fade), width, style))
            if curve.opts["symbol"] is not None:
                curve.setSymbolBrush(curve.opts["pen"].color())
        self.legend.update()

    def _iterations(self, first: int, n: int) -> Array:
        """first, first + 1, … (n of them) as floats: a view of a buffer that doubles, so
        a refresh does not build a fresh arange of a million numbers."""
        if self._x_first != first or len(self._x_buffer) < n:
            size = max(n, 2 * len(self._x_buffer), 4096)
            self._x_buffer = np.arange(first, first + size, dtype=np.float64)
            self._x_buffer.flags.writeable = False
            self._x_first = first
        return self._x_buffer[:n]

    def _set(self, curve: pg.PlotDataItem, x: Array, y: Array, log: bool | None = None) -> None:
        """Show (x, y) on ``curve``: its plottable points, decimated to the visible range
        and the plot's width. ``log``: whether its y axis is logarithmic (the left's)."""
        log = self.log_y() if log is None else log
        self._show(curve, *plottable(x, packed(y), log), log)

    def _show(self, curve: pg.PlotDataItem, x: Array, y: Array, log: bool) -> None:
        """``_set`` for (x, y) already plottable."""
        method, per_pixel = self._shapes[curve]
        blocks = max(int(self.plot_item.vb.width() * per_pixel), 8)
        shown_x, shown_y = decimate(x, y, blocks, method, log, self._thinned_for)
        before = self._shown.get(curve)
        if (
            before is not None
            and np.array_equal(before[0], shown_x)
            and np.array_equal(before[1], shown_y, equal_nan=True)
        ):
            return  # the same points: an iteration's end moves no epoch or accuracy point
        curve.setData(shown_x, shown_y)
        self._shown[curve] = (np.array(shown_x), np.array(shown_y))  # copies: buffers move
        self._mark_lone_point(curve, len(shown_x) == 1)

    def _span(self, curve: object) -> tuple[float, float, float, float] | None:
        """What a curve spans (x first, x last, y min, y max), from the points it was given:
        pyqtgraph's own getData is clipped to the previous view and clamps far-off points
        towards it. None for an empty curve or another item."""
        shown = self._shown.get(curve)  # type: ignore[call-overload]
        if shown is None or not len(shown[0]):
            return None
        x, y = shown
        return float(x[0]), float(x[-1]), float(np.min(y)), float(np.max(y))

    def _clear(self, curve: pg.PlotDataItem) -> None:
        """Empty a curve (one whose layer the network no longer has)."""
        curve.setData([], [])
        self._shown.pop(curve, None)
        self._mark_lone_point(curve, False)

    def _mark_lone_point(self, curve: pg.PlotDataItem, lone: bool) -> None:
        """A line through one point draws nothing: a curve of one point (the loss after
        the first iteration, the accuracy after the first epoch) shows it as a dot."""
        if lone == (curve.opts["symbol"] is not None):
            return
        if lone:
            curve.setSymbol("o")
            curve.setSymbolSize(LONE_POINT_PX)
            curve.setSymbolPen(None)
            curve.setSymbolBrush(curve.opts["pen"].color())
        else:
            curve.setSymbol(None)

    def _visible_x(self) -> tuple[float, float] | None:
        """The x range shown, in iterations; None while it follows the data (autorange)."""
        vb = self.plot_item.vb
        if vb.autoRangeEnabled()[0]:
            return None
        low, high = vb.viewRange()[0]
        return (10.0**low, 10.0**high) if self.log_x() else (low, high)

    def _on_x_range_changed(self, *_args: object) -> None:
        # Zoomed or panned: the curves were thinned for another range. While x follows
        # the data, the whole series is thinned and a growing range changes nothing.
        if self._visible_x() != self._thinned_for:
            self._mark_dirty()

    def _on_resized(self, *_args: object) -> None:
        self._mark_dirty()  # a point or two per pixel: their number follows the width

    # --- the signals --------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.qt.session

    def _on_metrics_updated(self, _metrics: object) -> None:
        self._mark_dirty()

    def _on_step_taken(self, _step: object) -> None:
        # Within an iteration nothing here changes: the marker and the readout follow the
        # iteration, so the stops of one iteration cost nothing (a step must stay instant).
        iteration = self.session.position[0]
        if iteration == self._marked_iteration:
            return
        self._marked_iteration = iteration
        if self.qt.running:
            # The marker moves at the plot's own refresh, its turn among the frames:
            # moved every frame it would repaint the whole plot every frame.
            self._mark_dirty()
            return
        # The curves change with the metrics (metrics_updated), not with the position:
        # a new iteration moves one line and rewrites the readout, in the step's paint.
        self._place_marker()
        self.readout.setText(self._readout(self.session.metrics, iteration))

    def _on_session_replaced(self, session: Session) -> None:
        self._rebuild(session)
        self._marked_iteration = 0
        self._place_marker()
        self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._dirty = True
        # During a run the window's frames call refresh_if_dirty, in turn with the other
        # plots; otherwise one coalesced refresh follows the signals of one verb.
        if not self.qt.running and not self._refresh_timer.isActive():
            self._refresh_timer.start(0)

    def refresh_if_dirty(self) -> None:
        """Redraw if new data or a move arrived since the last redraw (the run's frames)."""
        self._refresh_if_dirty()

    def _refresh_if_dirty(self) -> None:
        # A plot in a closed or covered dock costs nothing; it catches up when shown.
        if self._dirty and self.on_screen():
            self.refresh()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._catch_up()

    def _catch_up(self) -> None:
        if self._dirty:
            self._refresh_timer.start(0)

    def refresh(self) -> None:
        """Read the session's metrics again and draw them (``setData`` of every curve whose
        points moved)."""
        self._dirty = False
        self._thinned_for = self._visible_x()
        metrics = self.session.metrics
        self._draw(metrics)
        self._anchor.set_bounds(self._data_range())
        self._place_marker()
        self.readout.setText(self._readout(metrics, self.session.position[0]))

    def _data_range(self) -> tuple | None:
        """The snapped range of the curves on the left axis (in view coordinates: log10
        on a log axis), None while they are empty."""
        spans = [
            self._span(item)
            for item in self.plot_item.vb.addedItems  # the left axis's: not the accuracy
            if item.isVisible()
        ]
        spans = [span for span in spans if span is not None]
        if not spans:
            return None
        x_low, x_high = min(s[0] for s in spans), max(s[1] for s in spans)
        y_low, y_high = min(s[2] for s in spans), max(s[3] for s in spans)
        if self.log_x():
            x_low, x_high = math.log10(x_low), math.log10(x_high)
        if self.log_y():  # plottable: every y > 0 on a log axis
            y_low, y_high = math.log10(y_low), math.log10(y_high)
        if not all(map(math.isfinite, (x_low, y_low, x_high, y_high))):
            return None
        return snapped_range((x_low, x_high), (y_low, y_high), self.log_x())

    def _draw(self, metrics: Metrics) -> None:
        raise NotImplementedError

    def _readout(self, metrics: Metrics, k: int) -> str:
        raise NotImplementedError

    def _rebuild(self, session: Session) -> None:
        """A new session: adapt the curves to it (its layers, its test set)."""

    def _place_marker(self) -> None:
        k = float(self.session.position[0])
        self.marker.setValue(math.log10(k) if self.log_x() and k > 0 else k)

    # --- log scale ----------------------------------------------------------------------

    def log_y(self) -> bool:
        return self.plot_item.ctrl.logYCheck.isChecked()

    def log_x(self) -> bool:
        return self.plot_item.ctrl.logXCheck.isChecked()

    def set_log(self, on: bool) -> None:
        """Logarithmic (True) or linear y axis."""
        self.plot_item.setLogMode(y=bool(on))

    def _on_log_changed(self, _on: bool) -> None:
        self.log_box.blockSignals(True)
        self.log_box.setChecked(self.log_y())
        self.log_box.blockSignals(False)
        # PlotItem puts every axis in log mode, the right one (a linear 0–100 %) too.
        self.plot_item.getAxis("right").setLogMode(False, False)
        self._log_changed()
        self.refresh()  # now, before a paint: what is plottable depends on the scale

    def _log_changed(self) -> None:
        """Items outside the PlotItem follow its x scale here."""

    # --- export and zoom ----------------------------------------------------------------

    def export(self, path: str | Path) -> None:
        """Save the plot, legend included, as PNG or SVG (by the suffix; else ValueError)."""
        if self._dirty:
            self.refresh()
        # The whole scene, not the PlotItem: the legend is its neighbour in the layout,
        # and the SVG exporter only walks an item's children.
        export_scene(self.view.scene(), path)

    def set_zoom(self, factor: float) -> None:
        """Scale the axis, legend and header fonts by ``factor`` (1.0 = the application's)."""
        self._zoom = theme.clamp_zoom(factor)
        font = theme.scaled_font(QtWidgets.QApplication.font(), self._zoom)
        size = f"{point_size(font):.1f}pt"
        labels = {"bottom": "iteration", "left": self._y_label}
        if self._right_label:
            labels["right"] = self._right_label
        for name, text in labels.items():
            axis = self.plot_item.getAxis(name)
            axis.setTickFont(font)
            axis.setLabel(text, color=theme.scheme().ink.name(), **{"font-size": size})
        self.legend.setLabelTextSize(size)
        for _sample, label in self.legend.items:  # setLabelTextSize only stores the size
            label.setText(label.text)
        self.legend.updateSize()
        self.log_box.setFont(font)
        self.readout.setFont(font)

    def zoom(self) -> float:
        return self._zoom

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.view.ci and event.type() == QtCore.QEvent.Type.LayoutRequest:
            # Before the layout places the items: at its new minimum, into the view.
            self.view.ci.setGeometry(self.view.range)
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        # The theme follows the application's palette (system scheme, choice, lecture mode).
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            restyle(self)
            self.marker.setPen(pen(theme.scheme().outline, 1.0))
            self._recolour()
        super().changeEvent(event)


class LossPlot(MetricPlot):
    """Training loss per iteration (thin) and per epoch (bold), test loss at the evaluated
    epochs, accuracy on a right-hand 0–100 % axis, the current iteration marked."""

    def __init__(self, qt: QtSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(
            qt,
            y_label="loss",
            log=True,
            right_label="accuracy (%)",
            legend_columns=2,
            parent=parent,
        )
        item = self.plot_item
        # Train in blue, test in vermillion; loss solid, accuracy dashed (right axis).
        self.iteration_curve = self._curve(TRAIN, 1.0, fade=0.55)
        self.epoch_curve = self._curve(TRAIN, 2.5)
        self.test_curve = self._curve(TEST, 2.5)
        for curve in (self.iteration_curve, self.epoch_curve, self.test_curve):
            item.addItem(curve)

        # Accuracy: a second ViewBox over the first's rectangle, its x linked, its y fixed
        # at 0–100 % (pyqtgraph's MultiplePlotAxes example). The example adds it to the
        # scene, over or under the whole PlotItem; here it is a child of the PlotItem,
        # between the grid and the loss's ViewBox: drawn over the grid, under the loss
        # curves, and the mouse and context menu go to the loss's ViewBox on top.
        self.accuracy_box = pg.ViewBox(enableMenu=False)
        self.accuracy_box.setMouseEnabled(x=False, y=False)
        self.accuracy_box.setParentItem(item)
        self.accuracy_box.setZValue((GRID_Z + item.vb.zValue()) / 2)
        self.accuracy_box.setXLink(item)
        self.accuracy_box.setYRange(0, 100, padding=0.05)
        self.accuracy_box.disableAutoRange()
        item.getAxis("right").linkToView(self.accuracy_box)
        self.train_accuracy_curve = self._curve(TRAIN, 1.5, QtCore.Qt.PenStyle.DashLine)
        self.test_accuracy_curve = self._curve(TEST, 1.5, QtCore.Qt.PenStyle.DashLine)
        for curve in (self.train_accuracy_curve, self.test_accuracy_curve):
            self.accuracy_box.addItem(curve)
        item.vb.sigResized.connect(self._fit_accuracy_box)
        self._fit_accuracy_box()

        self._has_test: bool | None = None
        self._middles: Array = np.empty(0)
        self._middles_key: tuple[int, int, float] | None = None
        self._rebuild(qt.session)
        self.set_zoom(1.0)
        self.refresh()

    def _fit_accuracy_box(self) -> None:
        self.accuracy_box.setGeometry(self.plot_item.vb.geometry())  # in the PlotItem's
        self.accuracy_box.linkedViewChanged(self.plot_item.vb, self.accuracy_box.XAxis)

    def _rebuild(self, session: Session) -> None:
        """The test curves and their legend entries exist only with a test set."""
        has_test = len(session.spec.dataset.x_test) > 0
        if has_test == self._has_test:
            return
        self._has_test = has_test
        self.legend.clear()
        entries = [
            (self.iteration_curve, "train loss (iteration)"),
            (self.epoch_curve, "train loss (epoch mean)"),
            (self.train_accuracy_curve, "train accuracy"),
        ]
        if has_test:
            entries[2:2] = [(self.test_curve, "test loss")]
            entries.append((self.test_accuracy_curve, "test accuracy"))
        for curve, name in entries:
            self.legend.addItem(curve, name)
        self.test_curve.setVisible(has_test)
        self.test_accuracy_curve.setVisible(has_test)

    def _log_changed(self) -> None:
        log_x = self.log_x()
        for curve in (self.train_accuracy_curve, self.test_accuracy_curve):
            curve.setLogMode(log_x, False)

    def _draw(self, metrics: Metrics) -> None:
        x = self._iterations(metrics.first, len(metrics))
        self._set(self.iteration_curve, x, metrics.loss)

        # An epoch's mean loss is drawn at the middle of its iterations, where it sits on
        # the thin curve; an evaluation after the epoch's last iteration, where it was made.
        self._set(self.epoch_curve, self._epoch_middles(metrics.epoch), metrics.epoch_loss)
        evaluated = self._evaluation_ends(metrics)
        self._set(self.train_accuracy_curve, evaluated, 100.0 * metrics.train_accuracy, False)
        if self._has_test:
            self._set(self.test_curve, evaluated, metrics.test_loss)
            self._set(self.test_accuracy_curve, evaluated, 100.0 * metrics.test_accuracy, False)

    def _epoch_middles(self, epochs: Array) -> Array:
        """The middle iteration of each epoch (consecutive epochs, as Metrics keeps them).

        Sliced from a cache that doubles, like the iteration numbers: a million XOR
        iterations are 250 000 epochs, and their positions cost 8 ms to compute afresh."""
        if len(epochs) == 0:
            return epochs
        trainer = self.session.history.trainer
        key = (trainer.n_samples, trainer.batch_size, float(epochs[0]))
        if key != self._middles_key or len(self._middles) < len(epochs):
            e = np.arange(epochs[0], epochs[0] + max(len(epochs), 2 * len(self._middles), 1024))
            last = self.session.history.epoch_last
            self._middles = (last(e - 1) + 1 + last(e)) / 2.0
            self._middles.flags.writeable = False
            self._middles_key = key
        middles = self._middles[: len(epochs)]
        if len(epochs) > 1 and epochs[-1] - epochs[0] != len(epochs) - 1:  # not consecutive
            last = self.session.history.epoch_last
            middles = (last(epochs - 1) + 1 + last(epochs)) / 2.0
        return middles

    def _evaluation_ends(self, metrics: Metrics) -> Array:
        """The iteration after which each evaluation was made (one per 64 or more)."""
        return self.session.history.epoch_last(metrics.evaluated_epoch).astype(np.float64)

    def _readout(self, metrics: Metrics, k: int) -> str:
        loss = metrics.loss_of(k)
        parts = [f"iteration {k}: loss {fmt_long(loss) if loss is not None else '–'}"]
        n = len(metrics.evaluated_epoch)
        if n:
            # The latest evaluation made by iteration k (evaluations are in order).
            ends = self._evaluation_ends(metrics)
            j = int(np.searchsorted(ends, k, side="right")) - 1
            if j >= 0:
                text = f"accuracy {_percent(metrics.train_accuracy[j])}"
                if self._has_test:
                    text += f" (test {_percent(metrics.test_accuracy[j])})"
                parts.append(f"{text} after epoch {int(metrics.evaluated_epoch[j])}")
        return " · ".join(parts)


def _percent(fraction: float) -> str:
    return "–" if not math.isfinite(fraction) else f"{100.0 * fraction:.0f} %"

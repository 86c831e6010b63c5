"""The gradient-norm plot: ‖∂l/∂W[l]‖ per layer over the iterations, on a log scale.

One colour per layer, so that vanishing gradients (the layers near the input sinking
decades below the output layer's) and exploding ones (curves shooting up) show at a
glance. With one sample per batch the norms swing from sample to sample and the raw
curves of the layers overlap in wide bands; so each layer has two curves over the same
data: the raw one, pale and thin (peak-decimated, so the band keeps its extremes), and
a bold trend, the mean of blocks about eight pixels wide (geometric on the log scale,
the mean the eye reads there). The shared machinery (thinning, signals, refresh,
marker, export, zoom) is in loss_plot.MetricPlot.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from ...debugger import Session
from ...debugger.metrics import Metrics
from ..qt_session import QtSession
from ..views.network_text import fmt_long
from .loss_plot import OKABE_ITO, MetricPlot, packed, plottable

# One trend point per this many pixels: smooth enough to read, fine enough to follow.
TREND_PIXELS = 8

_STYLES = (
    QtCore.Qt.PenStyle.SolidLine,
    QtCore.Qt.PenStyle.DashLine,
    QtCore.Qt.PenStyle.DotLine,
)


def layer_pen_style(j: int) -> tuple[str, QtCore.Qt.PenStyle]:
    """Colour (a palette entry, see loss_plot.curve_colour) and dash of the j-th layer's
    curve: the palette, then again dashed."""
    return OKABE_ITO[j % len(OKABE_ITO)], _STYLES[(j // len(OKABE_ITO)) % len(_STYLES)]


class NormsPlot(MetricPlot):
    """‖∂l/∂W[l]‖ (Frobenius norm of the batch gradient) per layer per iteration."""

    def __init__(self, qt: QtSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(qt, y_label="‖∂l/∂W[l]‖", log=True, legend_columns=4, parent=parent)
        # Curves are kept when a session with fewer layers replaces this one (hidden,
        # empty) and reused by the next deeper one: created once, as every curve here.
        self.curves: list[pg.PlotDataItem] = []  # raw, per layer
        self.trends: list[pg.PlotDataItem] = []  # smoothed, per layer
        self._layers: tuple[int, ...] | None = None
        self._rebuild(qt.session)
        self.set_zoom(1.0)
        self.refresh()

    def _rebuild(self, session: Session) -> None:
        layers = session.metrics.layers
        if layers == self._layers:
            return
        self._layers = layers
        while len(self.curves) < len(layers):
            colour, style = layer_pen_style(len(self.curves))
            curve = self._curve(colour, 1.0, style, fade=0.6)
            self.plot_item.addItem(curve)
            trend = self._curve(colour, 2.0, style, "mean", per_pixel=1.0 / TREND_PIXELS)
            trend.setZValue(10)  # every trend above every raw band
            # In the ViewBox, not the PlotItem, whose addItem and context menu would turn
            # its downsampling to 'peak' like the rest; so it follows the log scale here.
            trend.setLogMode(self.log_x(), self.log_y())
            self.plot_item.vb.addItem(trend)
            self.curves.append(curve)
            self.trends.append(trend)
        self.legend.clear()
        for j, (curve, trend) in enumerate(zip(self.curves, self.trends, strict=True)):
            shown = j < len(layers)
            curve.setVisible(shown)
            trend.setVisible(shown)
            if shown:
                self.legend.addItem(trend, f"W[{layers[j]}]")
            else:
                self._clear(curve)
                self._clear(trend)
        self.legend.setColumnCount(min(len(layers), 4))

    def _log_changed(self) -> None:
        for trend in self.trends:
            trend.setLogMode(self.log_x(), self.log_y())

    def _draw(self, metrics: Metrics) -> None:
        if metrics.layers != self._layers:  # a session replaced without the signal
            self._rebuild(self.session)
        x = self._iterations(metrics.first, len(metrics))
        norms = metrics.grad_norm
        log = self.log_y()
        for j in range(len(metrics.layers)):
            # One filtering for both curves of the layer.
            shown_x, shown_y = plottable(x, packed(norms[:, j]), log)
            self._show(self.curves[j], shown_x, shown_y, log)
            self._show(self.trends[j], shown_x, shown_y, log)

    def _readout(self, metrics: Metrics, k: int) -> str:
        j = k - metrics.first
        if not 0 <= j < len(metrics):  # its backward pass not finished yet
            return f"iteration {k}: ‖∂l/∂W‖ –"
        row = metrics.grad_norm[j]
        values = ", ".join(
            f"W[{l}] {fmt_long(float(v))}" for l, v in zip(metrics.layers, row, strict=True)
        )
        return f"iteration {k}: ‖∂l/∂W‖ {values}"

"""The ring around the current sample: where it is drawn, at what size, and in an export."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import SVGExporter
from PySide6 import QtGui

from bpdebugger.gui.plots.ring_item import RING_SIZE, RingItem


def plot_with_ring(qtbot, x: list[float], y: list[float]) -> tuple[pg.PlotWidget, RingItem]:
    widget = pg.PlotWidget(background="w")
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    ring = RingItem()
    widget.addItem(ring)
    ring.setData(x, y)
    widget.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, ring


def black_extent(widget: pg.PlotWidget) -> tuple[float, float, float, float]:
    """The box (x0, x1, y0, y1) of the ring's black pixels in a picture of the plot, in
    the widget's coordinates (device pixels divided by the device pixel ratio)."""
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    bits = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4)
    dark = bits[..., :3].astype(int).sum(axis=2) < 150
    dpr = image.devicePixelRatio()
    area = widget.getPlotItem().vb.sceneBoundingRect()
    inside = np.zeros_like(dark)
    rows = slice(round(area.top() * dpr), round(area.bottom() * dpr))
    cols = slice(round(area.left() * dpr), round(area.right() * dpr))
    inside[rows, cols] = True
    ys, xs = np.nonzero(dark & inside)
    return xs.min() / dpr, xs.max() / dpr, ys.min() / dpr, ys.max() / dpr


def test_a_ring_is_drawn_round_its_point_at_its_size_in_pixels_at_any_zoom(qtbot):
    widget, _ = plot_with_ring(qtbot, [5.0], [5.0])
    vb = widget.getPlotItem().vb
    for x_range in ((0, 10), (4, 6)):  # zoomed in fivefold: the ring keeps its size
        widget.setRange(xRange=x_range, yRange=(0, 10), padding=0)
        qtbot.wait(10)
        centre = widget.mapFromScene(vb.mapViewToScene(pg.Point(5.0, 5.0)))
        x0, x1, y0, y1 = black_extent(widget)
        assert abs((x0 + x1) / 2 - centre.x()) <= 1 and abs((y0 + y1) / 2 - centre.y()) <= 1
        assert abs((x1 - x0) - RING_SIZE) <= 2 and abs((y1 - y0) - RING_SIZE) <= 2


def test_set_data_places_the_finite_points_and_says_so_only_when_they_move(qtbot):
    _, ring = plot_with_ring(qtbot, [1.0, np.nan], [2.0, 3.0])
    x, y = ring.getData()
    assert x.tolist() == [1.0] and y.tolist() == [2.0]
    moved = []
    ring.sigPlotChanged.connect(moved.append)
    ring.setData([1.0], [2.0])
    assert moved == []
    ring.setData([4.0], [2.0])
    assert moved == [ring]
    ring.setData([], [])
    assert not ring.isVisible()


def test_an_svg_export_draws_the_ring_as_vectors(qtbot, tmp_path):
    widget, _ = plot_with_ring(qtbot, [5.0], [5.0])
    out = tmp_path / "plot.svg"
    SVGExporter(widget.getPlotItem()).export(str(out))
    svg = out.read_text()
    assert "<image" not in svg
    assert svg.count("<circle") == 2  # the halo and the ring

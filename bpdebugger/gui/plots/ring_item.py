"""The ring around the current sample(s) on the input plots: a black circle over a white
halo, visible on every colour of the map, the same size in pixels at every zoom.

One item blits one picture of the ring per point. Two pyqtgraph scatter items (halo and
ring) cost a fifth of a millisecond each at every repaint of their plot, which at an update
stop of the debugger is every stop's boundary redraw; this item costs a few microseconds.
Exported (SVG, PNG at another resolution), it draws vector circles instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

RING_SIZE = 22.0  # diameter in pixels
_HALO_PEN = ("#FFFFFF", 5.0)
_RING_PEN = ("#000000", 2.0)
_REACH = RING_SIZE / 2 + _HALO_PEN[1] / 2 + 1  # from a centre to the edge of the picture


def _draw_ring(p: QtGui.QPainter, centre: QtCore.QPointF) -> None:
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    r = RING_SIZE / 2
    for colour, width in (_HALO_PEN, _RING_PEN):
        p.setPen(QtGui.QPen(QtGui.QColor(colour), width))
        p.drawEllipse(centre, r, r)


class RingItem(pg.GraphicsObject):
    """Rings at points (x, y) in the plot's coordinates; ``setData`` moves them, ``getData``
    gives them back; ``sigPlotChanged`` is emitted when they move."""

    sigPlotChanged = QtCore.Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._x: npt.NDArray[np.float64] = np.empty(0)
        self._y: npt.NDArray[np.float64] = np.empty(0)
        self._bounds: QtCore.QRectF | None = None
        self._pictures: dict[float, QtGui.QPixmap] = {}  # per device pixel ratio
        self.setVisible(False)

    def setData(self, x: npt.ArrayLike, y: npt.ArrayLike) -> None:
        """Rings at the points that are numbers (a diverged network's NaN are not placed)."""
        x, y = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
        keep = np.isfinite(x) & np.isfinite(y)
        x, y = x[keep], y[keep]
        if np.array_equal(x, self._x) and np.array_equal(y, self._y):
            return
        self.prepareGeometryChange()
        self._x, self._y = x, y
        self._bounds = None
        self.setVisible(len(x) > 0)
        self.update()
        self.sigPlotChanged.emit(self)

    def getData(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        return self._x.copy(), self._y.copy()

    def viewTransformChanged(self) -> None:
        # the rings keep their size in pixels: their extent in data units changes
        self.prepareGeometryChange()
        self._bounds = None
        super().viewTransformChanged()

    def boundingRect(self) -> QtCore.QRectF:
        if self._bounds is None:
            if not len(self._x):
                self._bounds = QtCore.QRectF()
            else:
                px, py = self.pixelVectors()
                wx = _REACH * (px.length() if px is not None else 0.0)
                wy = _REACH * (py.length() if py is not None else 0.0)
                x0, x1 = float(self._x.min()), float(self._x.max())
                y0, y1 = float(self._y.min()), float(self._y.max())
                self._bounds = QtCore.QRectF(x0 - wx, y0 - wy, x1 - x0 + 2 * wx, y1 - y0 + 2 * wy)
        return self._bounds

    def paint(self, p: QtGui.QPainter, *args: object) -> None:
        to_device = p.transform()
        points = zip(self._x.tolist(), self._y.tolist(), strict=True)
        centres = [to_device.map(QtCore.QPointF(x, y)) for x, y in points]
        p.resetTransform()
        if self._exportOpts is not False:  # an export: vectors, at its resolution
            for centre in centres:
                _draw_ring(p, centre)
            return
        dpr = p.device().devicePixelRatioF()
        picture = self._picture(dpr)
        for centre in centres:
            p.drawPixmap(QtCore.QPointF(centre.x() - _REACH, centre.y() - _REACH), picture)

    def _picture(self, dpr: float) -> QtGui.QPixmap:
        picture = self._pictures.get(dpr)
        if picture is None:
            side = 2 * _REACH
            picture = QtGui.QPixmap(round(side * dpr), round(side * dpr))
            picture.setDevicePixelRatio(dpr)
            picture.fill(QtCore.Qt.GlobalColor.transparent)
            painter = QtGui.QPainter(picture)
            _draw_ring(painter, QtCore.QPointF(_REACH, _REACH))
            painter.end()
            self._pictures[dpr] = picture
        return picture

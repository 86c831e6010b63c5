"""An image of a field of floats seen through a colour map, drawn without conversions.

pyqtgraph renders a float image with levels and a lookup table as an 8-bit indexed QImage,
building its colour table with 256 qRgb calls at every render, and QPainter converts that
image to ARGB again at every paint. The boundary redraws its 200×200 field at every update
stop of the debugger and thirty times a second during a run: there the two cost half a
millisecond. FieldImage renders the field straight into a premultiplied ARGB32 image, the
format Qt's raster engine draws as it is.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from pyqtgraph import functions as fn
from PySide6 import QtGui


def argb_table(lut: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint32]:
    """A lookup table of RGB or RGBA rows as premultiplied 0xAARRGGBB words."""
    rgb = lut[:, :3].astype(np.uint32)
    alpha = lut[:, 3].astype(np.uint32) if lut.shape[1] == 4 else np.full(len(lut), 255, np.uint32)
    rgb = (rgb * alpha[:, None] + 127) // 255  # premultiplied, rounded
    return (alpha << 24) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


def colour_indices(values: npt.NDArray[np.floating], levels: tuple[float, float], n: int) -> tuple:
    """pyqtgraph's own mapping of values to the entries of an n-colour table: (v − low)·n /
    (high − low) truncated into [0, n − 1]. Returns the indices and where v is NaN (drawn
    transparent, as pyqtgraph draws them)."""
    low, high = levels
    span = (high - low) or 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = (values - low) * (n / span)
        np.clip(scaled, 0, n - 1, out=scaled)
    nan = np.isnan(values)
    scaled[np.isnan(scaled)] = 0  # NaN, or a tiny span's 0·inf: cast, NaN has no index
    return scaled.astype(np.intp), nan


class FieldImage(pg.ImageItem):
    """A row-major pg.ImageItem; a 2-D float image with levels and a colour lookup table
    (a colour bar sets both) is rendered to ARGB32 here, anything else by pyqtgraph."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self._table: tuple[object, npt.NDArray[np.uint32]] | None = None

    def render(self) -> None:
        image, lut, levels = self.image, self.lut, self.levels
        plain = (
            isinstance(image, np.ndarray)
            and image.ndim == 2
            and image.size > 0
            and image.dtype.kind == "f"
            and isinstance(lut, np.ndarray)
            and lut.dtype == np.uint8
            and lut.ndim == 2
            and lut.shape[1] in (3, 4)
            and levels is not None
            and np.ndim(levels) == 1
            and not self.autoDownsample
        )
        if not plain:
            super().render()
            return
        if self._table is None or self._table[0] is not lut:
            self._table = (lut, argb_table(lut))
        table = self._table[1]
        index, nan = colour_indices(image, (float(levels[0]), float(levels[1])), len(table))
        argb = table[index]
        argb[nan] = 0
        self.qimage = fn.ndarray_to_qimage(argb, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        self._renderRequired = False
        self._unrenderable = False

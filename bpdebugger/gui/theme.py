"""Colours and fonts shared by every view, so the window speaks one visual language.

Forward values and gradients get the circuit-diagram convention, values green and
gradients red-orange, in Okabe–Ito shades that colour-blind viewers and projectors
still tell apart. Signed numbers (cells, weights on edges) use a perceptually
uniform diverging map centred at 0, blue below and red above (colorcet's CET-D1,
shipped with pyqtgraph).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

FORWARD = QtGui.QColor("#009E73")  # values flow left to right in bluish green
BACKWARD = QtGui.QColor("#E69F00")  # gradients flow right to left in orange
UPDATE = QtGui.QColor("#CC79A7")  # parameter updates in reddish purple
BREAKPOINT = QtGui.QColor("#E0202A")

PHASE_COLOURS = {"forward": FORWARD, "backward": BACKWARD, "update": UPDATE}

DIVERGING = pg.colormap.get("CET-D1")

# Zoom (lecture mode) scales every text between these factors of the application font.
MIN_ZOOM, MAX_ZOOM = 0.5, 4.0

# Gradient-check grades: green / amber / red.
GRADE_COLOURS = {
    "good": QtGui.QColor("#1B9E4B"),
    "fair": QtGui.QColor("#E69F00"),
    "bad": QtGui.QColor("#D62728"),
}


def diverging_colour(value: float, scale: float) -> QtGui.QColor:
    """The diverging map's colour of ``value`` on [−scale, scale] (white-ish at 0)."""
    if not np.isfinite(value):
        return QtGui.QColor("#7F7F7F")
    t = 0.5 if scale <= 0 else 0.5 + 0.5 * float(np.clip(value / scale, -1.0, 1.0))
    return DIVERGING.mapToQColor(t)


def text_colour_on(background: QtGui.QColor) -> QtGui.QColor:
    """Black or white, whichever contrasts more with ``background`` by WCAG relative
    luminance (HSL lightness would put white on the backward orange, about 2:1)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in (background.redF(), background.greenF(), background.blueF()))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # the luminance where black and white have equal contrast: √(1.05 · 0.05) − 0.05
    return QtGui.QColor("#000000" if luminance > 0.179 else "#FFFFFF")


def clamp_zoom(factor: float) -> float:
    return float(min(MAX_ZOOM, max(MIN_ZOOM, factor)))


def scaled_font(base: QtGui.QFont, factor: float) -> QtGui.QFont:
    """``base`` at ``factor`` times its size, whether it is set in points or pixels."""
    font = QtGui.QFont(base)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    else:
        font.setPixelSize(max(1, round(font.pixelSize() * factor)))
    return font


class Zoomable:
    """``set_zoom`` / ``zoom`` for a view that rescales its fonts in ``_apply_font``
    (lecture mode: the window's Ctrl+= and Ctrl+- call every view's set_zoom)."""

    _zoom = 1.0

    def set_zoom(self, factor: float) -> None:
        """Scale every text by ``factor`` (1.0 = the application's font size)."""
        self._zoom = clamp_zoom(factor)
        self._apply_font()

    def zoom(self) -> float:
        return self._zoom

    def changeEvent(self, event: QtCore.QEvent) -> None:
        # The zoom scales the widget's own font, which follows the application's (the
        # system font): when that changes, the scaled fonts are made again.
        if event.type() in (
            QtCore.QEvent.Type.FontChange,
            QtCore.QEvent.Type.ApplicationFontChange,
        ):
            self._apply_font()
        super().changeEvent(event)  # type: ignore[misc]

    def _apply_font(self) -> None:
        raise NotImplementedError

"""Colours and fonts shared by every view, so the window speaks one visual language.

Forward values and gradients get the circuit-diagram convention, values green and
gradients red-orange, in Okabe–Ito shades that colour-blind viewers and projectors
still tell apart. Signed numbers (cells, weights on edges) use a perceptually
uniform diverging map centred at 0, blue below and red above (colorcet's CET-D1,
shipped with pyqtgraph).
"""

from __future__ import annotations

from dataclasses import dataclass

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


def mix(colour: QtGui.QColor, into: QtGui.QColor, amount: float) -> QtGui.QColor:
    """``amount`` of ``colour`` over ``into``, opaque: tints that stay on-hue when projected
    (and opaque strokes are drawn far faster than translucent ones)."""
    return QtGui.QColor.fromRgbF(
        colour.redF() * amount + into.redF() * (1 - amount),
        colour.greenF() * amount + into.greenF() * (1 - amount),
        colour.blueF() * amount + into.blueF() * (1 - amount),
    )


@dataclass(frozen=True)
class Scheme:
    """The colours the views draw their own surfaces in: the paper, the ink and the greys
    between. The data colours above (phases, the diverging map, grades) mean the same in
    every scheme and are not here."""

    name: str
    paper: QtGui.QColor  # the background of the network, the plots and the card's cells
    ink: QtGui.QColor  # text, axes' labels
    outline: QtGui.QColor  # neurons' outlines, axes' lines, muted text that must still read
    quiet: QtGui.QColor  # links, footers: present but not competing with data
    rule: QtGui.QColor  # grid lines, zero weights, faded numbers
    faint: QtGui.QColor  # faded cells, the bias node's square
    line_width: float = 1.0  # strokes and axes are this many times their usual width

    @property
    def dark(self) -> bool:
        return self.paper.lightnessF() < 0.5

    @property
    def value_fill(self) -> QtGui.QColor:
        """A computed value's neuron: a tint of the forward green."""
        return mix(FORWARD, self.paper, 0.22 if not self.dark else 0.3)

    @property
    def gradient_fill(self) -> QtGui.QColor:
        """A known gradient's chip: a tint of the backward orange."""
        return mix(BACKWARD, self.paper, 0.28)

    @property
    def gradient_ink(self) -> QtGui.QColor:
        """Gradient text in the backward colour, dark enough (or light enough) to read."""
        return BACKWARD.lighter(115) if self.dark else BACKWARD.darker(230)

    def palette(self) -> QtGui.QPalette:
        """A Qt palette for the window's own widgets in this scheme (the Fusion style
        draws every widget from it)."""
        mid = mix(self.ink, self.paper, 0.5)
        window = self.paper if self.name == "high_contrast" else mix(self.ink, self.paper, 0.06)
        roles = QtGui.QPalette.ColorRole
        palette = QtGui.QPalette()
        for role, colour in (
            (roles.Window, window),
            (roles.WindowText, self.ink),
            (roles.Base, self.paper),
            (roles.AlternateBase, self.faint),
            (roles.ToolTipBase, self.paper),
            (roles.ToolTipText, self.ink),
            (roles.PlaceholderText, self.quiet),
            (roles.Text, self.ink),
            (roles.Button, window),
            (roles.ButtonText, self.ink),
            (roles.BrightText, QtGui.QColor("#FF5555")),
            (roles.Light, mix(self.ink, self.paper, 0.15)),
            (roles.Midlight, mix(self.ink, self.paper, 0.25)),
            (roles.Mid, mid),
            (roles.Dark, self.outline),
            (roles.Shadow, self.ink if self.name == "high_contrast" else QtGui.QColor("#000000")),
            (roles.Highlight, QtGui.QColor("#0050B0" if not self.dark else "#3D7CC9")),
            (roles.HighlightedText, QtGui.QColor("#FFFFFF")),
            (roles.Link, QtGui.QColor("#0050B0" if not self.dark else "#7FB2F0")),
            (roles.LinkVisited, QtGui.QColor("#6A2C91" if not self.dark else "#C59AE8")),
        ):
            palette.setColor(role, colour)
        disabled = QtGui.QPalette.ColorGroup.Disabled
        for role in (roles.WindowText, roles.Text, roles.ButtonText):
            palette.setColor(disabled, role, self.quiet)
        return palette


LIGHT = Scheme(
    "light",
    paper=QtGui.QColor("#FFFFFF"),
    ink=QtGui.QColor("#1A1A1A"),
    outline=QtGui.QColor("#5A5A5A"),
    quiet=QtGui.QColor("#8C8C8C"),
    rule=QtGui.QColor("#BDBDBD"),
    faint=QtGui.QColor("#F2F2F2"),
)
DARK = Scheme(
    "dark",
    paper=QtGui.QColor("#1E1F22"),
    ink=QtGui.QColor("#E6E6E6"),
    outline=QtGui.QColor("#A6A6A6"),
    quiet=QtGui.QColor("#8A8A8A"),
    rule=QtGui.QColor("#5C5C5C"),
    faint=QtGui.QColor("#2E3034"),
)
# Lecture mode: black on white with thick strokes, what a washed-out projector in a lit
# room still shows (the greys are darker than the light scheme's, the paper pure white).
HIGH_CONTRAST = Scheme(
    "high_contrast",
    paper=QtGui.QColor("#FFFFFF"),
    ink=QtGui.QColor("#000000"),
    outline=QtGui.QColor("#000000"),
    quiet=QtGui.QColor("#4D4D4D"),
    rule=QtGui.QColor("#8C8C8C"),
    faint=QtGui.QColor("#E6E6E6"),
    line_width=1.6,
)

_high_contrast = False


def set_high_contrast(on: bool) -> None:
    """Lecture mode's colours (call before setting the application palette, whose change
    makes the views draw again)."""
    global _high_contrast
    _high_contrast = bool(on)


def palette_is_dark(palette: QtGui.QPalette) -> bool:
    """Whether a palette draws light text on a dark window."""
    roles = QtGui.QPalette.ColorRole
    return palette.color(roles.Window).lightnessF() < palette.color(roles.WindowText).lightnessF()


def scheme() -> Scheme:
    """The scheme the views draw in now: lecture mode's high contrast, else light or dark
    as the application's palette is (which follows the system, or the user's choice)."""
    if _high_contrast:
        return HIGH_CONTRAST
    return DARK if palette_is_dark(QtGui.QGuiApplication.palette()) else LIGHT


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

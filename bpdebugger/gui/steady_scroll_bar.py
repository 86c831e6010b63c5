"""A vertical scroll bar that repaints from a picture while nothing about it changed.

Fusion paints a tall scroll bar's gradients in a millisecond or two. The gradient card's
and the narration's bars appear, disappear and change range as stops of different lengths
alternate, and the same few looks recur from one iteration to the next: at rest they are
blitted from a small cache of pictures instead. Hovered, pressed or focused, the bar paints
as usual. Either way the bar paints every pixel of its rectangle, in the window colour where
the style leaves it bare, so Qt does not repaint the dock beneath it first.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


def width_beside_bar(area: QtWidgets.QAbstractScrollArea) -> int:
    """The width inside ``area`` less its vertical scroll bar's, whether the bar shows or
    not: text wrapped at it is not laid out again when a long page brings the bar."""
    return area.contentsRect().width() - area.verticalScrollBar().sizeHint().width()


class SteadyScrollBar(QtWidgets.QScrollBar):
    """A vertical QScrollBar whose pictures at rest are kept, one per look (size, where
    the handle is and whether it is at an end, state, palette, style), up to 32 of them."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(QtCore.Qt.Orientation.Vertical, parent)
        self._cache: dict[tuple[object, ...], QtGui.QPixmap] = {}
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if self.underMouse() or self.isSliderDown() or self.hasFocus():
            under = QtGui.QPainter(self)
            under.fillRect(self.rect(), self.palette().color(QtGui.QPalette.ColorRole.Window))
            under.end()
            super().paintEvent(event)
            return
        opt = QtWidgets.QStyleOptionSlider()
        self.initStyleOption(opt)
        dpr = self.devicePixelRatioF()
        # The bar's look is where its handle is and whether it sits at an end, whatever
        # range and page give that: stops whose card heights differ by a line share it.
        handle = self.style().subControlRect(
            QtWidgets.QStyle.ComplexControl.CC_ScrollBar,
            opt,
            QtWidgets.QStyle.SubControl.SC_ScrollBarSlider,
            self,
        )
        key = (
            self.size().toTuple(),
            dpr,
            int(opt.state.value),
            handle.getRect(),
            opt.sliderPosition <= opt.minimum,
            opt.sliderPosition >= opt.maximum,
            opt.upsideDown,
            opt.palette.cacheKey(),
            id(self.style()),
        )
        pixmap = self._cache.get(key)
        if pixmap is None:
            if len(self._cache) >= 32:
                self._cache.clear()
            pixmap = QtGui.QPixmap(self.size() * dpr)
            pixmap.setDevicePixelRatio(dpr)
            # what lies under the bar: an opaque picture blits exactly what the style
            # would have blended onto it (a transparent one rounds its shades)
            pixmap.fill(opt.palette.color(QtGui.QPalette.ColorRole.Window))
            painter = QtGui.QPainter(pixmap)
            try:
                opt.subControls = QtWidgets.QStyle.SubControl.SC_All
                opt.activeSubControls = QtWidgets.QStyle.SubControl.SC_None
                self.style().drawComplexControl(
                    QtWidgets.QStyle.ComplexControl.CC_ScrollBar, opt, painter, self
                )
            finally:
                painter.end()
            self._cache[key] = pixmap
        p = QtGui.QPainter(self)
        try:
            p.drawPixmap(0, 0, pixmap)
        finally:
            p.end()

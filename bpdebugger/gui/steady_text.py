"""Text that changes at every step without making Qt lay the window out again.

A widget whose size hint may change (a QLabel with a new text) tells its parent's layout,
which tells its parent's, up to the main window: Qt then lays out the status bar, the
toolbars and every dock again, the largest part of a step's cost. These widgets take new
text at the price of a repaint only.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


class SteadyLabel(QtWidgets.QLabel):
    """A one-line label whose size changes only when its text needs more room.

    The status bar's position and the timeline's "stop i/n" change at every step; a label
    that grew and shrank with its text would make Qt lay out the whole window again (the
    status bar, the toolbars, every dock) at every step, the largest part of a step's
    cost. Fixed, its new text is only painted."""

    def setText(self, text: str) -> None:
        super().setText(text)
        fm = self.fontMetrics()
        needed = fm.horizontalAdvance(text) + 2 * self.margin() + 4
        if needed > self.minimumWidth() or self.minimumHeight() != fm.height():
            self.setFixedSize(max(needed, self.minimumWidth()), fm.height())

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self.setMinimumWidth(0)  # measured afresh in the new font
            self.setText(self.text())
        super().changeEvent(event)


class ReadoutText(QtWidgets.QWidget):
    """Up to two lines of text, wrapped to the widget's width, that a layout sizes once
    (two lines of its font) whatever the text: ``setText`` only repaints, and only this
    widget (it paints its own background, so Qt does not repaint its dock beneath it)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
        )

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.setToolTip(text)  # the whole text, should a narrow plot cut it
            self.update()

    def text(self) -> str:
        return self._text

    def sizeHint(self) -> QtCore.QSize:
        fm = self.fontMetrics()
        return QtCore.QSize(30 * fm.averageCharWidth(), 2 * fm.lineSpacing())

    def minimumSizeHint(self) -> QtCore.QSize:
        fm = self.fontMetrics()
        return QtCore.QSize(4 * fm.averageCharWidth(), 2 * fm.lineSpacing())

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        p = QtGui.QPainter(self)
        try:
            p.fillRect(self.rect(), self.palette().color(QtGui.QPalette.ColorRole.Window))
            p.setPen(self.palette().color(QtGui.QPalette.ColorRole.WindowText))
            flags = (
                QtCore.Qt.AlignmentFlag.AlignLeft
                | QtCore.Qt.AlignmentFlag.AlignVCenter
                | QtCore.Qt.TextFlag.TextWordWrap
            )
            p.drawText(self.rect(), int(flags), self._text)
        finally:
            p.end()

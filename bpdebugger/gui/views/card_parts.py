"""Painted parts of the gradient card besides the matrices: the stop header and text blocks."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.gui.theme import PHASE_COLOURS, scheme, text_colour_on


class StopHeader(QtWidgets.QWidget):
    """The stop's title, e.g. "backward · a[3] · sigmoid · iteration 1, stop 7", with the
    phase as a coloured pill, and a second, muted line about the sample(s). Both wrap at
    the width ``set_width`` gives; the height is fixed to what they take there."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._phase = ""
        self._rest = ""
        self._detail = ""
        self._layouts: dict[int, tuple[QtCore.QRect, QtCore.QRect, QtCore.QRect]] = {}
        self._fit()

    def set_text(self, phase: str, rest: str, detail: str) -> None:
        if (phase, rest, detail) != (self._phase, self._rest, self._detail):
            self._phase, self._rest, self._detail = phase, rest, detail
            self._layouts = {}
            self._fit()
            self.update()

    def set_width(self, width: int) -> None:
        """The width the header is laid out in (the card's visible width)."""
        self.setMaximumWidth(width)
        self._fit()

    def _fit(self) -> None:
        fit_height(self, self.height_at(laid_out_width(self, self.sizeHint().width())))

    def text(self) -> str:
        """The header line as plain text."""
        return f"{self._phase} · {self._rest}" if self._phase else self._rest

    def detail(self) -> str:
        return self._detail

    def _bold(self) -> QtGui.QFont:
        font = QtGui.QFont(self.font())
        font.setBold(True)
        return font

    def _pad(self) -> int:
        return max(2, self.fontMetrics().height() // 4)

    def _pill_width(self) -> int:
        if not self._phase:
            return 0
        return QtGui.QFontMetrics(self._bold()).horizontalAdvance(self._phase) + 3 * self._pad()

    def _layout(self, width: int) -> tuple[QtCore.QRect, QtCore.QRect, QtCore.QRect]:
        """Rectangles of the pill, the title text and the detail line at ``width``
        (remembered per width: layouts ask for the height many times a step)."""
        cached = self._layouts.get(width)
        if cached is None:
            cached = self._layouts[width] = self._measure(width)
        return cached

    def _measure(self, width: int) -> tuple[QtCore.QRect, QtCore.QRect, QtCore.QRect]:
        pad = self._pad()
        bfm = QtGui.QFontMetrics(self._bold())
        pill_h = bfm.height() + pad
        x = self._pill_width()
        flags = QtCore.Qt.TextFlag.TextWordWrap
        title = bfm.boundingRect(
            QtCore.QRect(x, pad // 2, max(1, width - x), 10000), flags, self._rest
        )
        pill = QtCore.QRect(0, 0, x - pad, pill_h) if self._phase else QtCore.QRect()
        top = max(pill_h, title.bottom() + 1) + pad // 2
        fm = self.fontMetrics()
        detail = fm.boundingRect(QtCore.QRect(0, top, max(1, width), 10000), flags, self._detail)
        detail.setWidth(width)
        title.setWidth(max(1, width - x))
        return pill, title, detail

    def height_at(self, width: int) -> int:
        _, title, detail = self._layout(min(width, self.maximumWidth()))
        return max(title.bottom(), detail.bottom()) + 1 + self._pad() // 2

    def sizeHint(self) -> QtCore.QSize:
        bfm = QtGui.QFontMetrics(self._bold())
        width = self._pill_width() + bfm.horizontalAdvance(self._rest)
        width = max(width, self.fontMetrics().horizontalAdvance(self._detail))
        return QtCore.QSize(min(width, self.maximumWidth()), self.height())

    def minimumSizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(self._pill_width() + 4 * self.fontMetrics().height(), self.height())

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._layouts = {}
            self._fit()
        super().changeEvent(event)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        p = QtGui.QPainter(self)
        try:
            pill, title, detail = self._layout(self.width())
            pad = self._pad()
            wrap = int(
                QtCore.Qt.TextFlag.TextWordWrap
                | QtCore.Qt.AlignmentFlag.AlignLeft
                | QtCore.Qt.AlignmentFlag.AlignTop
            )
            bold = self._bold()
            if self._phase:
                colour = PHASE_COLOURS.get(self._phase, scheme().outline)
                p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
                p.setPen(QtCore.Qt.PenStyle.NoPen)
                p.setBrush(colour)
                p.drawRoundedRect(QtCore.QRectF(pill), pad, pad)
                p.setFont(bold)
                p.setPen(text_colour_on(colour))
                p.drawText(pill, QtCore.Qt.AlignmentFlag.AlignCenter, self._phase)
            p.setFont(bold)
            p.setPen(self.palette().color(QtGui.QPalette.ColorRole.WindowText))
            p.drawText(title, wrap, self._rest)
            p.setFont(self.font())
            p.setPen(scheme().outline)
            p.drawText(detail, wrap, self._detail)
        finally:
            p.end()


_NO_MAXIMUM = (1 << 24) - 1  # Qt's QWIDGETSIZE_MAX, which PySide does not export


def laid_out_width(widget: QtWidgets.QWidget, unset: int) -> int:
    """The width a card text is laid out at: its maximum (the card's visible width, see
    ``set_width``), or ``unset`` before the card has been given one."""
    width = widget.maximumWidth()
    return unset if width >= _NO_MAXIMUM else width


def fit_height(widget: QtWidgets.QWidget, height: int) -> None:
    """Fix ``widget``'s height; only a new height makes its layouts work again."""
    if widget.minimumHeight() != height or widget.maximumHeight() != height:
        widget.setFixedHeight(height)


# A step lays a text out at the card's width; a few more widths spare the layouts of a
# resize, without keeping one per pixel.
_KEPT_WIDTHS = 6

# A text's paragraphs laid out at one width: a QTextLayout each, lines placed top to bottom;
# the height; and the widest line's own width if no paragraph wrapped, else None.
_Lines = tuple[list[QtGui.QTextLayout], int, int | None]


class TextBlock(QtWidgets.QWidget):
    """Plain text wrapped to the width ``set_width`` gives, laid out once per (text, width),
    its height fixed to what the text takes there.

    Equations and notes change on every step. A QLabel, or any widget whose height
    depends on its width, is asked its height many times a step by every layout up to
    the scroll area, which costs milliseconds; this block is laid out once when its text
    or width changes and its layouts see a fixed height. It keeps its lines for the last
    few widths (a resize goes back and forth).
    Right-click offers Copy, for students pasting an equation into their notes.
    """

    def __init__(
        self, parent: QtWidgets.QWidget | None = None, *, bold: bool = False, muted: bool = False
    ) -> None:
        super().__init__(parent)
        self._text = ""
        self._bold = bold
        self._muted = muted
        self._layouts: dict[int, _Lines] = {}  # per width
        self._unwrapped: _Lines | None = None  # lines that did not wrap, see _layout
        copy = QtGui.QAction("Copy", self)
        copy.triggered.connect(self._copy)
        self.addAction(copy)
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.ActionsContextMenu)
        self.hide()  # no text, no blank line: set_text shows it

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self._invalidate()
        self.setVisible(bool(text))

    def text(self) -> str:
        return self._text

    def _copy(self) -> None:
        QtWidgets.QApplication.clipboard().setText(self._text)

    def _font(self) -> QtGui.QFont:
        font = QtGui.QFont(self.font())
        if self._bold:
            font.setBold(True)
        return font

    def _invalidate(self) -> None:
        self._layouts = {}
        self._unwrapped = None
        self._fit()
        self.update()

    def set_width(self, width: int) -> None:
        """The width the text wraps at (the card's visible width)."""
        self.setMaximumWidth(width)
        self._fit()

    def _width(self) -> int:
        """The width the text is laid out at: the one ``set_width`` gave, or before that
        the text's natural width."""
        width = laid_out_width(self, -1)
        return width if width >= 0 else self._layout(_NO_MAXIMUM)[2] or 0

    def _fit(self) -> None:
        fit_height(self, self.height_at(self._width()))

    def _layout(self, width: int) -> _Lines:
        """The text broken into lines at ``width`` (one QTextLayout per paragraph), its
        height, and the widest line's own width if no paragraph wrapped (else None): lines
        that did not wrap serve every wider width too, so a short text is laid out once and
        a long one once per width, never measured apart from its layout."""
        unwrapped = self._unwrapped
        if unwrapped is not None and width >= unwrapped[2]:
            return unwrapped
        cached = self._layouts.get(width)
        if cached is None:
            if len(self._layouts) >= _KEPT_WIDTHS:  # dragging the window's edge: drop the oldest
                del self._layouts[next(iter(self._layouts))]
            cached = self._layouts[width] = self._break(width)
            if cached[2] is not None:
                self._unwrapped = cached
        return cached

    def _break(self, width: int) -> _Lines:
        font = self._font()
        option = QtGui.QTextOption()
        option.setWrapMode(QtGui.QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layouts = []
        y, widest, wrapped = 0.0, 0.0, False
        for paragraph in self._text.split("\n"):
            layout = QtGui.QTextLayout(paragraph, font)
            layout.setTextOption(option)
            layout.beginLayout()
            while True:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(max(1, width))
                line.setPosition(QtCore.QPointF(0.0, y))
                y += line.height()
                widest = max(widest, line.naturalTextWidth())
            layout.endLayout()
            layouts.append(layout)
            wrapped = wrapped or layout.lineCount() > 1
        return layouts, math.ceil(y), None if wrapped else math.ceil(widest) + 1

    def height_at(self, width: int) -> int:
        """The height of the text wrapped at ``width`` (at most the block's width)."""
        return self._layout(min(width, self.maximumWidth()))[1]

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(self._width(), self.height())

    def minimumSizeHint(self) -> QtCore.QSize:
        # narrow enough to follow the visible width down
        return QtCore.QSize(min(self.fontMetrics().height() * 6, self._width()), self.height())

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._invalidate()
        super().changeEvent(event)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        layouts = self._layout(self.width())[0]
        p = QtGui.QPainter(self)
        try:
            colour = scheme().outline if self._muted else None
            p.setPen(colour or self.palette().color(QtGui.QPalette.ColorRole.WindowText))
            for layout in layouts:
                layout.draw(p, QtCore.QPointF(0.0, 0.0))
        finally:
            p.end()

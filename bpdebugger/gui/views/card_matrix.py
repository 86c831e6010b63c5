"""A small matrix of coloured cells with its numbers, symbol and shape, painted in one pass.

The gradient card shows a dozen of these per stop and must update them in a few
milliseconds, so each is a single widget that draws its cells in ``paintEvent``
rather than a grid of QLabels: ``set_data`` only formats the numbers, picks the
colours and schedules a repaint; the geometry changes only when the shape does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.engine import gradcheck
from bpdebugger.engine.gradcheck import Check
from bpdebugger.engine.notation import MINUS, fmt
from bpdebugger.engine.stop_text import as_matrix
from bpdebugger.gui.theme import (
    GRADE_COLOURS,
    diverging_colour,
    scaled_font,
    scheme,
    text_colour_on,
)

Array = npt.NDArray[np.float64]
T = TypeVar("T")


# Matrices wider or taller than this draw their cells as small coloured squares
# without numbers (hover shows each value): a 16×16 Jacobian stays readable as a
# picture instead of pushing the card a thousand pixels wide.
MAX_TEXT_COLUMNS = 8
MAX_TEXT_ROWS = 16

# Cell numbers and the small print (shape, caption, labels) relative to the symbol's font:
# slightly smaller numbers let three 2×2 matrices sit side by side in a 420 px card.
CELL_FONT = 0.9
SMALL_FONT = 0.85


# --- numbers as the card writes them: fmt and MINUS from engine.notation, and in full -------


def full(value: float) -> str:
    """Every digit of a float64 (repr round-trips it), for tooltips."""
    v = float(value)
    if not math.isfinite(v):  # NaN and ±inf spelled as everywhere else
        return fmt(v)
    return repr(v).replace("-", MINUS)


def shape_text(rows: int, columns: int) -> str:
    return f"{rows}×{columns}"


# --- colours ------------------------------------------------------------------------------

_LUT_SIZE = 257  # odd, so that 0 falls exactly on the centre entry


class _ColourTable:
    """Cell backgrounds and their text colours sampled once from theme.diverging_colour,
    the last entry (index −1) for NaN and ±inf; the backgrounds also as 0xAARRGGBB words,
    from which a matrix's cells become one picture.

    Mapping every cell through the colour map on each step costs tens of
    microseconds a cell; indexing a table built from the same map is free.
    """

    def __init__(self) -> None:
        samples = [2.0 * i / (_LUT_SIZE - 1) - 1.0 for i in range(_LUT_SIZE)] + [float("nan")]
        self.backgrounds = [diverging_colour(x, 1.0) for x in samples]
        self.texts = [text_colour_on(c) for c in self.backgrounds]
        self.words = np.array([c.rgba() for c in self.backgrounds], dtype=np.uint32)


_table: _ColourTable | None = None


def _colour_table() -> _ColourTable:
    global _table
    if _table is None:
        _table = _ColourTable()
    return _table


def _colour_indices(v: Array, scale: float) -> npt.NDArray[np.intp]:
    """Each value's entry in the colour table (the diverging map on [−scale, scale]), −1
    for NaN and ±inf."""
    with np.errstate(all="ignore"):
        t = np.zeros_like(v) if scale <= 0 else np.clip(v / scale, -1.0, 1.0)
        index = np.rint((t + 1.0) * 0.5 * (_LUT_SIZE - 1))
    return np.where(np.isfinite(v), index, -1).astype(np.intp)


# Up to this many cells a matrix fills each cell; a larger one blits a picture of them all
# (_cells_image), which costs more to make than a few fills but far less than 256 fills.
_FILLED_CELLS = 16

# Alignments, made once: a Qt flag built in Python costs microseconds, a paint uses several.
_CENTRE = QtCore.Qt.AlignmentFlag.AlignCenter
_LEFT = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter


# --- gradient-check badge ---------------------------------------------------------------

CHECK_TOOLTIP = (
    "Numerical gradient check: every entry of the parameter is nudged by ±h "
    f"(h = {fmt(gradcheck.STEP, 1)}) and the change of the loss divided by 2h.\n"
    "Shown: the largest relative error |analytic − numeric| / max(|analytic|, |numeric|).\n"
    f"green (good): below {fmt(gradcheck.GOOD, 1)}: backpropagation is right;\n"
    f"amber (fair): below {fmt(gradcheck.FAIR, 1)}: acceptable near a kink (relu at 0);\n"
    "red (bad): larger: suspect the gradient."
)


class CheckBadge:
    """A parameter gradient's numerical check as its matrix paints it: a pill coloured by
    grade (GRADE_COLOURS) saying the grade and the largest relative error."""

    tooltip = CHECK_TOOLTIP

    def __init__(self) -> None:
        self.grade: str | None = None
        self.max_error: float | None = None
        self.text = ""

    @property
    def visible(self) -> bool:
        return self.grade is not None

    @property
    def colour(self) -> QtGui.QColor | None:
        return None if self.grade is None else QtGui.QColor(GRADE_COLOURS[self.grade])

    def set_check(self, check: Check | None) -> None:
        """Show ``check``; None hides the badge."""
        if check is None:
            self.grade, self.max_error, self.text = None, None, ""
        elif np.isfinite(check.analytic).all() and np.isfinite(check.numeric).all():
            self.max_error = check.max_error
            self.grade = check.grade
            self.text = f"check {self.grade} · {fmt(self.max_error, 2)}"
        else:
            # The relative error of NaN or ±inf measures nothing (it can even come out
            # as 0): a gradient that is not a number fails its check.
            self.grade, self.max_error, self.text = "bad", float("nan"), "check bad · NaN"


# --- the widget -------------------------------------------------------------------------


class _Fonts:
    """A matrix's fonts: the symbol's (the widget's own), the cells' and the small print's,
    with the widths of the texts measured in them (symbols and captions recur every step)."""

    def __init__(self, font: QtGui.QFont) -> None:
        self._widths: dict[tuple[int, str], int] = {}
        self._statics: dict[tuple[int, str], QtGui.QStaticText] = {}
        self.font = QtGui.QFont(font)
        self.main = QtGui.QFontMetrics(font)
        self.bold_font = QtGui.QFont(font)
        self.bold_font.setBold(True)
        self.bold = QtGui.QFontMetrics(self.bold_font)
        self.cell_font = scaled_font(font, CELL_FONT)
        self.cells = QtGui.QFontMetrics(self.cell_font)
        self.small_font = scaled_font(font, SMALL_FONT)
        self.small = QtGui.QFontMetrics(self.small_font)
        self.min_cell_text = self.cells.horizontalAdvance(f"{MINUS}0.0000")

    def static(self, font: QtGui.QFont, text: str) -> QtGui.QStaticText:
        """``text`` laid out once in ``font`` (one of these fonts), to be drawn again and
        again: a symbol, a shape or a caption recurs at every stop of its kind, and
        drawText would shape it anew at every paint."""

        def laid_out() -> QtGui.QStaticText:
            st = QtGui.QStaticText(text)
            st.setTextFormat(QtCore.Qt.TextFormat.PlainText)
            st.prepare(QtGui.QTransform(), font)
            return st

        return _remembered(self._statics, (id(font), text), laid_out)

    def width(self, metrics: QtGui.QFontMetrics, text: str) -> int:
        """``metrics.horizontalAdvance(text)``, remembered."""
        return _remembered(
            self._widths, (id(metrics), text), lambda: metrics.horizontalAdvance(text)
        )


def _remembered(cache: dict, key: object, make: Callable[[], T]) -> T:
    """``cache[key]``, made on first use; the cache is emptied past 1024 entries (captions
    carry numbers now and then: the texts of a long session are not all kept)."""
    value = cache.get(key)
    if value is None:
        if len(cache) > 1024:
            cache.clear()
        value = cache[key] = make()
    return value


class MatrixWidget(QtWidgets.QWidget):
    """A labelled matrix: symbol line, coloured cells with numbers, shape and caption.

    An ``operator`` (·, +, =, ×) may stand to its left, level with the cells, so that a
    row of matrices reads as an equation; a ``badge`` shows a gradient check under it.

    Colours come from the diverging map centred at 0 and scaled by this matrix's
    largest finite |value|; NaN and ±inf are grey cells named "NaN" / "inf".
    Cells listed in ``faded`` (e.g. the structural zeros of a diagonal Jacobian)
    are drawn pale. An optional footer row (e.g. Σ, the per-column sums) is drawn
    under a gap, aligned with the columns, and coloured on the same scale.
    """

    def __init__(
        self,
        name: str,
        parent: QtWidgets.QWidget | None = None,
        *,
        operator: str = "",
        badge: bool = False,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.operator = operator
        self.badge = CheckBadge() if badge else None
        self.symbol = ""
        self.shape_text = ""
        self.caption = ""
        self.description = ""
        self._values: Array = np.zeros((0, 0))
        self._footer: Array | None = None
        self._footer_label = ""
        self._faded: npt.NDArray[np.bool_] = np.zeros((0, 0), dtype=bool)
        self._texts: list[list[str]] = []
        self._footer_texts: list[str] = []
        self._index: npt.NDArray[np.intp] = np.zeros((0, 0), dtype=np.intp)  # colour entries
        self._footer_index: list[int] = []
        self._cells_picture: tuple[tuple[object, ...], QtGui.QImage] | None = None
        self._row_labels: Sequence[str] = ()
        self._col_labels: Sequence[str] = ()
        self._compact = False
        self._size = QtCore.QSize(0, 0)
        self._advances: dict[str, int] = {}  # per character of the cell font
        self._font_cache: _Fonts | None = None
        self._footer_rects: list[QtCore.QRect] = []
        self._badge_rect = QtCore.QRect()
        self._text_pos: list[list[tuple[int, int]]] = []
        self._footer_pos: list[tuple[int, int]] = []
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)
        self._relayout()

    # --- data ---------------------------------------------------------------------------

    def set_data(
        self,
        values: object,
        symbol: str,
        *,
        faded: npt.NDArray[np.bool_] | None = None,
        caption: str = "",
        shape: str | None = None,
        row_labels: Sequence[str] = (),
        col_labels: Sequence[str] = (),
        footer: object | None = None,
        footer_label: str = "Σ",
        description: str = "",
    ) -> None:
        """Show ``values`` (scalar, vector as a column, or matrix) under ``symbol``."""
        v = as_matrix(values)
        self._values = v
        self.symbol = symbol
        self.caption = caption
        self.description = description
        self.shape_text = shape if shape is not None else shape_text(*v.shape)
        self._faded = (
            np.asarray(faded, dtype=bool) if faded is not None else np.zeros(v.shape, dtype=bool)
        )
        self._row_labels = row_labels
        self._col_labels = col_labels
        self._footer = None if footer is None else as_matrix(footer).reshape(1, -1)
        self._footer_label = footer_label
        self._compact = v.shape[1] > MAX_TEXT_COLUMNS or v.shape[0] > MAX_TEXT_ROWS

        finite = v[np.isfinite(v)]
        if self._footer is not None:
            finite = np.concatenate([finite, self._footer[np.isfinite(self._footer)]])
        scale = float(np.abs(finite).max()) if finite.size else 0.0
        self._index = _colour_indices(v, scale)
        self._cells_picture = None
        # a compact matrix draws no numbers: its texts are made if asked (texts())
        self._texts = [] if self._compact else [[fmt(x) for x in row] for row in v.tolist()]
        if self._footer is not None:
            self._footer_texts = [fmt(x) for x in self._footer[0].tolist()]
            self._footer_index = _colour_indices(self._footer[0], scale).tolist()
        else:
            self._footer_texts, self._footer_index = [], []
        self._relayout()
        self.update()

    def values(self) -> Array:
        """The numbers on screen, as a 2-D array (a copy)."""
        return self._values.copy()

    def footer_values(self) -> Array | None:
        """The footer row's numbers (1, columns), or None without a footer."""
        return None if self._footer is None else self._footer.copy()

    def texts(self) -> list[list[str]]:
        """The cells' text as drawn (4 significant digits), row by row; for a compact
        matrix, which draws colours only, the text its cells would have."""
        if self._compact:
            return [[fmt(x) for x in row] for row in self._values.tolist()]
        return [list(row) for row in self._texts]

    def faded_mask(self) -> npt.NDArray[np.bool_]:
        return self._faded.copy()

    def cell_colour(self, i: int, j: int) -> QtGui.QColor:
        """The background of cell (i, j) as drawn (faded cells are pale)."""
        if self._faded[i, j]:
            return QtGui.QColor(scheme().faint)
        return QtGui.QColor(_colour_table().backgrounds[self._index[i, j]])

    @property
    def compact(self) -> bool:
        """True when the matrix is too large for numbers and shows colours only."""
        return self._compact

    # --- geometry -------------------------------------------------------------------------

    def _fonts(self) -> _Fonts:
        """The three fonts and their metrics, derived from the widget's font once."""
        if self._font_cache is None:
            self._font_cache = _Fonts(self.font())
            self._advances = {}
        return self._font_cache

    def _relayout(self) -> None:
        """Cell size, where the grid and each number go, and the widget's size for the
        current data."""
        f = self._fonts()
        line = f.main.height()
        pad = max(2, round(line * 0.2))
        rows, cols = self._values.shape
        if self._compact:
            cell_w = cell_h = max(6, round(line * 0.8))
        else:
            adv = self._advance
            widths = [[adv(f.cells, t) for t in row] for row in self._texts]
            footer_widths = [adv(f.cells, t) for t in self._footer_texts]
            widest = max([w for row in widths for w in row] + footer_widths, default=0)
            # a fixed minimum keeps the cells from jittering as the digits change
            cell_w = max(widest, f.min_cell_text) + 2 * pad
            cell_h = f.cells.height() + pad
        op_w = f.width(f.bold, self.operator) + 2 * pad if self.operator else 0
        labels = list(self._row_labels) + ([self._footer_label] if self._footer is not None else [])
        gutter = max((f.width(f.small, t) for t in labels), default=-pad) + pad
        small_h = f.small.height()
        top = line + pad + (small_h if self._col_labels else 0)
        bracket = max(2, round(pad * 0.75))
        x0 = op_w + gutter + bracket + 1
        grid_h = rows * cell_h
        footer_h = (pad + cell_h) if self._footer is not None else 0
        badge = self.badge is not None and self.badge.visible
        badge_w = f.width(f.main, self.badge.text) + 2 * pad if self.badge and badge else 0
        text_w = max(
            f.width(f.main, self.symbol),
            f.width(f.small, self.shape_text),
            f.width(f.small, self.caption),
            badge_w,
        )
        width = max(x0 + cols * cell_w + bracket + 1, op_w + text_w) + 2
        shape_y = top + grid_h + footer_h + pad
        height = shape_y + small_h * (2 if self.caption else 1) + 2
        if badge:
            self._badge_rect = QtCore.QRect(op_w, height, badge_w, line + pad)
            height += line + pad + 2
        else:
            self._badge_rect = QtCore.QRect()

        self._pad, self._bracket, self._gutter, self._grid_top = pad, bracket, gutter, top
        self._op_w = op_w
        self._cell = (cell_w, cell_h)
        footer_y = top + grid_h + pad
        self._footer_rects = [
            QtCore.QRect(x0 + j * cell_w, footer_y, cell_w, cell_h)
            for j in range(len(self._footer_texts))
        ]
        self._grid_rect = QtCore.QRect(x0, top, cols * cell_w, grid_h)
        self._shape_y = shape_y
        # Where each number's baseline starts: QPainter.drawText(x, y, text) skips the
        # line layout that drawText(rect, alignment, text) does for every cell.
        if not self._compact:
            dy = (cell_h - f.cells.height()) // 2 + f.cells.ascent()
            self._text_pos = [
                [
                    (x0 + j * cell_w + (cell_w - w + 1) // 2, top + i * cell_h + dy)
                    for j, w in enumerate(row)
                ]
                for i, row in enumerate(widths)
            ]
            self._footer_pos = [
                (x0 + j * cell_w + (cell_w - w + 1) // 2, footer_y + dy)
                for j, w in enumerate(footer_widths)
            ]
        size = QtCore.QSize(width, height)
        if size != self._size:
            # A fixed size, not a sizeHint override: layouts then read it on the C++ side
            # instead of calling into Python dozens of times per step. Never squeezed: the
            # card scrolls rather than clip numbers.
            self._size = size
            self.setFixedSize(size)

    def badge_rect(self) -> QtCore.QRect:
        """Where the check badge is painted (empty without one), for hover and tests."""
        return QtCore.QRect(self._badge_rect)

    def set_operator(self, operator: str) -> None:
        """The operator to the left of the matrix ("" for none)."""
        if operator != self.operator:
            self.operator = operator
            self._relayout()
            self.update()

    def set_check(self, check: Check | None) -> None:
        """The gradient check shown under the matrix (a matrix made with ``badge=True``)."""
        assert self.badge is not None, f"{self.name} has no badge"
        before = self.badge.text
        self.badge.set_check(check)
        if self.badge.text != before:
            self._relayout()
            self.update()

    def _advance(self, fm: QtGui.QFontMetrics, text: str) -> int:
        """Width of a number's text from cached per-character advances: numbers change on
        every step, their few characters (digits, − . e) do not. +1 for rounding."""
        adv = self._advances
        total = 0
        for ch in text:
            w = adv.get(ch)
            if w is None:
                w = adv[ch] = fm.horizontalAdvance(ch)
            total += w
        return total + 1

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(self._size)

    def row_centre_y(self) -> int:
        """The y of the grid's middle, for operator glyphs placed beside the matrix."""
        rows = max(1, self._values.shape[0])
        return self._grid_top + (rows * self._cell[1]) // 2

    def changeEvent(self, event: QtCore.QEvent) -> None:
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._font_cache = None
            self._relayout()
            self.update()
        super().changeEvent(event)

    # --- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, p: QtGui.QPainter) -> None:
        f = self._fonts()
        text = self.palette().color(QtGui.QPalette.ColorRole.WindowText)
        colours = scheme()  # faded cells, the grid and the small print follow the theme
        rows, cols = self._values.shape
        cw, ch = self._cell
        center, left = _CENTRE, _LEFT
        line = f.main.height()
        small_h = f.small.height()

        op_w = self._op_w
        p.setPen(text)
        p.setFont(f.font)
        p.drawStaticText(op_w, 0, f.static(f.font, self.symbol))
        if self.operator:
            p.setFont(f.bold_font)
            mid = self.row_centre_y()
            p.drawText(QtCore.QRect(0, mid - line // 2, op_w, line), center, self.operator)

        p.setFont(f.small_font)
        p.setPen(colours.outline)
        g = self._grid_rect
        for j, label in enumerate(self._col_labels[:cols]):
            x = g.x() + j * cw
            p.drawText(QtCore.QRect(x, self._grid_top - small_h, cw, small_h), center, label)
        gutter_w = self._gutter - self._pad // 2
        for i, label in enumerate(self._row_labels[:rows]):
            p.drawText(QtCore.QRect(op_w, g.y() + i * ch, gutter_w, ch), left, label)
        if self._footer_rects:
            y = self._footer_rects[0].y()
            p.drawText(QtCore.QRect(op_w, y, gutter_w, ch), left, self._footer_label)

        table = _colour_table()
        index, faded = self._index.tolist(), self._faded.tolist()  # colour entries, pale cells
        # The picture is made at one pixel per unit: scaled by a whole device pixel ratio
        # its hairlines fall where the fills' do, by a fractional one they would not.
        if rows * cols > _FILLED_CELLS and self.devicePixelRatioF().is_integer():
            p.drawImage(g.topLeft(), self._cells_image(colours.faint, colours.rule))
        elif rows and cols:
            # hairlines: the grid colour shows between cells filled one pixel short
            p.fillRect(g, colours.rule)
            for i in range(rows):
                for j, k in enumerate(index[i]):
                    colour = colours.faint if faded[i][j] else table.backgrounds[k]
                    p.fillRect(g.x() + j * cw, g.y() + i * ch, cw - 1, ch - 1, colour)
        if rows and cols:
            # matrix brackets as thin bars
            b = self._bracket
            x0, x1 = g.x() - b - 1, g.right() + 2
            top, h = g.y(), g.height()
            p.fillRect(QtCore.QRect(x0, top, 1, h), text)
            p.fillRect(QtCore.QRect(x1 + b - 1, top, 1, h), text)
            for y in (top, top + h - 1):
                p.fillRect(QtCore.QRect(x0, y, b, 1), text)
                p.fillRect(QtCore.QRect(x1, y, b, 1), text)
        for j, r in enumerate(self._footer_rects):
            p.fillRect(r.adjusted(0, 0, -1, -1), table.backgrounds[self._footer_index[j]])

        if not self._compact:
            p.setFont(f.cell_font)
            for i in range(rows):
                texts = self._texts[i]
                for j, (x, y) in enumerate(self._text_pos[i]):
                    p.setPen(colours.rule if faded[i][j] else table.texts[index[i][j]])
                    p.drawText(x, y, texts[j])
            for j, (x, y) in enumerate(self._footer_pos):
                p.setPen(table.texts[self._footer_index[j]])
                p.drawText(x, y, self._footer_texts[j])

        # shape and caption under the grid
        p.setFont(f.small_font)
        p.setPen(colours.outline)
        y = self._shape_y
        p.drawStaticText(op_w, y, f.static(f.small_font, self.shape_text))
        if self.caption:
            p.drawStaticText(op_w, y + small_h, f.static(f.small_font, self.caption))

        colour = self.badge.colour if self.badge is not None else None
        if colour is not None:
            assert self.badge is not None
            p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            p.setPen(QtCore.Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawRoundedRect(QtCore.QRectF(self._badge_rect), self._pad, self._pad)
            p.setFont(self.font())
            p.setPen(text_colour_on(colour))
            p.drawText(self._badge_rect, center, self.badge.text)

    def _cells_image(self, faint: QtGui.QColor, rule: QtGui.QColor) -> QtGui.QImage:
        """The cells as one picture, cell by cell in its colour (faded ones pale) with a
        hairline of the grid colour on their right and bottom, as the fills draw them: one
        blit instead of a fill per cell (a 16×16 matrix has 256). Made once per data,
        size and theme."""
        cw, ch = self._cell
        key = (cw, ch, faint.rgba(), rule.rgba())
        if self._cells_picture is not None and self._cells_picture[0] == key:
            return self._cells_picture[1]
        words = _colour_table().words[self._index]
        if self._faded.any():
            words = np.where(self._faded, np.uint32(faint.rgba()), words)
        pixels = np.repeat(np.repeat(words, ch, axis=0), cw, axis=1)
        pixels[ch - 1 :: ch, :] = rule.rgba()
        pixels[:, cw - 1 :: cw] = rule.rgba()
        h, w = pixels.shape
        image = QtGui.QImage(pixels.data, w, h, pixels.strides[0], QtGui.QImage.Format.Format_RGB32)
        image.pixels = pixels  # type: ignore[attr-defined]  # the image reads this buffer
        self._cells_picture = (key, image)
        return image

    # --- tooltips ---------------------------------------------------------------------------

    def cell_at(self, pos: QtCore.QPoint) -> tuple[int, int] | None:
        """(row, column) of the cell under ``pos``; (-1, j) for the footer row."""
        g, (cw, ch) = self._grid_rect, self._cell
        if g.contains(pos):
            return (pos.y() - g.y()) // ch, (pos.x() - g.x()) // cw
        for j, r in enumerate(self._footer_rects):
            if r.contains(pos):
                return -1, j
        return None

    def tooltip_at(self, pos: QtCore.QPoint) -> str:
        """The text the tooltip shows at ``pos``: a cell's value in full precision."""
        if self.badge is not None and self.badge.visible and self._badge_rect.contains(pos):
            return self.badge.tooltip
        cell = self.cell_at(pos)
        if cell is None:
            return self.description
        i, j = cell
        if i < 0 and self._footer is not None:
            return f"{self._footer_label} [{j + 1}] = {full(self._footer[0, j])}"
        where = f"[{i + 1}]" if self._values.shape[1] == 1 else f"[{i + 1}, {j + 1}]"
        return f"{self.symbol} {where} = {full(self._values[i, j])}"

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ToolTip:
            assert isinstance(event, QtGui.QHelpEvent)
            tip = self.tooltip_at(event.pos())
            if tip:
                QtWidgets.QToolTip.showText(event.globalPos(), tip, self)
            else:
                QtWidgets.QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

"""The network view: the MLP as columns of neurons, the current stop highlighted.

Drawing (see network_layout.py for the geometry):

- each unit of layer l ≥ 2 is the pair of nodes the notes call z[l] and a[l]: a small
  box z, where the weighted edges arrive, joined to a circle a; the input layer is a
  column of circles x₁, x₂…; the loss node l is a box on the right;
- the header row names every node (x, z[2], a[2], …, l) and every weight matrix
  (W[2], …); a click on a header, a box, a circle or the loss node toggles a
  breakpoint on that node, drawn as a red dot left of its header;
- every weight is an edge coloured by sign (blue negative, red positive, the theme's
  diverging map) and as wide as its magnitude relative to its layer's largest; every
  bias is a dashed edge from a "+1" square above the previous column;
- numbers that are known are shown: values in pale-green neurons, gradients
  ∂l/∂a and ∂l/∂z in orange chips under their element (values green, gradients
  orange: the circuit-diagram convention in the theme's colour-blind-safe shades);
- the stop is highlighted in its phase colour: the node's elements are ringed, the
  edges it reads get a halo (forward: left to right into z[l]; backward: the same
  edges carrying ∂l/∂W and ∂l/∂a[l−1] back; update: the parameter's edges), the chips
  it has just produced get a heavy border, and a caption says what happens.

The view only displays: it computes nothing about gradients and never changes a
number. A double-click on an edge asks for a value and emits ``edit_requested``; the
window applies it through the debugger's edit verb and calls ``show_snapshot`` again.

Speed: ``set_network`` builds every item once; ``show_snapshot`` only changes texts,
pens and visibility, only where they differ, with pens and brushes cached. The edges of
each parameter are one item cached as a pixmap, re-rasterised only when that parameter
changes or the view is resized: most stops change no weight.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.engine.trace import Snapshot
from bpdebugger.gui import theme

from .network_editor import ValueEditor
from .network_layout import EdgeIndex, Layout, Target, compute_layout, hit_element
from .network_text import (
    ACTIVATION_SYMBOLS,
    SnapshotReader,
    banner_text,
    bias_tooltip,
    fmt_short,
    index_text,
    loss_tooltip,
    neuron_tooltip,
    subscript,
    target_text,
    weight_tooltip,
)

Qt = QtCore.Qt

# Widest strings a short number can take (fmt_short); the neurons are sized to hold them.
_WIDE_NUMBERS = ("−0.00", "−12.3", "−4e−3", "−888", "−1e12")

_NOT_FINITE = QtGui.QColor("#7F7F7F")

# Stroke widths are in "design pixels" (the size at a 12 px font), multiplied by the
# font scale so strokes grow with the zoom like everything else. Edge widths go from a
# hairline for the smallest parameter of a layer to a bold stroke for its largest. A dense
# layer (16 × 16 edges) gets thinner, lighter strokes and a paler halo (its convex hull),
# or its fan of edges turns into one solid block.
_WIDTH_MIN, _WIDTH_STEPS = 0.7, 16
_DENSITY_WIDTH = (5.0, 3.5, 2.2)  # largest stroke for sparse, medium, dense layers
# Strokes are opaque (a transparent colour is pre-mixed with white) and have flat caps:
# Qt's raster engine draws a wide antialiased line with round caps or a translucent
# colour tens of times slower, which for a 16 × 16 layer means hundreds of ms per paint.
_DENSITY_LIGHTEN = (1.0, 0.9, 0.8)
_DENSITY_HALO = (10.0, 7.0, 4.0)  # halo width…
_DENSITY_HALO_TINT = (0.5, 0.42, 0.25)  # …and how much of the phase colour it takes
_COLOUR_STEPS = 32  # per sign; the edge colour is quantised so pens can be cached
_COLOUR_FLOOR = 8  # even the smallest weight keeps a visible tint of its sign
_RING_WIDTH = 3.5
_DESIGN_FONT_PX = 12.0


def layer_scale(*arrays: np.ndarray) -> float:
    """The largest finite |value| over a layer's W and b: the scale of its edges, so a
    bias edge is as wide as a weight edge of the same size (0 if there is none)."""
    best = 0.0
    for a in arrays:
        v = np.asarray(a, dtype=np.float64)
        finite = v[np.isfinite(v)]
        if finite.size:
            best = max(best, float(np.abs(finite).max()))
    return best


def edge_bins(values: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Colour and width bins of parameters (any shape, flattened) relative to ``scale``.

    Colour bin c in −1 (exactly zero), −2 (NaN/inf) or 0…2·_COLOUR_STEPS, where
    _COLOUR_STEPS is the map's centre; width bin 0…_WIDTH_STEPS.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(v)
    with np.errstate(all="ignore"):
        r = np.abs(v) / scale if scale > 0 else np.zeros_like(v)
    r = np.where(finite, np.clip(r, 0.0, 1.0), 1.0)
    reach = _COLOUR_FLOOR + (_COLOUR_STEPS - _COLOUR_FLOOR) * r
    colour = np.rint(_COLOUR_STEPS + np.sign(np.where(finite, v, 0.0)) * reach).astype(np.int64)
    colour = np.where(v == 0.0, -1, colour)
    colour = np.where(finite, colour, -2)
    width = np.rint(r * _WIDTH_STEPS).astype(np.int64)
    return colour, width


class NetworkView(QtWidgets.QGraphicsView):
    """The network as a diagram; see the module docstring for what it draws.

    Signals:
        breakpoint_toggled(str): a node was clicked: "z[l]", "a[l]", "l", "W[l]" or "b[l]".
        edit_requested(str, tuple, float): a parameter element should become a value,
            e.g. ("W[2]", (0, 1), 0.5) or ("b[3]", (0,), 0.1).
    """

    breakpoint_toggled = QtCore.Signal(str)
    edit_requested = QtCore.Signal(str, object, float)

    MAX_SCALE = 2.0  # a tiny network on a big screen is not blown up past twice its size
    MIN_TEXT_PX = 7.5  # below this on screen, per-neuron numbers give way to tooltips
    EDGE_TOLERANCE_PX = 6.0  # how near the pointer must be to hover or double-click an edge
    MIN_LABEL_PX = 10.0  # names (headers, footers, legend) are enlarged up to this size…
    MAX_LABEL_BOOST = 1.6  # …but by no more than this, which the layout has room for

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        scene = QtWidgets.QGraphicsScene(self)
        # No BSP index: the whole scene is painted every time, and re-centred texts
        # would otherwise cost an index update each.
        scene.setItemIndexMethod(QtWidgets.QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(scene)
        self.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        self.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        self.setViewportUpdateMode(QtWidgets.QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setOptimizationFlag(
            QtWidgets.QGraphicsView.OptimizationFlag.DontSavePainterState, True
        )
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setMinimumSize(240, 180)

        #: Asks for a new value: ``prompt(label, current) -> value or None`` (cancelled).
        #: None (the default) opens the inline editor; tests put a plain function here.
        self.value_prompt: Callable[[str, float], float | None] | None = None
        self._editor = ValueEditor(self.viewport())
        self._editor.committed.connect(self._on_editor_committed)
        self._editing: tuple[str, tuple[int, ...]] | None = None

        self._zoom = 1.0
        self._scheme = theme.scheme()  # the colours the scene is drawn in (see _rebuild)
        self._show_z = False
        self._sample: int | None = None
        self._sizes: tuple[int, ...] = ()
        self._activations: tuple[str, ...] = ()
        self._loss = ""
        self._snap: Snapshot | None = None
        self._reader: SnapshotReader | None = None
        self._breakpoints: set[str] = set()
        self._pens: dict[tuple[int, int, bool, int], QtGui.QPen] = {}
        self._layout: Layout | None = None
        self._edge_index: EdgeIndex | None = None
        self._reset_items()

    # ------------------------------------------------------------------ public API

    def set_network(self, sizes: Sequence[int], activations: Sequence[str], loss: str) -> None:
        """Build the scene for an architecture: ``sizes`` [n1, …, nL], one activation
        name per layer after the input, the loss name. Forgets the shown snapshot."""
        sizes = tuple(int(n) for n in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes: expected at least 2 layers of at least 1 unit, got {sizes}")
        if len(activations) != len(sizes) - 1:
            raise ValueError(
                f"activations: expected {len(sizes) - 1} names, got {len(activations)}"
            )
        self._sizes, self._activations, self._loss = sizes, tuple(activations), str(loss)
        self._snap = None
        self._reader = None
        self._rebuild()

    def show_snapshot(self, snap: Snapshot) -> None:
        """Show what is known at a stop: values, gradients, parameters and the stop itself.

        Only texts, pens and visibility change; the items stay the same.
        """
        self._snap = snap
        if not self._sizes:
            return
        reader = SnapshotReader(snap, self._sample)
        self._reader = reader
        self._update_values(reader)
        self._update_grads(reader)
        self._update_edges(reader)
        self._update_loss(reader)
        self._update_highlight(snap)
        self._set_banner(banner_text(reader, self._activations, self._loss))

    def set_show_z(self, show: bool) -> None:
        """Write z in the z boxes (they widen to hold a number) or just "Σ"."""
        if bool(show) != self._show_z:
            self._show_z = bool(show)
            self._rebuild()

    def set_sample(self, sample: int | None) -> None:
        """Show sample ``sample`` (0-based) of the batch, or the batch mean for None."""
        self._sample = None if sample is None else int(sample)
        if self._snap is not None:
            self.show_snapshot(self._snap)

    def set_zoom(self, factor: float) -> None:
        """Scale every text (lecture mode); the neurons grow to hold their numbers and
        the scene is fitted to the view again."""
        factor = theme.clamp_zoom(factor)
        if factor != self._zoom:
            self._zoom = factor
            self._rebuild()

    def set_breakpoints(self, names: set[str] | frozenset[str] | Sequence[str]) -> None:
        """Draw a red dot at each of these nodes (names the view does not have are ignored)."""
        self._breakpoints = set(names)
        for name, marker in self._markers.items():
            marker.setVisible(name in self._breakpoints)

    def open_editor(
        self, name: str, index: tuple[int, ...], at: QtCore.QPoint | None = None
    ) -> None:
        """Ask for a new value of parameter element ``name[index]`` and emit
        ``edit_requested`` with it, unless cancelled. ``at`` is in viewport coordinates."""
        current = self._param_value(name, index)
        label = f"{name}{index_text(index)}"
        if self.value_prompt is not None:
            value = self.value_prompt(label, current)
            if value is not None:
                self.edit_requested.emit(name, tuple(index), float(value))
            return
        if at is None:
            at = self.edge_pos(name, index, 0.5)
        self._editing = (name, tuple(index))
        self._editor.open(label, current, at)

    # -------------------------------------------------------- what the user sees

    def zoom(self) -> float:
        return self._zoom

    def show_z(self) -> bool:
        return self._show_z

    def sample(self) -> int | None:
        return self._sample

    def value_editor(self) -> ValueEditor:
        """The inline editor (visible while editing)."""
        return self._editor

    def neuron_text(self, name: str, i: int) -> str:
        """The number written in unit i of node ``name`` ("a[1]" is x, "z[l]", "a[l]"),
        "" while it is unknown."""
        item = self._texts.get((name, i))
        if item is None:
            raise KeyError(f"no neuron {name} {i}")
        return "" if item.text() in ("", "·", "Σ") else item.text()

    def grad_text(self, name: str, i: int) -> str | None:
        """The gradient chip ∂l/∂name[i] under a unit, or None while it is not shown."""
        chip = self._chips.get((name, i))
        if chip is None:
            raise KeyError(f"no chip {name} {i}")
        return chip[1].text() if chip[0].isVisible() else None

    def loss_text(self) -> str:
        return self._loss_text.text() if self._loss_text is not None else ""

    def banner(self) -> str:
        """The caption over the network (phase, node, rule)."""
        return self._banner.text() if self._banner is not None else ""

    def highlighted_node(self) -> str | None:
        """The node of the current stop, as the stop names it ("z[2]", "l", "W[3]"…)."""
        return self._highlight[1] if self._highlight else None

    def highlighted_phase(self) -> str | None:
        return self._highlight[0] if self._highlight else None

    def highlight_colour(self) -> QtGui.QColor | None:
        """The colour the current stop is drawn in: the theme's colour of its phase."""
        return QtGui.QColor(theme.PHASE_COLOURS[self._highlight[0]]) if self._highlight else None

    def ring_colour(self, name: str, i: int) -> QtGui.QColor | None:
        """The ring on unit i of node ``name`` ("z[l]", "a[l]"), or None if not ringed."""
        if (name, i) not in self._elements:
            raise KeyError(f"no element {name} {i}")
        colour = self._ringed.get((name, i))
        return QtGui.QColor(colour) if colour is not None else None

    def emphasised_edges(self) -> dict[str, QtGui.QColor]:
        """Edge groups drawn with a halo ("W[l]", "b[l]", "a[l]" for z→a, "l" for ŷ→l)."""
        return {
            name: QtGui.QColor(self._halo_colours[name])
            for name, halo in self._halos.items()
            if halo.isVisible()
        }

    def edge_pen(self, name: str, index: tuple[int, ...]) -> QtGui.QPen:
        """The pen of the edge of parameter element ``name[index]``."""
        return QtGui.QPen(self._edges[name].pen(self._edge_number(name, index)))

    def breakpoint_markers(self) -> set[str]:
        """Nodes whose red breakpoint dot is drawn."""
        return {name for name, marker in self._markers.items() if marker.isVisible()}

    def numbers_visible(self) -> bool:
        """False when the neurons are too small on screen for their numbers."""
        return self._numbers_visible

    def item_count(self) -> int:
        return len(self.scene().items())

    def element_pos(self, name: str, index: tuple[int, ...] = ()) -> QtCore.QPoint:
        """Viewport point of a clickable thing: unit ``index`` of "a[l]"/"z[l]", the
        loss node "l", the "+1" square of "b[l]", or (no index) a node's header."""
        lay = self._require_layout()
        if index:
            l, i = _layer(name), index[0]
            x = lay.xz[l] if name.startswith("z[") else lay.xa[l]
            return self.mapFromScene(QtCore.QPointF(x, lay.y(l, i)))
        if name == "l":
            return self.mapFromScene(QtCore.QPointF(lay.loss_x, 0.0))
        if name.startswith("b["):
            return self.mapFromScene(QtCore.QPointF(lay.xb(_layer(name)), lay.y_bias))
        header = self._headers[name]
        return self.mapFromScene(header.sceneBoundingRect().center())

    def edge_pos(self, name: str, index: tuple[int, ...], t: float = 0.35) -> QtCore.QPoint:
        """Viewport point a fraction ``t`` along the edge of ``name[index]`` from its source."""
        lay = self._require_layout()
        l = _layer(name)
        if name.startswith("W["):
            x1, y1, x2, y2 = lay.weight_segment(l, index[0], index[1])
        else:
            x1, y1, x2, y2 = lay.bias_segment(l, index[0])
        return self.mapFromScene(QtCore.QPointF(x1 + t * (x2 - x1), y1 + t * (y2 - y1)))

    def target_at(self, pos: QtCore.QPoint) -> Target | None:
        """What is under viewport point ``pos``: an element, a header, or an edge."""
        if self._layout is None:
            return None
        p = self.mapToScene(pos)
        hit = hit_element(self._layout, p.x(), p.y())
        if hit is not None:
            return hit
        for name, header in self._headers.items():
            if name != "x" and header.sceneBoundingRect().adjusted(-3, -3, 3, 3).contains(p):
                return Target("header", name)
        if self._edge_index is not None:
            tolerance = self.EDGE_TOLERANCE_PX / max(self.transform().m11(), 1e-6)
            return self._edge_index.nearest(p.x(), p.y(), tolerance)
        return None

    def tooltip_at(self, pos: QtCore.QPoint) -> str:
        """The hover text at viewport point ``pos`` ("" over empty space)."""
        target = self.target_at(pos)
        if target is None:
            return ""
        reader, kind, name = self._reader, target.kind, target.name
        if kind in ("x", "a", "z"):
            l = _layer(name)
            act = self._activations[l - 2] if l >= 2 else ""
            text = neuron_tooltip(
                reader, kind, l, target.index[0], act, len(self._sizes), self._sizes[-1]
            )
            if kind != "x":
                text += f"\nclick: breakpoint on {name}"
            return text
        if kind == "weight":
            i, j = target.index
            return weight_tooltip(reader, _layer(name), i, j)
        if kind == "bias":
            return bias_tooltip(reader, _layer(name), target.index[0])
        if kind == "loss" or (kind == "header" and name == "l"):
            return loss_tooltip(reader, self._loss)
        if kind == "bias_node":
            l = _layer(name)
            n = self._sizes[l - 1]
            edit = "\ndouble-click to edit" if n == 1 else "\ndouble-click an edge to edit one bias"
            return (
                f"+1: the constant input that b[{l}] multiplies\n"
                f"b[{l}] has {n} entr{'y' if n == 1 else 'ies'}; click: breakpoint on its update"
                + edit
            )
        return self._header_tooltip(name)

    # ------------------------------------------------------------------ Qt events

    def changeEvent(self, event: QtCore.QEvent) -> None:
        # The scene's colours follow the theme, which follows the application's palette
        # (the system's light or dark scheme, the user's choice, lecture mode's contrast).
        if event.type() == QtCore.QEvent.Type.PaletteChange:
            self._rebuild()
        super().changeEvent(event)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._fit()

    def viewportEvent(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ToolTip:
            assert isinstance(event, QtGui.QHelpEvent)
            text = self.tooltip_at(event.pos())
            if text:
                QtWidgets.QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QtWidgets.QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        name = self._breakpoint_name(self.target_at(event.position().toPoint()))
        if name is not None:
            self.breakpoint_toggled.emit(name)
        event.accept()

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        # The press before a double-click already toggled any breakpoint; only edges
        # (and a bias square of a single unit) answer the double-click itself.
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position().toPoint()
        target = self.target_at(pos)
        if target is not None:
            if target.kind in ("weight", "bias"):
                self.open_editor(target.name, target.index, pos)
            elif target.kind == "bias_node" and self._sizes[_layer(target.name) - 1] == 1:
                self.open_editor(target.name, (0,), pos)
        event.accept()

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        target = self.target_at(event.position().toPoint())
        if self._breakpoint_name(target) is not None:
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        elif target is not None and target.kind in ("weight", "bias"):
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.viewport().unsetCursor()

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        event.accept()  # nothing in the scene is movable or selectable

    # ------------------------------------------------------------------ building

    def _reset_items(self) -> None:
        self._texts: dict[tuple[str, int], QtWidgets.QGraphicsSimpleTextItem] = {}
        self._text_centres: dict[tuple[str, int], tuple[float, float]] = {}
        self._elements: dict[tuple[str, int], QtWidgets.QAbstractGraphicsShapeItem] = {}
        self._chips: dict[
            tuple[str, int], tuple[QtWidgets.QGraphicsPathItem, QtWidgets.QGraphicsSimpleTextItem]
        ] = {}
        self._edges: dict[str, _EdgesItem] = {}
        self._edge_keys: dict[str, list[tuple[int, int]]] = {}
        self._edge_values: dict[str, np.ndarray] = {}
        self._density: dict[str, int] = {}
        self._ringed: dict[tuple[str, int], QtGui.QColor] = {}
        self._strokes: dict[tuple[int, float, Qt.PenStyle], QtGui.QPen] = {}
        self._pens = {}
        self._k = 1.0
        self._halos: dict[str, _LinesItem] = {}
        self._halo_colours: dict[str, QtGui.QColor] = {}
        self._headers: dict[str, QtWidgets.QGraphicsSimpleTextItem] = {}
        self._markers: dict[str, QtWidgets.QGraphicsEllipseItem] = {}
        self._bias_nodes: dict[str, QtWidgets.QGraphicsRectItem] = {}
        self._loss_box: QtWidgets.QGraphicsPathItem | None = None
        self._loss_text: QtWidgets.QGraphicsSimpleTextItem | None = None
        self._target_text: QtWidgets.QGraphicsSimpleTextItem | None = None
        self._banner: QtWidgets.QGraphicsSimpleTextItem | None = None
        self._number_items: list[QtWidgets.QGraphicsItem] = []
        self._highlight: tuple[str, str] | None = None
        self._restore: list[tuple[QtWidgets.QAbstractGraphicsShapeItem, QtGui.QPen]] = []
        self._restore_headers: list[QtWidgets.QGraphicsSimpleTextItem] = []
        self._bold_chips: list[QtWidgets.QGraphicsPathItem] = []
        self._shown_text: dict[tuple[str, int], str] = {}
        self._shown_chip: dict[tuple[str, int], str | None] = {}
        self._shown_fill: dict[tuple[str, int], bool] = {}
        self._scene_rect = QtCore.QRectF()
        self._numbers_visible = True  # new items are visible; _fit hides them if too small
        self._chip_centres: dict[tuple[str, int], tuple[float, float]] = {}
        self._legend_right = 0.0
        self._legend_width = 0.0
        self._legend: QtWidgets.QGraphicsRectItem | None = None
        self._labels: list[QtWidgets.QGraphicsItem] = []
        self._label_boost = 1.0

    def _fonts(self) -> dict[str, QtGui.QFont]:
        base = QtWidgets.QApplication.font()
        px = max(QtGui.QFontInfo(base).pixelSize(), 8)  # follows the system font size
        f = px * self._zoom

        def font(scale: float, bold: bool = False, maths: bool = False) -> QtGui.QFont:
            out = QtGui.QFont(base)
            if maths:
                # Node names set like the notes' formulas: a serif italic, where the
                # loss "l" cannot be mistaken for a capital I as it is in a sans font.
                out.setFamilies(["DejaVu Serif", "Times New Roman", "serif"])
                out.setStyleHint(QtGui.QFont.StyleHint.Serif)
                out.setItalic(True)
            out.setPixelSize(max(round(f * scale), 4))
            out.setBold(bold)
            return out

        return {
            "value": font(1.0),
            "chip": font(0.85),
            "header": font(1.1, maths=True),
            "label": font(1.0, maths=True),
            "small": font(0.85),
            "banner": font(1.1, bold=True),
            "loss": font(1.1, bold=True, maths=True),
        }

    def _rebuild(self) -> None:
        """Recreate every item for the current architecture, zoom and z toggle."""
        self._editor.hide()
        self._scheme = theme.scheme()
        scene = self.scene()
        scene.clear()
        scene.setBackgroundBrush(QtGui.QBrush(self._scheme.paper))
        self._reset_items()
        if not self._sizes:
            return
        fonts = self._fonts()
        value_px = float(fonts["value"].pixelSize())
        wide = max(QtGui.QFontMetricsF(fonts["value"]).horizontalAdvance(s) for s in _WIDE_NUMBERS)
        chip_wide = max(
            QtGui.QFontMetricsF(fonts["chip"]).horizontalAdvance(s) for s in _WIDE_NUMBERS
        )
        loss_wide = QtGui.QFontMetricsF(fonts["loss"]).horizontalAdvance("l = −0.00")
        # The z[l] and a[l] headers, each with room for its breakpoint dot, side by side;
        # a tall network is usually shown shrunk, its headers enlarged (_boost_labels).
        header_wide = QtGui.QFontMetricsF(fonts["header"]).horizontalAdvance("z[8]")
        boost = self.MAX_LABEL_BOOST if max(self._sizes) > 6 else 1.0
        header_room = (header_wide + 1.2 * value_px) * boost
        lay = compute_layout(
            self._sizes, value_px, wide, chip_wide, self._show_z, loss_wide, header_room
        )
        self._k = value_px / _DESIGN_FONT_PX
        self._layout = lay
        self._edge_index = EdgeIndex(lay)
        self._text_height = QtGui.QFontMetricsF(fonts["value"]).height()

        self._build_edges(lay)
        self._build_units(lay, fonts)
        self._build_loss(lay, fonts)
        self._build_labels(lay, fonts)
        self._cache_still_items()
        right = max(lay.right, self._legend_right)
        self._scene_rect = QtCore.QRectF(
            lay.left - 0.6 * lay.f, lay.top, right - lay.left + 1.2 * lay.f, lay.bottom - lay.top
        )
        scene.setSceneRect(self._scene_rect)
        self._fit()
        if self._snap is not None:
            self.show_snapshot(self._snap)
        else:
            self._set_banner(banner_text(None, self._activations, self._loss))
        self.set_breakpoints(self._breakpoints)

    def _cache_still_items(self) -> None:
        """Keep the picture of every item that a step seldom changes: the circles and boxes
        (an antialiased circle costs tens of microseconds to fill and stroke, a blit of its
        picture almost nothing), the names, the legend. Qt draws an item again only when it
        changes (a ring, a fill) or the view is rescaled. The numbers and the banner change
        at most steps and are drawn directly."""
        if not self.devicePixelRatioF().is_integer():
            return  # at 125 % or 150 % a kept picture lands a device pixel off the drawing
        changing = [*self._number_items, self._banner, self._loss_text, self._target_text]
        numbers = {id(item) for item in changing if item is not None}
        cache = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
        still = (
            QtWidgets.QAbstractGraphicsShapeItem,  # circles, boxes, chips, squares, texts
            QtWidgets.QGraphicsLineItem,
        )
        for item in self.scene().items():
            if isinstance(item, still) and id(item) not in numbers:
                item.setCacheMode(cache)

    def _stroke(
        self, colour: QtGui.QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine
    ) -> QtGui.QPen:
        """A cached pen ``width`` design pixels wide (scaled with the font)."""
        key = (colour.rgba(), width, style)
        pen = self._strokes.get(key)
        if pen is None:
            pen = QtGui.QPen(colour, width * self._k * self._scheme.line_width, style)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            self._strokes[key] = pen
        return pen

    def _pen(self, colour_bin: int, width_bin: int, dashed: bool, density: int) -> QtGui.QPen:
        key = (colour_bin, width_bin, dashed, density)
        pen = self._pens.get(key)
        if pen is None:
            if colour_bin == -2:
                colour = _NOT_FINITE
            elif colour_bin == -1:
                colour = self._scheme.rule
            else:
                colour = theme.diverging_colour(colour_bin / _COLOUR_STEPS - 1.0, 1.0)
            colour = theme.mix(colour, self._scheme.paper, _DENSITY_LIGHTEN[density])
            widest = _DENSITY_WIDTH[density]
            width = _WIDTH_MIN + (widest - _WIDTH_MIN) * width_bin / _WIDTH_STEPS
            style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
            pen = QtGui.QPen(colour, width * self._k * self._scheme.line_width, style)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            self._pens[key] = pen
        return pen

    def _build_edges(self, lay: Layout) -> None:
        for l in range(2, lay.L + 1):
            n, m = lay.sizes[l - 1], lay.sizes[l - 2]
            density = 0 if n * m <= 16 else 1 if n * m <= 64 else 2
            self._density[f"W[{l}]"] = self._density[f"b[{l}]"] = density
            neutral = self._pen(-1, 0, False, density)
            neutral_dashed = self._pen(-1, 0, True, density)
            # row-major, as W[l][i, j] and b[l][i] are stored
            w_lines = [
                QtCore.QLineF(*lay.weight_segment(l, i, j)) for i in range(n) for j in range(m)
            ]
            b_lines = [QtCore.QLineF(*lay.bias_segment(l, i)) for i in range(n)]
            for name, lines, pen, z in (
                (f"W[{l}]", w_lines, neutral, -10.0),
                (f"b[{l}]", b_lines, neutral_dashed, -9.0),
            ):
                edges = _EdgesItem(lines, pen)
                edges.setZValue(z)
                self.scene().addItem(edges)
                self._edges[name] = edges
                self._edge_keys[name] = [(-1, 0)] * len(lines)
                self._halos[name] = self._halo(lines, hull=len(lines) > 64)
            # z → a inside each unit: the activation f
            link_path: list[QtCore.QLineF] = []
            for i in range(n):
                y = lay.y(l, i)
                self._line(
                    (lay.xz[l] + lay.wz / 2, y, lay.xa[l] - lay.R, y),
                    self._stroke(self._scheme.outline, 1.4),
                    -5.0,
                    link_path,
                )
            self._halos[f"a[{l}]"] = self._halo(link_path)
        loss_path: list[QtCore.QLineF] = []
        for i in range(lay.sizes[-1]):
            self._line(lay.loss_segment(i), self._stroke(self._scheme.quiet, 1.4), -8.0, loss_path)
        self._halos["l"] = self._halo(loss_path)

    def _line(
        self,
        seg: tuple[float, float, float, float],
        pen: QtGui.QPen,
        z: float,
        halo: list[QtCore.QLineF],
    ) -> QtWidgets.QGraphicsLineItem:
        item = QtWidgets.QGraphicsLineItem(*seg)
        item.setPen(pen)
        item.setZValue(z)
        self.scene().addItem(item)
        halo.append(QtCore.QLineF(*seg))
        return item

    def _halo(self, lines: list[QtCore.QLineF], hull: bool = False) -> _LinesItem:
        item = _LinesItem(lines, hull)
        item.setZValue(-20.0)
        item.setVisible(False)
        self.scene().addItem(item)
        return item

    def _build_units(self, lay: Layout, fonts: dict[str, QtGui.QFont]) -> None:
        scene = self.scene()
        normal = self._stroke(self._scheme.outline, 1.3)
        blank = QtGui.QBrush(self._scheme.paper)
        chip_pen = self._stroke(theme.BACKWARD, 1.2)
        chip_brush = QtGui.QBrush(self._scheme.gradient_fill)
        for l in range(1, lay.L + 1):
            for i in range(lay.sizes[l - 1]):
                y = lay.y(l, i)
                circle = QtWidgets.QGraphicsEllipseItem(
                    lay.xa[l] - lay.R, y - lay.R, 2 * lay.R, 2 * lay.R
                )
                circle.setPen(normal)
                circle.setBrush(blank)
                scene.addItem(circle)
                self._elements[(f"a[{l}]", i)] = circle
                self._add_value_text(f"a[{l}]", i, lay.xa[l], y, fonts["value"])
                self._add_chip(
                    f"a[{l}]", i, lay.chip_centre("a", l, i), lay, fonts, chip_pen, chip_brush
                )
                if l == 1:
                    label = scene.addSimpleText(f"x{subscript(i)}", fonts["label"])
                    label.setBrush(self._scheme.ink)
                    r = label.boundingRect()
                    label.setPos(lay.xa[1] - lay.R - 0.3 * lay.f - r.width(), y - r.height() / 2)
                    label.setTransformOriginPoint(r.width(), r.height() / 2)  # grows leftwards
                    self._labels.append(label)
                    continue
                box = QtWidgets.QGraphicsPathItem(
                    _rounded(lay.xz[l], y, lay.wz, lay.hz, 0.3 * lay.f)
                )
                box.setPen(normal)
                box.setBrush(blank)
                scene.addItem(box)
                self._elements[(f"z[{l}]", i)] = box
                self._add_value_text(f"z[{l}]", i, lay.xz[l], y, fonts["value"])
                self._add_chip(
                    f"z[{l}]", i, lay.chip_centre("z", l, i), lay, fonts, chip_pen, chip_brush
                )
            if l >= 2:
                square = QtWidgets.QGraphicsRectItem(
                    lay.xb(l) - lay.hb / 2, lay.y_bias - lay.hb / 2, lay.hb, lay.hb
                )
                square.setPen(normal)
                square.setBrush(QtGui.QBrush(self._scheme.faint))
                scene.addItem(square)
                self._bias_nodes[f"b[{l}]"] = square
                one = scene.addSimpleText("+1", fonts["small"])
                one.setBrush(self._scheme.ink)
                _centre(one, lay.xb(l), lay.y_bias)
                one.setZValue(1.0)

    def _add_value_text(self, name: str, i: int, x: float, y: float, font: QtGui.QFont) -> None:
        text = self.scene().addSimpleText("", font)
        text.setBrush(self._scheme.ink)
        text.setZValue(1.0)
        self._texts[(name, i)] = text
        self._text_centres[(name, i)] = (x, y)
        self._number_items.append(text)
        self._shown_text[(name, i)] = ""
        self._set_text((name, i), "Σ" if name.startswith("z[") and not self._show_z else "·")

    def _add_chip(
        self,
        name: str,
        i: int,
        centre: tuple[float, float],
        lay: Layout,
        fonts: dict[str, QtGui.QFont],
        pen: QtGui.QPen,
        brush: QtGui.QBrush,
    ) -> None:
        cx, cy = centre
        chip = QtWidgets.QGraphicsPathItem(_rounded(cx, cy, lay.wc, lay.hc, lay.hc / 2))
        chip.setPen(pen)
        chip.setBrush(brush)
        chip.setZValue(2.0)
        chip.setVisible(False)
        self.scene().addItem(chip)
        text = QtWidgets.QGraphicsSimpleTextItem("", chip)
        text.setFont(fonts["chip"])
        text.setBrush(self._scheme.gradient_ink)
        self._chip_centres[(name, i)] = (cx, cy)
        self._chips[(name, i)] = (chip, text)
        self._number_items.append(text)
        self._shown_chip[(name, i)] = None

    def _build_loss(self, lay: Layout, fonts: dict[str, QtGui.QFont]) -> None:
        scene = self.scene()
        box = QtWidgets.QGraphicsPathItem(_rounded(lay.loss_x, 0.0, lay.wl, lay.hl, 0.35 * lay.f))
        box.setPen(self._stroke(self._scheme.outline, 1.3))
        box.setBrush(QtGui.QBrush(self._scheme.paper))
        scene.addItem(box)
        self._loss_box = box
        self._elements[("l", 0)] = box
        text = scene.addSimpleText("·", fonts["loss"])
        text.setBrush(self._scheme.ink)
        text.setZValue(1.0)
        _centre(text, lay.loss_x, 0.0)
        self._loss_text = text
        target = scene.addSimpleText("", fonts["small"])
        target.setBrush(self._scheme.ink)
        _centre(target, lay.loss_x, lay.hl / 2 + 0.8 * lay.f)
        self._target_text = target

    def _build_labels(self, lay: Layout, fonts: dict[str, QtGui.QFont]) -> None:
        scene = self.scene()
        yh = lay.y_header
        heads: list[tuple[str, float]] = [("x", lay.xa[1])]
        for l in range(2, lay.L + 1):
            w_mid = (lay.xa[l - 1] + lay.R + lay.xz[l] - lay.wz / 2) / 2
            heads += [(f"W[{l}]", w_mid), (f"z[{l}]", lay.xz[l]), (f"a[{l}]", lay.xa[l])]
        heads.append(("l", lay.loss_x))
        dot = 0.32 * lay.f
        for name, x in heads:
            item = scene.addSimpleText(name, fonts["header"])
            item.setBrush(self._scheme.ink if name != "x" else self._scheme.quiet)
            _centre(item, x, yh)
            r = item.boundingRect()
            item.setTransformOriginPoint(r.center())
            self._headers[name] = item
            self._labels.append(item)
            if name != "x":
                # a child of its header: it follows the header when labels are enlarged
                marker = self._marker(-0.25 * lay.f - dot, r.height() / 2, dot)
                marker.setParentItem(item)
                self._markers[name] = marker
        for l in range(2, lay.L + 1):
            sq = lay.xb(l) - lay.hb / 2
            marker = self._marker(sq - 0.25 * lay.f - dot, lay.y_bias, dot)
            self.scene().addItem(marker)
            self._markers[f"b[{l}]"] = marker
        # activation per column, the loss under its node
        footers = [("input", lay.xa[1])]
        for l in range(2, lay.L + 1):
            act = self._activations[l - 2]
            sym = ACTIVATION_SYMBOLS.get(act, act)
            label = act if sym == act else f"{act} ({sym})"
            if l == lay.L:
                label += " → ŷ"
            footers.append((label, (lay.xz[l] + lay.xa[l]) / 2))
        footers.append((self._loss, lay.loss_x))
        for text, x in footers:
            item = scene.addSimpleText(text, fonts["small"])
            item.setBrush(self._scheme.quiet)
            _centre(item, x, lay.y_footer)
            item.setTransformOriginPoint(item.boundingRect().center())
            self._labels.append(item)
        banner = scene.addSimpleText("", fonts["banner"])
        banner_height = QtGui.QFontMetricsF(fonts["banner"]).height()
        banner.setPos(lay.left, lay.y_banner - banner_height / 2)
        banner.setTransformOriginPoint(0.0, banner_height / 2)  # grows rightwards
        self._banner = banner
        self._banner_width = lay.right - lay.left
        self._build_legend(lay, fonts)

    def _marker(self, x: float, y: float, r: float) -> QtWidgets.QGraphicsEllipseItem:
        marker = QtWidgets.QGraphicsEllipseItem(x - r, y - r, 2 * r, 2 * r)
        marker.setPen(QtGui.QPen(Qt.PenStyle.NoPen))
        marker.setBrush(QtGui.QBrush(theme.BREAKPOINT))
        marker.setZValue(5.0)
        marker.setVisible(False)
        return marker

    def _build_legend(self, lay: Layout, fonts: dict[str, QtGui.QFont]) -> None:
        # one invisible parent, so the whole legend can be enlarged from its left end
        legend = QtWidgets.QGraphicsRectItem()
        legend.setPen(QtGui.QPen(Qt.PenStyle.NoPen))
        legend.setTransformOriginPoint(lay.left, lay.y_legend)
        self.scene().addItem(legend)
        self._legend = legend

        def add(item: QtWidgets.QGraphicsItem) -> None:
            item.setParentItem(legend)

        font = fonts["small"]
        fm = QtGui.QFontMetricsF(font)
        x, y, f = lay.left, lay.y_legend, lay.f
        swatch = 0.9 * f
        entries: list[tuple[str, str, object]] = [
            ("fill", "value", self._scheme.value_fill),
            ("fill", "gradient ∂l/∂·", self._scheme.gradient_fill),
            ("line", "weight < 0", theme.diverging_colour(-1.0, 1.0)),
            ("line", "weight > 0", theme.diverging_colour(1.0, 1.0)),
            ("dash", "bias", self._scheme.quiet),
        ]
        for kind, label, colour in entries:
            assert isinstance(colour, QtGui.QColor)
            if kind == "fill":
                pen = self._stroke(
                    theme.BACKWARD
                    if colour == self._scheme.gradient_fill
                    else self._scheme.outline,
                    1.2,
                )
                swatch_item = QtWidgets.QGraphicsEllipseItem(x, y - swatch / 2, swatch, swatch)
                swatch_item.setPen(pen)
                swatch_item.setBrush(QtGui.QBrush(colour))
                add(swatch_item)
                x += swatch
            else:
                style = Qt.PenStyle.DashLine if kind == "dash" else Qt.PenStyle.SolidLine
                pen = self._stroke(colour, 2.5, style)
                line = QtWidgets.QGraphicsLineItem(x, y, x + 1.8 * f, y)
                line.setPen(pen)
                add(line)
                x += 1.8 * f
            text = QtWidgets.QGraphicsSimpleTextItem(label)
            text.setFont(font)
            text.setBrush(self._scheme.quiet)
            add(text)
            text.setPos(x + 0.35 * f, y - fm.height() / 2)
            x += 0.35 * f + fm.horizontalAdvance(label) + 1.2 * f
        self._legend_right = x
        self._legend_width = x - lay.left

    # ------------------------------------------------------------------ updating

    def _set_text(self, key: tuple[str, int], text: str) -> None:
        if self._shown_text.get(key) == text:
            return
        item = self._texts[key]
        item.setText(text)
        cx, cy = self._text_centres[key]
        item.setPos(cx - item.boundingRect().width() / 2, cy - self._text_height / 2)
        self._shown_text[key] = text

    def _set_fill(self, key: tuple[str, int], known: bool) -> None:
        if self._shown_fill.get(key) != known:
            self._elements[key].setBrush(
                QtGui.QBrush(self._scheme.value_fill if known else self._scheme.paper)
            )
            self._shown_fill[key] = known

    def _update_values(self, reader: SnapshotReader) -> None:
        for l in range(1, len(self._sizes) + 1):
            n = self._sizes[l - 1]
            for part in ("z", "a") if l >= 2 else ("a",):
                name = f"{part}[{l}]"
                vec = reader.values(name)
                if vec is not None and len(vec) != n:
                    vec = None  # a snapshot of another architecture: show nothing wrong
                for i in range(n):
                    key = (name, i)
                    known = vec is not None
                    if part == "z" and not self._show_z:
                        text = "Σ"
                    else:
                        text = fmt_short(float(vec[i])) if known else "·"
                    self._set_text(key, text)
                    self._set_fill(key, known)

    def _update_grads(self, reader: SnapshotReader) -> None:
        for key, (chip, text_item) in self._chips.items():
            name, i = key
            vec = reader.grads(name)
            text = (
                fmt_short(float(vec[i]))
                if vec is not None and len(vec) == self._size_of(name)
                else None
            )
            if self._shown_chip.get(key) == text:
                continue
            self._shown_chip[key] = text
            chip.setVisible(text is not None)
            if text is not None:
                text_item.setText(text)
                cx, cy = self._chip_centres[key]
                r = text_item.boundingRect()
                # the text is a child of the chip, whose own position is the origin
                text_item.setPos(cx - r.width() / 2, cy - r.height() / 2)

    def _size_of(self, name: str) -> int:
        return self._sizes[_layer(name) - 1]

    def _update_edges(self, reader: SnapshotReader) -> None:
        for l in range(2, len(self._sizes) + 1):
            names = (f"W[{l}]", f"b[{l}]")
            values = [reader.param(name) for name in names]
            if any(
                v is None or v.size != self._edges[name].count()
                for name, v in zip(names, values, strict=True)
            ):
                continue
            if all(
                name in self._edge_values
                and np.array_equal(self._edge_values[name], v, equal_nan=True)
                for name, v in zip(names, values, strict=True)
            ):
                continue  # unchanged since the last stop: most stops change no parameter
            scale = layer_scale(*values)  # type: ignore[arg-type]
            for name, value in zip(names, values, strict=True):
                assert value is not None
                self._edge_values[name] = value.copy()
                self._repen_edges(name, value, scale)

    def _repen_edges(self, name: str, value: np.ndarray, scale: float) -> None:
        colours, widths = edge_bins(value, scale)
        dashed = name.startswith("b[")
        density = self._density[name]
        keys = self._edge_keys[name]
        edges = self._edges[name]
        for k, (c, w) in enumerate(zip(colours.tolist(), widths.tolist(), strict=True)):
            if keys[k] != (c, w):
                keys[k] = (c, w)
                edges.set_pen(k, self._pen(c, w, dashed, density))
        edges.commit()

    def _update_loss(self, reader: SnapshotReader) -> None:
        assert self._loss_text is not None and self._target_text is not None
        lay = self._require_layout()
        loss = reader.snap.loss
        text = "l = ·" if loss is None else f"l = {fmt_short(loss)}"
        if self._loss_text.text() != text:
            self._loss_text.setText(text)
            _centre(self._loss_text, lay.loss_x, 0.0)
        if self._loss_box is not None:
            known = loss is not None
            if self._shown_fill.get(("l", 0)) != known:
                self._loss_box.setBrush(
                    QtGui.QBrush(self._scheme.value_fill if known else self._scheme.paper)
                )
                self._shown_fill[("l", 0)] = known
        target = target_text(reader)
        if self._target_text.text() != target:
            self._target_text.setText(target)
            _centre(self._target_text, lay.loss_x, lay.hl / 2 + 0.8 * lay.f)

    def _update_highlight(self, snap: Snapshot) -> None:
        step = snap.step
        for item, pen in self._restore:
            item.setPen(pen)
        self._restore.clear()
        for header in self._restore_headers:
            header.setBrush(self._scheme.ink)
        self._restore_headers.clear()
        for halo in self._halos.values():
            halo.setVisible(False)
        self._ringed.clear()
        normal_chip = self._stroke(theme.BACKWARD, 1.2)
        for chip in self._bold_chips:
            chip.setPen(normal_chip)
        self._bold_chips.clear()
        self._highlight = (step.phase, step.node) if step is not None else None
        if step is None:
            return
        colour = theme.PHASE_COLOURS[step.phase]
        ring = self._stroke(colour, _RING_WIDTH)
        node = step.node

        def ring_items(items: list[QtWidgets.QAbstractGraphicsShapeItem]) -> None:
            for item in items:
                self._restore.append((item, item.pen()))
                item.setPen(ring)

        def halo(name: str) -> None:
            item = self._halos.get(name)
            if item is not None:
                density = self._density.get(name, 0)
                halo_colour = theme.mix(colour, self._scheme.paper, _DENSITY_HALO_TINT[density])
                item.setPen(self._stroke(halo_colour, _DENSITY_HALO[density]))
                self._halo_colours[name] = colour
                item.setVisible(True)

        if node == "l":
            assert self._loss_box is not None
            ring_items([self._loss_box])
            self._ringed[("l", 0)] = colour
            halo("l")
        elif step.phase == "update":
            halo(node)
            if node in self._bias_nodes:
                ring_items([self._bias_nodes[node]])
        elif (node, 0) in self._elements:
            l = _layer(node)
            ring_items([self._elements[(node, i)] for i in range(self._sizes[l - 1])])
            self._ringed.update({(node, i): colour for i in range(self._sizes[l - 1])})
            if node.startswith("z["):
                halo(f"W[{l}]")
                halo(f"b[{l}]")
            else:
                halo(node)  # the z → a links: f applied (forward) or f′ (backward)
        header = self._headers.get(node)
        if header is not None:
            header.setBrush(colour)
            self._restore_headers.append(header)
        if step.phase == "backward":
            # the gradients this stop has just produced: what it passes on
            bold = self._stroke(theme.BACKWARD, 2.8)
            for name in step.downstream:
                if (name, 0) in self._chips:
                    for i in range(self._size_of(name)):
                        chip = self._chips[(name, i)][0]
                        chip.setPen(bold)
                        self._bold_chips.append(chip)

    def _set_banner(self, text: str) -> None:
        banner = self._banner
        if banner is None or banner.text() == text:
            return
        banner.setText(text)
        step = self._snap.step if self._snap is not None else None
        banner.setBrush(theme.PHASE_COLOURS[step.phase] if step is not None else self._scheme.quiet)
        self._scale_banner()

    def _scale_banner(self) -> None:
        banner = self._banner
        if banner is None:
            return
        width = banner.boundingRect().width()
        # a long caption shrinks rather than widening the scene (which would re-fit per step)
        fit = self._banner_width / width if width > 0 else 1.0
        banner.setScale(min(self._label_boost, fit))

    # ------------------------------------------------------------------ helpers

    def _fit(self) -> None:
        rect = self._scene_rect
        if rect.isEmpty():
            return
        vp = self.viewport().size()
        scale = min(
            (vp.width() - 4) / rect.width(), (vp.height() - 4) / rect.height(), self.MAX_SCALE
        )
        scale = max(scale, 0.02)
        self.setTransform(QtGui.QTransform.fromScale(scale, scale))
        self.centerOn(rect.center())
        if self._layout is not None:
            self._boost_labels(self._layout.f * scale, rect.width())
        visible = self._layout is not None and self._layout.f * scale >= self.MIN_TEXT_PX
        if visible != self._numbers_visible:
            self._numbers_visible = visible
            for item in self._number_items:
                item.setVisible(visible)

    def _boost_labels(self, font_on_screen: float, scene_width: float) -> None:
        """Enlarge the names of nodes, columns and the legend when the whole scene is
        shrunk to fit (a tall network in a small window): the numbers give way to
        tooltips, but the names a lecturer points at stay readable. The layout leaves
        room for this much growth."""
        boost = min(max(self.MIN_LABEL_PX / max(font_on_screen, 1e-6), 1.0), self.MAX_LABEL_BOOST)
        if boost == self._label_boost:
            return
        self._label_boost = boost
        for item in self._labels:
            item.setScale(boost)
        if self._legend is not None and self._legend_width > 0:
            self._legend.setScale(min(boost, max(scene_width / self._legend_width * 0.98, 1.0)))
        self._scale_banner()

    def _require_layout(self) -> Layout:
        if self._layout is None:
            raise RuntimeError("set_network first")
        return self._layout

    def _edge_number(self, name: str, index: tuple[int, ...]) -> int:
        """Row-major position of element ``index`` of parameter ``name``."""
        if name.startswith("W["):
            return index[0] * self._sizes[_layer(name) - 2] + index[1]
        return index[0]

    def _param_value(self, name: str, index: tuple[int, ...]) -> float:
        if self._snap is not None and name in self._snap.params:
            return float(np.asarray(self._snap.params[name])[index])
        return 0.0

    def _on_editor_committed(self, value: float) -> None:
        if self._editing is not None:
            name, index = self._editing
            self._editing = None
            self.edit_requested.emit(name, index, float(value))

    def _breakpoint_name(self, target: Target | None) -> str | None:
        """The stop a click on ``target`` toggles a breakpoint on, if any."""
        if target is None:
            return None
        if target.kind in ("a", "z", "loss", "bias_node"):
            return target.name
        if target.kind == "header" and target.name != "x":
            return target.name
        return None

    def _header_tooltip(self, name: str) -> str:
        if name.startswith("W["):
            l = _layer(name)
            shape = f"{self._sizes[l - 1]}×{self._sizes[l - 2]}"
            return (
                f"{name}: weights into layer {l}, {shape} (row i: the weights into unit i)\n"
                f"click: breakpoint on the update of {name}\ndouble-click an edge to edit a weight"
            )
        l = _layer(name)
        if name.startswith("z["):
            return f"{name} = W[{l}]·a[{l - 1}] + b[{l}]\nclick: breakpoint on {name}"
        act = self._activations[l - 2]
        sym = ACTIVATION_SYMBOLS.get(act, act)
        return f"{name} = {sym}(z[{l}])\nclick: breakpoint on {name}"


def _extent(lines: list[QtCore.QLineF]) -> QtCore.QRectF:
    """The rectangle the segments' end points span (a point at 0, 0 for none)."""
    xs = [p for line in lines for p in (line.x1(), line.x2())] or [0.0]
    ys = [p for line in lines for p in (line.y1(), line.y2())] or [0.0]
    return QtCore.QRectF(QtCore.QPointF(min(xs), min(ys)), QtCore.QPointF(max(xs), max(ys)))


class _EdgesItem(QtWidgets.QGraphicsItem):
    """All the edges of one parameter tensor, each with its own pen, in one item.

    The item is cached as a pixmap in device coordinates, so the hundreds of
    antialiased lines of a dense layer are rasterised only when a weight changes
    (an update stop, an edit) or the view is resized, not at every stop. The lines
    are drawn grouped by pen: the pens come from a cache, so equal pens are one object.
    """

    def __init__(self, lines: list[QtCore.QLineF], pen: QtGui.QPen) -> None:
        super().__init__()
        self._lines = lines
        self._pens = [pen] * len(lines)
        self._extent = _extent(lines)
        self._rect = QtCore.QRectF()
        self._groups: list[tuple[QtGui.QPen, list[QtCore.QLineF]]] = []
        self._dirty = True
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.commit()

    def count(self) -> int:
        return len(self._lines)

    def pen(self, k: int) -> QtGui.QPen:
        return self._pens[k]

    def set_pen(self, k: int, pen: QtGui.QPen) -> None:
        """Change edge k's pen; ``commit`` shows the changes."""
        self._pens[k] = pen
        self._dirty = True

    def commit(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        groups: dict[int, tuple[QtGui.QPen, list[QtCore.QLineF]]] = {}
        for pen, line in zip(self._pens, self._lines, strict=True):
            groups.setdefault(id(pen), (pen, []))[1].append(line)
        self._groups = list(groups.values())
        w = max((pen.widthF() for pen in self._pens), default=0.0)
        rect = self._extent.adjusted(-w, -w, w, w)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.update()  # drops the cached pixmap

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        for pen, lines in self._groups:
            painter.setPen(pen)
            painter.drawLines(lines)


class _LinesItem(QtWidgets.QGraphicsItem):
    """Many segments stroked with one pen in one call: the halo under a group of edges.

    One drawLines call instead of a path: stroking a path of hundreds of crossing
    segments as one outline is what made a highlighted 16 × 16 layer slow to paint.
    With ``hull`` the halo is the filled convex hull of the segments instead: for a
    dense, fully connected layer that is what the union of the halos looks like
    anyway, at the price of one polygon.
    """

    def __init__(self, lines: list[QtCore.QLineF], hull: bool = False) -> None:
        super().__init__()
        self._lines = lines
        points = [(p.x(), p.y()) for line in lines for p in (line.p1(), line.p2())]
        self._hull = (
            QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in _convex_hull(points)])
            if hull and points
            else None
        )
        self._pen = QtGui.QPen(Qt.PenStyle.NoPen)
        self._extent = _extent(lines)
        self._rect = QtCore.QRectF(self._extent)
        # cached like the edges: a halo changes with the phase, not at every stop
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def pen(self) -> QtGui.QPen:
        return self._pen

    def setPen(self, pen: QtGui.QPen) -> None:
        if pen == self._pen:
            return  # same phase as before: keep the cached pixmap
        if pen.widthF() != self._pen.widthF():
            self.prepareGeometryChange()
            w = pen.widthF()
            self._rect = self._extent.adjusted(-w, -w, w, w)
        self._pen = pen
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        painter.setPen(self._pen)
        if self._hull is not None:
            painter.setBrush(self._pen.color())
            painter.drawPolygon(self._hull)
        else:
            painter.drawLines(self._lines)


def _convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain: the hull's corners, anticlockwise."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _layer(name: str) -> int:
    """3 from "z[3]", "W[3]"…"""
    return int(name[name.index("[") + 1 : name.index("]")])


def _rounded(cx: float, cy: float, w: float, h: float, r: float) -> QtGui.QPainterPath:
    path = QtGui.QPainterPath()
    path.addRoundedRect(QtCore.QRectF(cx - w / 2, cy - h / 2, w, h), r, r)
    return path


def _centre(item: QtWidgets.QGraphicsSimpleTextItem, x: float, y: float) -> None:
    r = item.boundingRect()
    item.setPos(x - r.width() / 2, y - r.height() / 2)


def _with_alpha(colour: QtGui.QColor, alpha: float) -> QtGui.QColor:
    out = QtGui.QColor(colour)
    out.setAlphaF(alpha)
    return out


__all__ = ["NetworkView", "edge_bins", "layer_scale"]

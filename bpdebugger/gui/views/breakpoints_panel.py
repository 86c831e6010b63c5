"""The breakpoints and watches panel: what stops execution, and what to follow on the way.

Everything it shows comes from the session through the QtSession adapter, and every change
goes through one of its verbs: the panel keeps no breakpoints or watches of its own. Conditions
and watch expressions are checked as they are typed with the same parser the session uses
(conditions.parse), so an invalid one is marked with the parser's message and cannot be added;
whatever the session still refuses arrives through ``qt.refused`` and is shown in the same place.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from ...debugger.breakpoints import NONFINITE, Breakpoint
from ...debugger.conditions import HELP_TEXT, ConditionError, parse
from ...debugger.layout import PHASES
from ..qt_session import QtSession
from ..theme import GRADE_COLOURS, Zoomable, scaled_font
from .card_matrix import fmt

UNAVAILABLE = "—"  # a watch with no value at this stop (dW[2] in the forward pass)
ANY = "any"

# An array longer than this along one axis is shown as its first and last few entries: a
# watch on a 16-unit layer still fits on one line.
MAX_ITEMS = 6
HEAD, TAIL = 3, 2

ERROR_COLOUR = GRADE_COLOURS["bad"]
# Red border and a pale red background, with the text colour set too so that the field stays
# readable under a dark palette.
INVALID_STYLE = (
    f"QLineEdit {{ border: 2px solid {ERROR_COLOUR.name()}; border-radius: 3px;"
    " background: #FDECEA; color: #000000; }"
)
# Row text of a disabled breakpoint: grey like a disabled control, still legible.
DISABLED_TEXT = QtGui.QColor("#8A8A8A")

ID_ROLE = QtCore.Qt.ItemDataRole.UserRole
_HELP_TIP = f"<pre>{html.escape(HELP_TEXT, quote=False)}</pre>"
_NONFINITE_TIP = (
    "The default breakpoint: stops where NaN or ±inf first appear (once, not again at every "
    "iteration of a run that has already diverged)."
)


# --- text of the rows --------------------------------------------------------------------------


def describe(bp: Breakpoint) -> str:
    """A row's description: where (phase, node), when (condition, iteration); the hit count
    has its own column. E.g. "backward z[2] if norm(dW[2]) < 1e-4, iteration 3"."""
    if bp.kind == NONFINITE:
        return "any NaN or ±inf"
    where = " ".join(p for p in (bp.phase, bp.node) if p)
    if bp.condition is not None:
        where = f"{where} if {bp.condition}" if where else f"if {bp.condition}"
    if bp.iteration is not None:
        where = f"{where}, iteration {bp.iteration}" if where else f"iteration {bp.iteration}"
    return where


def hits_text(bp: Breakpoint) -> str:
    """Hits so far, and the hit it stops on when it has a hit count: "2 · stop on hit 3"."""
    if bp.hit_count is None:
        return str(bp.hits)
    return f"{bp.hits} · stop on hit {bp.hit_count}"


def compact(value: Any, digits: int = 4) -> str:
    """A watch value on one line: numbers to ``digits`` significant digits, arrays as nested
    brackets (long axes cut to their first and last entries), truth values as true/false,
    and "—" for no value."""
    if value is None:
        return UNAVAILABLE
    array = np.asarray(value)

    def scalar(v: Any) -> str:
        if isinstance(v, (bool, np.bool_)):
            return "true" if v else "false"
        return fmt(float(v), digits)

    def text(a: np.ndarray) -> str:
        if a.ndim == 0:
            return scalar(a.item())
        n = len(a)
        if n <= MAX_ITEMS:
            parts = [text(a[j]) for j in range(n)]
        else:
            parts = [*(text(a[j]) for j in range(HEAD)), "…"]
            parts += [text(a[j]) for j in range(n - TAIL, n)]
        return "[" + ", ".join(parts) + "]"

    return text(array)


def value_tip(value: Any) -> str:
    """A watch value in full, for the tooltip: the shape and every digit that matters."""
    if value is None:
        return "No value at this stop (e.g. a gradient during the forward pass)."
    array = np.asarray(value)
    if array.ndim == 0:
        return repr(array.item())
    body = np.array2string(array, precision=8, max_line_width=100, threshold=400)
    return f"shape {array.shape}\n{body}"


# --- the widgets ---------------------------------------------------------------------------------


class _List(QtWidgets.QTreeWidget):
    """A flat list whose Delete (or Backspace) key asks for the selected row's removal."""

    delete_pressed = QtCore.Signal()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() in (QtCore.Qt.Key.Key_Delete, QtCore.Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


def _list(headers: list[str], tip: str, stretch: int) -> _List:
    view = _List()
    view.setColumnCount(len(headers))
    view.setHeaderLabels(headers)
    view.setRootIsDecorated(False)  # a list, not a tree: no indentation for branches
    view.setUniformRowHeights(True)
    view.setAllColumnsShowFocus(True)
    view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    view.setToolTip(tip)
    header = view.header()
    header.setStretchLastSection(False)
    for column in range(len(headers)):
        mode = (
            QtWidgets.QHeaderView.ResizeMode.Stretch
            if column == stretch
            else QtWidgets.QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)
    return view


def _message_label() -> QtWidgets.QLabel:
    """The red line under a field that says what is wrong with it."""
    label = QtWidgets.QLabel()
    label.setWordWrap(True)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # messages quote user text: no HTML
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    palette = label.palette()
    palette.setColor(QtGui.QPalette.ColorRole.WindowText, ERROR_COLOUR)
    label.setPalette(palette)
    label.setVisible(False)
    return label


def _section(
    title: str, remove_tip: str, on_remove: Callable[[], None]
) -> tuple[QtWidgets.QWidget, QtWidgets.QVBoxLayout, QtWidgets.QPushButton]:
    """A section of the panel: its bold title with a Remove button on the right."""
    section = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(section)
    layout.setContentsMargins(6, 6, 6, 6)
    button = QtWidgets.QPushButton("Remove")
    button.setToolTip(remove_tip)
    button.clicked.connect(on_remove)
    row = QtWidgets.QHBoxLayout()
    row.addWidget(QtWidgets.QLabel(f"<b>{title}</b>"))
    row.addStretch(1)
    row.addWidget(button)
    layout.addLayout(row)
    return section, layout, button


class BreakpointsPanel(Zoomable, QtWidgets.QWidget):
    """Breakpoints (enable, describe, hit counts, add, remove) and watches with their values."""

    def __init__(self, qt: QtSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.qt = qt
        self._zoom = 1.0
        self._sizes: tuple[int, ...] = ()
        self._condition_error = ""
        self._watch_error = ""
        # The label a verb in flight reports to: QtSession emits `refused` synchronously inside
        # the verb, so a refusal lands next to the field whose Add asked for it.
        self._asking: QtWidgets.QLabel | None = None
        self._syncing = False  # rows being written by the panel, not toggled by the user
        self._bp_items: dict[int, QtWidgets.QTreeWidgetItem] = {}
        self._watch_items: dict[str, QtWidgets.QTreeWidgetItem] = {}

        self._build()
        self._apply_font()

        qt.breakpoints_changed.connect(self._refresh_breakpoints)
        qt.watches_changed.connect(self._on_watches_changed)
        qt.step_taken.connect(self._on_step_taken)
        qt.refused.connect(self._on_refused)
        qt.session_replaced.connect(self._on_session_replaced)
        self._on_session_replaced(qt.session)

    # --- construction -----------------------------------------------------------------------

    def _build(self) -> None:
        # The splitter carries the zoomed font (set_zoom); the panel's own font keeps
        # following the application, so zooming never compounds.
        self._body = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self._body.setChildrenCollapsible(False)
        self._body.addWidget(self._build_breakpoints())
        self._body.addWidget(self._build_watches())
        self._body.setStretchFactor(0, 3)
        self._body.setStretchFactor(1, 2)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._body)

        # Reading order: each list, then its Remove (it acts on the list's selection), then the
        # fields that add to the list, then Add.
        chain = [
            self.breakpoint_list,
            self.remove_button,
            self.node_box,
            self.phase_box,
            self.hit_box,
            self.iteration_box,
            self.condition_field,
            self.add_button,
            self.watch_list,
            self.watch_remove_button,
            self.watch_field,
            self.watch_add_button,
        ]
        for first, second in itertools.pairwise(chain):
            QtWidgets.QWidget.setTabOrder(first, second)

    def _build_breakpoints(self) -> QtWidgets.QWidget:
        section, layout, self.remove_button = _section(
            "Breakpoints", "Remove the selected breakpoint (Delete)", self._remove_breakpoint
        )

        self.breakpoint_list = _list(
            ["Breakpoint", "Hits"],
            "Check a row to enable its breakpoint, uncheck to disable it (Space);\n"
            "Delete removes the selected one.",
            stretch=0,  # the description; the hit count keeps its own width
        )
        self.breakpoint_list.itemChanged.connect(self._on_item_changed)
        self.breakpoint_list.currentItemChanged.connect(self._sync_buttons)
        self.breakpoint_list.delete_pressed.connect(self._remove_breakpoint)
        layout.addWidget(self.breakpoint_list, 1)

        grid = QtWidgets.QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        self.node_box = QtWidgets.QComboBox()
        self.node_box.setToolTip(
            "Stop at this node; W[l] and b[l] stop at their updates (any: wherever the "
            "condition holds)"
        )
        self.phase_box = QtWidgets.QComboBox()
        for phase in (ANY, *PHASES):
            self.phase_box.addItem(phase, None if phase == ANY else phase)
        self.phase_box.setToolTip("Stop only in this phase of the iteration")
        self.condition_field = QtWidgets.QLineEdit()
        self.condition_field.setPlaceholderText("e.g. norm(dW[2]) < 1e-4")
        self.condition_field.setClearButtonEnabled(True)
        self.condition_message = _message_label()
        self.hit_box = QtWidgets.QSpinBox()
        self.hit_box.setRange(0, 99_999)
        self.hit_box.setSpecialValueText("every")  # 0: stop on every hit
        self.hit_box.setToolTip("Stop only on the n-th hit (every: stop on each hit)")
        self.iteration_box = QtWidgets.QSpinBox()
        self.iteration_box.setRange(0, 9_999_999)
        self.iteration_box.setSpecialValueText(ANY)  # 0: in any iteration
        self.iteration_box.setToolTip("Stop only in this iteration")
        self.add_button = QtWidgets.QPushButton("Add")
        self.add_button.setToolTip("Add the breakpoint (Enter)")
        self.add_button.clicked.connect(self._add_breakpoint)

        fields: list[tuple[str, QtWidgets.QWidget, int, int, int]] = [
            ("&Node", self.node_box, 0, 0, 1),
            ("P&hase", self.phase_box, 0, 2, 1),
            ("On h&it", self.hit_box, 1, 0, 1),
            ("I&teration", self.iteration_box, 1, 2, 1),
            ("&Condition", self.condition_field, 2, 0, 3),
        ]
        for text, field, row, column, span in fields:
            label = QtWidgets.QLabel(text)
            label.setBuddy(field)
            grid.addWidget(label, row, column)
            grid.addWidget(field, row, column + 1, 1, span)
        # The condition gets the full width (it is the longest text); the parser's message
        # right under it; Add last, under the fields, in reading and Tab order.
        grid.addWidget(self.condition_message, 3, 1, 1, 3)
        grid.addWidget(self.add_button, 4, 3, QtCore.Qt.AlignmentFlag.AlignRight)
        layout.addLayout(grid)

        self.node_box.currentIndexChanged.connect(self._check_breakpoint)
        self.phase_box.currentIndexChanged.connect(self._check_breakpoint)
        self.iteration_box.valueChanged.connect(self._check_breakpoint)
        self.condition_field.textChanged.connect(self._check_breakpoint)
        self.condition_field.returnPressed.connect(self._add_breakpoint)
        # Enter in the other fields of the row adds too. A spin box's inner line edit emits
        # returnPressed on Enter; a combo box's Enter is caught by an event filter.
        for spin in (self.hit_box, self.iteration_box):
            spin.lineEdit().returnPressed.connect(self._add_breakpoint)
        for box in (self.node_box, self.phase_box):
            box.installEventFilter(self)
        return section

    def _build_watches(self) -> QtWidgets.QWidget:
        section, layout, self.watch_remove_button = _section(
            "Watches", "Remove the selected watch (Delete)", self._remove_watch
        )

        self.watch_list = _list(
            ["Watch", "Value"],
            "Each watch's value at the current stop; Delete removes one.",
            stretch=1,  # a whole array's value needs the room more than its short name
        )
        self.watch_list.currentItemChanged.connect(self._sync_buttons)
        self.watch_list.delete_pressed.connect(self._remove_watch)
        layout.addWidget(self.watch_list, 1)

        row = QtWidgets.QHBoxLayout()
        label = QtWidgets.QLabel("&Watch")
        self.watch_field = QtWidgets.QLineEdit()
        self.watch_field.setPlaceholderText("e.g. W[2][0, 1] or norm(dz[3])")
        self.watch_field.setClearButtonEnabled(True)
        label.setBuddy(self.watch_field)
        self.watch_add_button = QtWidgets.QPushButton("Add")
        self.watch_add_button.setToolTip("Add the watch (Enter)")
        row.addWidget(label)
        row.addWidget(self.watch_field, 1)
        row.addWidget(self.watch_add_button)
        layout.addLayout(row)
        self.watch_message = _message_label()
        layout.addWidget(self.watch_message)

        self.watch_field.textChanged.connect(self._check_watch)
        self.watch_field.returnPressed.connect(self._add_watch)
        self.watch_add_button.clicked.connect(self._add_watch)
        return section

    # --- keeping in step with the session -----------------------------------------------------

    def _on_session_replaced(self, session: Any) -> None:
        """Another network: its node names, its sizes for the parser, its lists."""
        self._sizes = tuple(int(n) for n in session.spec.sizes)
        chosen = self.node_box.currentData()
        self.node_box.blockSignals(True)
        self.node_box.clear()
        self.node_box.addItem(ANY, None)
        phases: dict[str, list[str]] = {}
        for phase, node in session.stops:
            phases.setdefault(node, []).append(phase)
        parameters_started = False
        for node, where in phases.items():
            if where == ["update"] and not parameters_started:
                # Parameters (update breakpoints) after the nodes of the passes.
                self.node_box.insertSeparator(self.node_box.count())
                parameters_started = True
            self.node_box.addItem(node, node)
            tip = f"{node}: its update" if where == ["update"] else f"{node}: {', '.join(where)}"
            self.node_box.setItemData(
                self.node_box.count() - 1, tip, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        index = self.node_box.findData(chosen) if chosen is not None else 0
        self.node_box.setCurrentIndex(max(0, index))
        self.node_box.blockSignals(False)
        self._check_breakpoint()
        self._check_watch()
        self._refresh_breakpoints()
        self._refresh_watches()

    def _on_step_taken(self, _step: object) -> None:
        # Hits change as execution moves forward, and the watches' values at every stop.
        self._refresh_breakpoints()
        self._refresh_watches()

    def _on_watches_changed(self) -> None:
        self._check_watch()  # a duplicate name may have become free, or taken
        self._refresh_watches()

    def _on_refused(self, message: str) -> None:
        # Refusals of other views' verbs (an edit) belong to the status bar, not here.
        if self._asking is self.condition_message:
            self._show_condition_error(message)
        elif self._asking is self.watch_message:
            self._show_watch_error(message)

    def _refresh_breakpoints(self) -> None:
        shown = [bp for bp in self.qt.session.breakpoints if not bp.temporary]
        view = self.breakpoint_list
        self._syncing = True
        try:
            if [bp.id for bp in shown] != list(self._bp_items):
                current = self._current_id(view)
                view.clear()
                self._bp_items = {}
                for bp in shown:
                    item = QtWidgets.QTreeWidgetItem(view)
                    item.setFlags(
                        QtCore.Qt.ItemFlag.ItemIsEnabled
                        | QtCore.Qt.ItemFlag.ItemIsSelectable
                        | QtCore.Qt.ItemFlag.ItemIsUserCheckable
                    )
                    item.setData(0, ID_ROLE, bp.id)
                    self._bp_items[bp.id] = item
                if current in self._bp_items:
                    view.setCurrentItem(self._bp_items[current])
            fired = self.fired_breakpoint()
            for bp in shown:
                self._write_row(self._bp_items[bp.id], bp, fired)
        finally:
            self._syncing = False
        self._sync_buttons()

    def _write_row(
        self, item: QtWidgets.QTreeWidgetItem, bp: Breakpoint, fired_id: int | None
    ) -> None:
        """One breakpoint's row, written only where it changed (this runs at every step)."""
        state = QtCore.Qt.CheckState.Checked if bp.enabled else QtCore.Qt.CheckState.Unchecked
        if item.checkState(0) != state:
            item.setCheckState(0, state)
        description, hits = describe(bp), hits_text(bp)
        if item.text(0) != description:
            item.setText(0, description)
            tip = _NONFINITE_TIP if bp.kind == NONFINITE else f"Breakpoint {bp.id}: {bp.describe()}"
            item.setToolTip(0, tip)
        if item.text(1) != hits:
            item.setText(1, hits)
            item.setToolTip(1, f"Execution got here {bp.hits} time(s) so far")
        colour = QtGui.QBrush() if bp.enabled else QtGui.QBrush(DISABLED_TEXT)
        fired = bp.id == fired_id
        if item.font(0).bold() != fired or item.foreground(0) != colour:
            # Bold: the breakpoint that stopped execution at this stop. An item font with only
            # the weight set resolves against the list's (zoomed) font.
            font = QtGui.QFont()
            font.setBold(fired)
            for column in (0, 1):
                item.setFont(column, font)
                item.setForeground(column, colour)

    def _refresh_watches(self) -> None:
        session = self.qt.session
        names = [w.name for w in session.watches]
        view = self.watch_list
        if names != list(self._watch_items):
            current = view.currentItem()
            current_name = current.text(0) if current is not None else None
            view.clear()
            self._watch_items = {}
            for w in session.watches:
                item = QtWidgets.QTreeWidgetItem(view, [w.name, ""])
                item.setToolTip(0, w.text)
                self._watch_items[w.name] = item
            if current_name in self._watch_items:
                view.setCurrentItem(self._watch_items[current_name])
        values = session.watch_values() if names else {}
        for name, item in self._watch_items.items():
            value = values.get(name)
            text = compact(value)
            if item.text(1) != text:
                item.setText(1, text)
                item.setToolTip(1, value_tip(value))
        self._sync_buttons()

    def _sync_buttons(self, *_args: object) -> None:
        self.remove_button.setEnabled(self.breakpoint_list.currentItem() is not None)
        self.watch_remove_button.setEnabled(self.watch_list.currentItem() is not None)

    # --- validating as you type ---------------------------------------------------------------

    def _location_problem(self) -> str:
        """Why the chosen node cannot stop in the chosen phase ("" when it can); the session's
        own wording, said before Add rather than after."""
        node, phase = self.node_box.currentData(), self.phase_box.currentData()
        if node is None or phase is None:
            return ""
        phases = [p for p, n in self.qt.session.stops if n == node]
        if phase in phases:
            return ""
        return f"{node} is not a {phase} stop (it is one in: {', '.join(phases)})"

    def _check_breakpoint(self, *_args: object) -> None:
        text = self.condition_field.text()
        parser_error = ""
        if text.strip():
            try:
                parse(text, self._sizes, condition=True)
            except ConditionError as e:
                parser_error = e.message
        self._mark(self.condition_field, parser_error)
        self._show_condition_error(parser_error or self._location_problem())

    def _show_condition_error(self, message: str) -> None:
        self._condition_error = message
        self._show(self.condition_message, message)
        something = (
            self.node_box.currentData() is not None
            or self.phase_box.currentData() is not None
            or self.iteration_box.value() > 0
            or bool(self.condition_field.text().strip())
        )
        self.add_button.setEnabled(something and not message)

    def _check_watch(self, *_args: object) -> None:
        text = self.watch_field.text()
        error = ""
        if text.strip():
            try:
                expression = parse(text, self._sizes)
            except ConditionError as e:
                error = e.message
            else:
                if any(w.name == expression.text for w in self.qt.session.watches):
                    error = f"there is a watch named {expression.text!r} already"
        self._mark(self.watch_field, error)
        self._show_watch_error(error)

    def _show_watch_error(self, message: str) -> None:
        self._watch_error = message
        self._show(self.watch_message, message)
        self.watch_add_button.setEnabled(bool(self.watch_field.text().strip()) and not message)

    @staticmethod
    def _mark(field: QtWidgets.QLineEdit, error: str) -> None:
        """Red border and background, and the message atop the help, while ``error``."""
        invalid = bool(error)
        if bool(field.property("invalid")) != invalid:
            field.setProperty("invalid", invalid)
            field.setStyleSheet(INVALID_STYLE if invalid else "")
        tip = _HELP_TIP
        if invalid:
            tip = f"<p><b>{html.escape(error, quote=False)}</b></p>{_HELP_TIP}"
        field.setToolTip(tip)

    @staticmethod
    def _show(label: QtWidgets.QLabel, message: str) -> None:
        label.setText(message)
        label.setToolTip(message)
        label.setVisible(bool(message))

    # --- verbs ----------------------------------------------------------------------------------

    def _add_breakpoint(self) -> None:
        self._check_breakpoint()
        if not self.add_button.isEnabled():
            return  # Enter on an invalid or empty row adds nothing; the message says why
        options: dict[str, Any] = {}
        for name, value in (
            ("node", self.node_box.currentData()),
            ("phase", self.phase_box.currentData()),
            ("condition", self.condition_field.text().strip() or None),
            ("hit_count", self.hit_box.value() or None),
            ("iteration", self.iteration_box.value() or None),
        ):
            if value is not None:
                options[name] = value
        self._asking = self.condition_message
        try:
            added = self.qt.add_breakpoint(**options)
        finally:
            self._asking = None
        if not added:
            return  # the refusal is shown; the fields stay for the user to fix
        new = self.qt.session.breakpoints[-1].id
        if new in self._bp_items:
            self.breakpoint_list.setCurrentItem(self._bp_items[new])
        for box in (self.node_box, self.phase_box):
            box.setCurrentIndex(0)
        self.hit_box.setValue(0)
        self.iteration_box.setValue(0)
        self.condition_field.clear()

    def _remove_breakpoint(self) -> None:
        view = self.breakpoint_list
        bp_id = self._current_id(view)
        if bp_id is None:
            return
        row = view.indexOfTopLevelItem(view.currentItem())
        self.qt.remove_breakpoint(bp_id)
        # The next row becomes current, so Delete pressed again keeps removing.
        if view.topLevelItemCount():
            view.setCurrentItem(view.topLevelItem(min(row, view.topLevelItemCount() - 1)))

    def _on_item_changed(self, item: QtWidgets.QTreeWidgetItem, column: int) -> None:
        if self._syncing or column != 0:
            return
        enabled = item.checkState(0) == QtCore.Qt.CheckState.Checked
        self.qt.enable_breakpoint(item.data(0, ID_ROLE), enabled)

    def _add_watch(self) -> None:
        self._check_watch()
        if not self.watch_add_button.isEnabled():
            return
        self._asking = self.watch_message
        try:
            added = self.qt.add_watch(self.watch_field.text().strip())
        finally:
            self._asking = None
        if added:
            self.watch_field.clear()

    def _remove_watch(self) -> None:
        view = self.watch_list
        item = view.currentItem()
        if item is None:
            return
        row = view.indexOfTopLevelItem(item)
        self.qt.remove_watch(item.text(0))
        if view.topLevelItemCount():
            view.setCurrentItem(view.topLevelItem(min(row, view.topLevelItemCount() - 1)))

    @staticmethod
    def _current_id(view: QtWidgets.QTreeWidget) -> int | None:
        item = view.currentItem()
        return None if item is None else item.data(0, ID_ROLE)

    # --- Qt events ------------------------------------------------------------------------------

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        # Enter on the node or phase box adds the breakpoint (an open popup gets its own keys).
        if (
            watched in (self.node_box, self.phase_box)
            and event.type() == QtCore.QEvent.Type.KeyPress
            and event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter)
        ):
            self._add_breakpoint()
            return True
        return super().eventFilter(watched, event)

    # --- zoom -----------------------------------------------------------------------------------

    def _apply_font(self) -> None:
        font = scaled_font(self.font(), self._zoom)
        self._body.setFont(font)
        # A widget that has had a style sheet (the red mark) stops inheriting its parent's
        # font, even once the sheet is cleared: the two fields get theirs explicitly.
        for field in (self.condition_field, self.watch_field):
            field.setFont(font)

    # --- what the user sees, for tests ----------------------------------------------------------

    def breakpoint_rows(self) -> list[tuple[bool, str, str]]:
        """(enabled, description, hits) of every row, top to bottom."""
        view = self.breakpoint_list
        return [
            (
                view.topLevelItem(j).checkState(0) == QtCore.Qt.CheckState.Checked,
                view.topLevelItem(j).text(0),
                view.topLevelItem(j).text(1),
            )
            for j in range(view.topLevelItemCount())
        ]

    def watch_rows(self) -> list[tuple[str, str]]:
        """(name, value as shown) of every watch, top to bottom."""
        view = self.watch_list
        return [
            (view.topLevelItem(j).text(0), view.topLevelItem(j).text(1))
            for j in range(view.topLevelItemCount())
        ]

    def condition_error(self) -> str:
        """The message under the condition field ("" when there is none)."""
        return self._condition_error

    def watch_error(self) -> str:
        """The message under the watch field ("" when there is none)."""
        return self._watch_error

    def fired_breakpoint(self) -> int | None:
        """The id of the breakpoint whose row is bold: the one that stopped execution at the
        current stop (Continue, or Reverse Continue back to it), None after a plain step.

        Read from the session's stop reason rather than from the order of signals, which
        differs between a step (position, then hit) and a run (hit, then position at the
        end of the run)."""
        session = self.qt.session
        reason = session.stop_reason
        if reason is None or reason.breakpoint is None or reason.breakpoint.temporary:
            return None
        if reason.kind not in ("breakpoint", "nonfinite") or reason.position != session.position:
            return None
        return reason.breakpoint.id

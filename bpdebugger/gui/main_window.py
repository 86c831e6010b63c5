"""The main window: network in the centre, gradient card on the right, debugger controls.

It owns no state of its own: everything comes from the debugger through the
QtSession adapter, and every action calls one of its verbs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from ..debugger import Session
from ..engine.trace import Step
from .data_editing import DataEditing
from .documents import Documents
from .exports import Exports
from .help_menu import HelpMenu
from .lecture import LectureMode
from .plots.boundary_plot import BoundaryPlot
from .plots.hidden_space_plot import HiddenSpacePlot
from .plots.loss_plot import LossPlot
from .plots.norms_plot import NormsPlot
from .plots.unit_maps_plot import UnitMapsPlot
from .qt_session import RUN_SPEEDS, QtSession
from .steady_text import SteadyLabel
from .theme import clamp_zoom, scaled_font
from .views.breakpoints_panel import BreakpointsPanel
from .views.gradient_card import GradientCardView
from .views.narration_panel import NarrationPanel
from .views.network_view import NetworkView
from .views.settings_panel import SettingsPanel

ZOOM_STEPS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5)
CARD_WIDTH = 440  # what the card's three columns need at 100 %
# The panels' buttons beside the timeline: short names, the full ones are in the View menu.
PANEL_BUTTONS = {
    "gradients": "Card",
    "narration": "Narration",
    "breakpoints": "Breakpoints",
    "settings": "Settings",
    "plot_boundary": "Boundary",
    "plot_hidden": "Hidden",
    "plot_units": "Units",
    "plot_loss": "Loss",
    "plot_norms": "Norms",
}
PLOT_TITLES = {
    "boundary": "Decision boundary",
    "hidden": "Hidden space",
    "units": "Unit maps",
    "loss": "Loss",
    "norms": "Gradient norms",
}


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str
    shortcut: str
    tip: str


# Code-debugger shortcuts (VS Code's), so a programmer's fingers already know them.
DEBUG_ACTIONS = (
    ActionSpec("continue", "&Continue", "F5", "Run to the next breakpoint"),
    ActionSpec("run", "&Run", "Ctrl+R", "Train at the chosen speed, stopping only at breakpoints"),
    ActionSpec("pause", "&Pause", "F6", "Pause a run at the end of the iteration in progress"),
    ActionSpec("step_over", "Step &Over", "F10", "Step over one layer: z[l] and a[l] together"),
    ActionSpec("step_into", "Step &Into", "F11", "Step into the next node or parameter update"),
    ActionSpec("step_out", "Step O&ut", "Shift+F11", "Finish the current phase"),
    ActionSpec("step_back", "Step &Back", "Shift+F10", "Go back one stop (time travel)"),
    ActionSpec(
        "reverse_continue", "&Reverse Continue", "Shift+F5", "Go back to the previous breakpoint"
    ),
    ActionSpec("restart", "Rest&art", "Ctrl+Shift+F5", "Back to the start, same initial weights"),
)


def _shows_checks(step: Step | None) -> bool:
    """The card puts a numerical check beside parameter gradients: at linear backward
    stops and at updates (checks cost a few forward passes per parameter entry), never
    in the forward pass, where there is no gradient yet."""
    if step is None:
        return False
    return step.phase == "update" or (step.phase == "backward" and step.op == "linear")


def _scrolling(panel: QtWidgets.QWidget) -> QtWidgets.QScrollArea:
    """``panel`` in a scroll area: the column of docks it shares keeps a small minimum
    height (the window fits 1000×700), and a short dock scrolls instead of clipping."""
    area = QtWidgets.QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    return area


class MainWindow(QtWidgets.QMainWindow):
    """The debugger's window over one Session."""

    def __init__(self, session: Session, *, remember_layout: bool = True) -> None:
        super().__init__()
        self.qt = QtSession(session, self)
        self._remember = remember_layout
        self._zoom = 1.0
        self.setWindowTitle("bpdebugger")
        self.resize(1280, 800)

        self.network_view = NetworkView()
        self.setCentralWidget(self.network_view)
        self.card = GradientCardView()
        self.breakpoints_panel = BreakpointsPanel(self.qt)
        self.settings_panel = SettingsPanel(self.qt)
        right = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
        self.card_dock = self._dock("Gradients", "gradients", self.card)
        self.breakpoints_dock = self._dock(
            "Breakpoints and watches", "breakpoints", _scrolling(self.breakpoints_panel)
        )
        self.settings_dock = self._dock("Settings", "settings", self.settings_panel)
        self.narration = NarrationPanel(self.qt)
        self.narration_dock = self._dock("Narration", "narration", self.narration)
        for dock in (self.card_dock, self.breakpoints_dock, self.settings_dock):
            self.addDockWidget(right, dock)
        self.splitDockWidget(self.card_dock, self.narration_dock, QtCore.Qt.Orientation.Vertical)
        # The right docks run the full height; the plots go under the network.
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, right)
        self._build_plots()
        self._arranged = False  # tab groups are formed at the first show

        self.actions_by_name: dict[str, QtGui.QAction] = {}
        self._build_menus()
        self._build_timeline()
        self._build_status_bar()

        qt = self.qt
        qt.step_taken.connect(self._on_step_taken)
        qt.run_state_changed.connect(self._on_run_state_changed)
        qt.run_stopped.connect(self._on_run_stopped)
        qt.refused.connect(self._on_refused)
        qt.breakpoints_changed.connect(self._on_breakpoints_changed)
        qt.session_replaced.connect(self._on_session_replaced)
        qt.frame_shown.connect(self._on_frame_shown)
        self.network_view.breakpoint_toggled.connect(qt.toggle_breakpoint)
        self.network_view.edit_requested.connect(qt.edit)

        self._on_session_replaced(session)

    # --- construction -----------------------------------------------------------------------

    def _dock(self, title: str, name: str, widget: QtWidgets.QWidget) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(name)  # QSettings keys the layout by object name
        dock.setWidget(widget)
        return dock

    def _build_plots(self) -> None:
        """Plots under the network: the boundary and the loss side by side, the others
        as tabs behind them (one click brings each forward)."""
        self.plots: dict[str, QtWidgets.QWidget] = {
            "boundary": BoundaryPlot(self.qt),
            "hidden": HiddenSpacePlot(self.qt),
            "units": UnitMapsPlot(self.qt),
            "loss": LossPlot(self.qt),
            "norms": NormsPlot(self.qt),
        }
        self.plot_docks = {
            name: self._dock(title, f"plot_{name}", self.plots[name])
            for name, title in PLOT_TITLES.items()
        }
        for name, dock in self.plot_docks.items():
            # A plot behind another tab skips its work (isVisible() cannot tell).
            dock.visibilityChanged.connect(self.plots[name].set_on_screen)
        bottom = QtCore.Qt.DockWidgetArea.BottomDockWidgetArea
        docks = self.plot_docks
        self.addDockWidget(bottom, docks["boundary"])
        self.splitDockWidget(docks["boundary"], docks["loss"], QtCore.Qt.Orientation.Horizontal)
        for name in ("hidden", "units", "norms"):
            self.addDockWidget(bottom, docks[name])

    def _arrange_docks(self) -> None:
        """Tab groups and sizes, at the first show: tabbing docks before the window has
        been laid out leaves Qt's intermediate tab bars on screen (over the status bar).

        Right: the card in front, breakpoints and settings as tabs behind it (the card is
        what a lecture looks at). Bottom: the boundary and the loss side by side, the
        other plots as tabs behind them.
        """
        docks = self.plot_docks
        self.tabifyDockWidget(self.card_dock, self.breakpoints_dock)
        self.tabifyDockWidget(self.card_dock, self.settings_dock)
        self.tabifyDockWidget(docks["boundary"], docks["hidden"])
        self.tabifyDockWidget(docks["boundary"], docks["units"])
        self.tabifyDockWidget(docks["loss"], docks["norms"])
        for dock in (self.card_dock, docks["boundary"], docks["loss"]):
            dock.raise_()
        # The card's three columns need about 440 px, the plots about 300 px of height;
        # the network takes the rest.
        self.resizeDocks([self.card_dock], [CARD_WIDTH], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks([docks["boundary"]], [300], QtCore.Qt.Orientation.Vertical)
        # The narration is a few lines under the card: about a quarter of the column.
        self.resizeDocks(
            [self.card_dock, self.narration_dock], [3, 1], QtCore.Qt.Orientation.Vertical
        )
        if self._remember:
            self._restore_layout()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self._arranged:
            self._arranged = True
            self._arrange_docks()

    def add_action(self, name: str, text: str, shortcut: str, tip: str) -> QtGui.QAction:
        """A window-wide action with its shortcut named in its tooltip, kept in
        ``actions_by_name`` (the features add theirs here too)."""
        action = QtGui.QAction(text, self)
        action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({QtGui.QKeySequence(shortcut).toString()})")
        action.setStatusTip(tip)
        self.actions_by_name[name] = action
        return action

    def _build_menus(self) -> None:
        """The menu bar: File, Edit, Debug, View, Demos, Help. The features (documents, data,
        exports, lecture mode, help) each add their own actions to ``self.menus``; the order
        they are made in is the order of their sections in a menu."""
        bar = self.menuBar()
        self.menus = {
            name: bar.addMenu(title)
            for name, title in (
                ("file", "&File"),
                ("edit", "&Edit"),
                ("debug", "&Debug"),
                ("view", "&View"),
                ("demos", "De&mos"),
                ("help", "&Help"),
            )
        }
        self._build_debug_actions()
        self._build_view_actions()
        file_menu = self.menus["file"]
        self.documents = Documents(self)
        file_menu.addSeparator()
        self.data_editing = DataEditing(self)
        file_menu.addSeparator()
        self.export_menu = file_menu.addMenu("&Export")
        self.exports = Exports(self)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QtGui.QKeySequence.StandardKey.Quit)
        self.lecture = LectureMode(self)
        self.help = HelpMenu(self)

    def _build_debug_actions(self) -> None:
        qt = self.qt
        debug_menu = self.menus["debug"]
        toolbar = self.addToolBar("Debug")
        toolbar.setObjectName("debug_toolbar")
        slots = {
            "continue": qt.continue_,
            "run": qt.run,
            "pause": qt.pause,
            "step_over": qt.step_over,
            "step_into": qt.step_into,
            "step_out": qt.step_out,
            "step_back": qt.step_back,
            "reverse_continue": qt.reverse_continue,
            "restart": qt.restart,
        }
        for spec in DEBUG_ACTIONS:
            action = self.add_action(spec.name, spec.text, spec.shortcut, spec.tip)
            action.triggered.connect(slots[spec.name])
            debug_menu.addAction(action)
            toolbar.addAction(action)
        self.actions_by_name["pause"].setEnabled(False)
        self.speed_box = QtWidgets.QComboBox()
        self.speed_box.addItems(list(RUN_SPEEDS))
        self.speed_box.setCurrentText("10 iterations per frame")
        self.speed_box.setToolTip("Speed of Run: slow motion for a lecture, up to full pace")
        self.speed_box.currentTextChanged.connect(self._on_speed_chosen)
        self._on_speed_chosen(self.speed_box.currentText())
        toolbar.addWidget(self.speed_box)

    def _build_view_actions(self) -> None:
        view_menu = self.menus["view"]
        zoom_in = self.add_action("zoom_in", "Zoom &In", "Ctrl+=", "Larger text everywhere")
        zoom_in.setShortcuts([QtGui.QKeySequence("Ctrl+="), QtGui.QKeySequence("Ctrl++")])
        zoom_in.triggered.connect(lambda: self._step_zoom(+1))
        zoom_out = self.add_action("zoom_out", "Zoom &Out", "Ctrl+-", "Smaller text everywhere")
        zoom_out.triggered.connect(lambda: self._step_zoom(-1))
        zoom_reset = self.add_action("zoom_reset", "&Actual Size", "Ctrl+0", "Text at 100 %")
        zoom_reset.triggered.connect(lambda: self.set_zoom(1.0))
        for action in (zoom_in, zoom_out, zoom_reset):
            view_menu.addAction(action)
        view_menu.addSeparator()
        for dock in self.docks().values():
            view_menu.addAction(dock.toggleViewAction())

    def _build_timeline(self) -> None:
        """A slider over every stop reached so far; it jumps when released."""
        bar = QtWidgets.QToolBar("Timeline", self)
        bar.setObjectName("timeline_toolbar")
        self.timeline = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.timeline.setMinimum(0)
        self.timeline.setToolTip("Every stop reached so far: drag and release to jump there")
        self.timeline.setTracking(False)  # valueChanged only on release
        # Room to aim at a stop; the panels' buttons beside it take what is left (and fold
        # into the bar's » menu on a narrow window).
        self.timeline.setMinimumWidth(320)
        self.timeline.valueChanged.connect(self._on_timeline_moved)
        self.timeline_label = SteadyLabel()
        bar.addWidget(QtWidgets.QLabel(" Timeline "))
        bar.addWidget(self.timeline)
        bar.addWidget(self.timeline_label)
        self.addToolBarBreak(QtCore.Qt.ToolBarArea.BottomToolBarArea)
        self.addToolBar(QtCore.Qt.ToolBarArea.BottomToolBarArea, bar)
        self._build_panel_toggles()

    def _build_panel_toggles(self) -> None:
        """One button per panel beside the timeline: hiding or showing one is one click
        (the View menu has the same toggles under their full names)."""
        bar = QtWidgets.QToolBar("Panels", self)
        bar.setObjectName("panels_toolbar")
        for name, dock in self.docks().items():
            action = dock.toggleViewAction()
            action.setIconText(PANEL_BUTTONS[name])  # a toolbar shows the icon text
            action.setToolTip(f"Show or hide {dock.windowTitle().lower()}")
            bar.addAction(action)
        self.addToolBar(QtCore.Qt.ToolBarArea.BottomToolBarArea, bar)

    def _build_status_bar(self) -> None:
        self.position_label = SteadyLabel()
        self.position_label.setObjectName("position")
        self.statusBar().addPermanentWidget(self.position_label)

    # --- keeping the views in step with the debugger --------------------------------------

    @staticmethod
    def plot_titles() -> dict[str, str]:
        return PLOT_TITLES

    @property
    def session(self) -> Session:
        return self.qt.session

    def _on_session_replaced(self, session: Session) -> None:
        spec = session.spec
        self.network_view.set_network(spec.sizes, spec.activations, spec.loss)
        self._on_breakpoints_changed()
        self._on_step_taken(session.current)

    def _on_step_taken(self, step: Step | None) -> None:
        if self.qt.running:
            return  # the frames of the run show it (_on_frame_shown)
        session = self.session
        self.network_view.show_snapshot(session.snapshot())
        self.card.show_step(step, session.gradient_checks() if _shows_checks(step) else None)
        self._show_position()

    def _show_position(self) -> None:
        self.position_label.setText(self.position_text())
        self._sync_timeline()

    def _on_frame_shown(self, frame: int) -> None:
        """A frame of a run. The boundary moves every frame. The card waits for the stop
        (at thirty stops a second it could not be read). At full pace the other views
        take turns, every other frame: the network with the position, or one of the other
        plots on screen; so a frame's cost stays bounded however many plots are open, and
        the run keeps most of the time. In slow motion the network moves every frame."""
        self.plots["boundary"].refresh_if_dirty()
        full_pace = self.qt.speed is None
        if not full_pace or frame % 2:
            self.network_view.show_snapshot(self.session.snapshot())
            self._show_position()
        others = [p for name, p in self.plots.items() if name != "boundary" and p.on_screen()]
        if others and frame % 2 == 0:
            others[(frame // 2) % len(others)].refresh_if_dirty()

    def _on_breakpoints_changed(self) -> None:
        nodes = {bp.node for bp in self.session.breakpoints if bp.node is not None and bp.enabled}
        self.network_view.set_breakpoints(nodes)

    def _on_speed_chosen(self, text: str) -> None:
        self.qt.speed = RUN_SPEEDS[text]

    def _on_run_state_changed(self, running: bool) -> None:
        for name, action in self.actions_by_name.items():
            if name in {spec.name for spec in DEBUG_ACTIONS}:
                action.setEnabled(running == (name == "pause"))
        if running:
            self.statusBar().showMessage("Running… (F6 pauses)")

    def _on_run_stopped(self, reason: object) -> None:
        if reason is not None and getattr(reason, "kind", "") != "step":
            self.statusBar().showMessage(str(reason))

    def _on_refused(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)

    def position_text(self) -> str:
        """The status bar's position: epoch, iteration, sample, phase and node."""
        session = self.session
        step = session.current
        k = session.position[0]
        batch = session.batch
        samples = ", ".join(str(int(j) + 1) for j in batch.indices[:4])
        if len(batch) > 4:
            samples += ", …"
        where = "before the first stop" if step is None else f"{step.phase} {step.node}"
        noun = "sample" if len(batch) == 1 else "samples"
        return f"epoch {batch.epoch} · iteration {k} · {noun} {samples} · {where}"

    def _sync_timeline(self) -> None:
        k_last, i_last = self.session.reached
        n = len(self.session.stops)
        self.timeline.blockSignals(True)
        self.timeline.setMaximum((k_last - 1) * n + i_last)
        k, i = self.session.position
        self.timeline.setValue((k - 1) * n + i)
        self.timeline.blockSignals(False)
        self.timeline_label.setText(f" stop {i}/{n} of iteration {k} ")

    def _on_timeline_moved(self, value: int) -> None:
        n = len(self.session.stops)
        if value == 0:
            self.qt.restart()
            return
        self.qt.goto((value - 1) // n + 1, (value - 1) % n + 1)

    # --- zoom and layout ----------------------------------------------------------------------

    def set_zoom(self, factor: float) -> None:
        """Scale every text: the views' own, and the window's menus, toolbars and status
        bar; the card's dock widens with it (up to half the window) so nothing clips."""
        self._zoom = factor
        self.network_view.set_zoom(factor)
        self.card.set_zoom(factor)
        self.narration.set_zoom(factor)
        self.breakpoints_panel.set_zoom(factor)
        self.settings_panel.set_zoom(factor)
        for plot in self.plots.values():
            plot.set_zoom(factor)
        base = QtWidgets.QApplication.font()
        font = scaled_font(base, factor)
        chrome = [self.menuBar(), self.statusBar(), *self.findChildren(QtWidgets.QToolBar)]
        chrome += self.docks().values()  # their titles, drawn in the dock's font
        for widget in chrome:
            widget.setFont(font)
        # A dock's contents would inherit its font: their size stays the application's
        # (each view scales its own text), the rest of the font still inherited.
        unzoomed = QtGui.QFont()
        if base.pointSizeF() > 0:
            unzoomed.setPointSizeF(base.pointSizeF())
        else:
            unzoomed.setPixelSize(base.pixelSize())
        for dock in self.docks().values():
            dock.widget().setFont(unzoomed)
        width = min(int(CARD_WIDTH * factor), self.width() // 2)
        self.resizeDocks([self.card_dock], [width], QtCore.Qt.Orientation.Horizontal)

    def _step_zoom(self, direction: int) -> None:
        nearest = min(range(len(ZOOM_STEPS)), key=lambda j: abs(ZOOM_STEPS[j] - self._zoom))
        j = max(0, min(len(ZOOM_STEPS) - 1, nearest + direction))
        self.set_zoom(ZOOM_STEPS[j])

    def docks(self) -> dict[str, QtWidgets.QDockWidget]:
        """Every panel by its object name (the names a session's view lists)."""
        return {
            dock.objectName(): dock
            for dock in (
                self.card_dock,
                self.narration_dock,
                self.breakpoints_dock,
                self.settings_dock,
                *self.plot_docks.values(),
            )
        }

    def view_state(self) -> dict[str, Any]:
        """What a saved session keeps of the window: the panels shown and the zoom."""
        shown = [name for name, dock in self.docks().items() if not dock.isHidden()]
        return {"panels": shown, "zoom": self._zoom}

    def apply_view(self, view: dict[str, Any]) -> None:
        """Show a session's saved view; fields that are missing or malformed are skipped
        (a hand-written file may have any view, and the session itself is still good)."""
        panels = view.get("panels")
        if isinstance(panels, list):
            for name, dock in self.docks().items():
                dock.setVisible(name in panels)
        zoom = view.get("zoom")
        if isinstance(zoom, (int, float)) and not isinstance(zoom, bool):
            self.set_zoom(clamp_zoom(float(zoom)))

    def _restore_layout(self) -> None:
        settings = QtCore.QSettings()
        geometry = settings.value("window/geometry")
        state = settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.set_zoom(float(settings.value("window/zoom", 1.0)))

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.qt.pause()
        if not self.documents.may_close():
            event.ignore()
            return
        if self._remember:
            settings = QtCore.QSettings()
            settings.setValue("window/geometry", self.saveGeometry())
            settings.setValue("window/state", self.saveState())
            settings.setValue("window/zoom", self._zoom)
        super().closeEvent(event)

"""Lecture mode: large fonts, fewer panels, full screen, high contrast.

One toggle (View ▸ Lecture Mode, Ctrl+L, the toolbar) puts the window in front of a
class: the network, the gradient card, the narration and the decision boundary, full
screen, at the lecture zoom (remembered: zooming in lecture mode changes it), black on
white. Esc or the toggle again puts back exactly the layout, zoom, colours and window
state it found. Every panel is still one click away in the View menu.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from .appearance import Appearance
from .theme import clamp_zoom

if TYPE_CHECKING:
    from .main_window import MainWindow

LECTURE_DOCKS = ("gradients", "narration", "plot_boundary")
SHORTCUT = "Ctrl+L"
ZOOM_KEY = "lecture/zoom"
DEFAULT_ZOOM = 1.5
SETTLE_MS = 1000  # how long after leaving the docks are restored again if they drift


@dataclass(frozen=True)
class Layout:
    """What lecture mode changes, as it was before."""

    state: QtCore.QByteArray  # docks and toolbars (QMainWindow.saveState)
    geometry: QtCore.QRect  # the window's, when neither maximised nor full screen
    window_state: QtCore.Qt.WindowState
    zoom: float


def lecture_zoom() -> float:
    """The remembered lecture zoom (DEFAULT_ZOOM the first time, or if unreadable)."""
    try:
        return clamp_zoom(float(QtCore.QSettings().value(ZOOM_KEY, DEFAULT_ZOOM)))
    except (TypeError, ValueError):
        return DEFAULT_ZOOM


class LectureMode(QtCore.QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.appearance = Appearance(window)  # View ▸ Theme, and the high contrast
        self._before: Layout | None = None
        self._settling: QtCore.QByteArray | None = None  # the state to restore on resizes

        view_menu = window.menus["view"]
        view_menu.addSeparator()
        self.action = window.add_action(
            "lecture_mode",
            "&Lecture Mode",
            SHORTCUT,
            "Full screen, large text, high contrast: network, card, narration and boundary",
        )
        self.action.setCheckable(True)
        self.action.toggled.connect(self._set_active)
        view_menu.addAction(self.action)
        toolbar = window.findChild(QtWidgets.QToolBar, "debug_toolbar")
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.action)

        # Zooming in lecture mode sets the lecture zoom for next time.
        for name in ("zoom_in", "zoom_out", "zoom_reset"):
            window.actions_by_name[name].triggered.connect(self._remember_zoom)
        # The window saves its layout on closing: the one from before the lecture. And Esc
        # leaves lecture mode when it reaches the window: not as a shortcut, which would
        # take it before the focused widget, but only when no widget had a use for it (the
        # weight editor and the settings cancel with it, a unit map goes back).
        window.installEventFilter(self)

    def active(self) -> bool:
        return self._before is not None

    def set_active(self, on: bool) -> None:
        self.action.setChecked(on)

    def _set_active(self, on: bool) -> None:
        if on == self.active():
            return
        if on:
            self._enter()
        else:
            self._leave()

    def _enter(self) -> None:
        w = self.window
        self._before = Layout(
            state=w.saveState(),
            geometry=w.geometry(),
            window_state=w.windowState(),
            zoom=float(w.view_state()["zoom"]),
        )
        for name, dock in w.docks().items():
            dock.setVisible(name in LECTURE_DOCKS)
            if name in LECTURE_DOCKS:
                dock.raise_()  # in front of any tab it shares
        self.appearance.set_high_contrast(True)
        w.showFullScreen()
        w.set_zoom(lecture_zoom())  # after full screen: the card's width follows the window's

    def _leave(self) -> None:
        before = self._before
        assert before is not None
        w = self.window
        self._before = None
        self.appearance.set_high_contrast(False)
        w.setWindowState(before.window_state)
        if not before.window_state & (
            QtCore.Qt.WindowState.WindowFullScreen | QtCore.Qt.WindowState.WindowMaximized
        ):
            # setGeometry, not restoreGeometry: that one shrinks a window to fit the
            # screen, and the window may have been larger than the screen.
            w.setGeometry(before.geometry)
        w.set_zoom(before.zoom)
        w.restoreState(before.state)
        # The window gets its old size from the window system later (a window manager
        # takes its time leaving full screen) and the views their old minimum sizes as
        # they lay out at the old zoom; dock sizes restored meanwhile drift by a few
        # pixels. So for a moment the docks are restored again after each resize or
        # re-layout of the window that leaves them otherwise.
        self._settling = before.state
        QtCore.QTimer.singleShot(0, self, self._settle)
        QtCore.QTimer.singleShot(SETTLE_MS, self, self._stop_settling)

    def _settle(self) -> None:
        state = self._settling
        if state is not None and not self.active() and self.window.saveState() != state:
            self.window.restoreState(state)

    def _stop_settling(self) -> None:
        self._settling = None

    def _remember_zoom(self) -> None:
        if self.active():
            QtCore.QSettings().setValue(ZOOM_KEY, float(self.window.view_state()["zoom"]))

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.window:
            kind = event.type()
            if kind == QtCore.QEvent.Type.Close and self.active():
                self.action.setChecked(False)
            elif kind == QtCore.QEvent.Type.KeyPress and self.active():
                assert isinstance(event, QtGui.QKeyEvent)
                if event.key() == QtCore.Qt.Key.Key_Escape and not event.modifiers():
                    self.action.setChecked(False)
                    return True
            elif self._settling is not None and kind in (
                QtCore.QEvent.Type.Resize,
                QtCore.QEvent.Type.LayoutRequest,
            ):
                QtCore.QTimer.singleShot(0, self, self._settle)  # once it is laid out
        return False

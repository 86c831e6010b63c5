"""Starting the window, and taking a picture of it without a screen."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..debugger import Session
from ..engine.errors import InputError

APP_NAME = "bpdebugger"
ORGANISATION = "bpdebugger"


def display_available() -> bool:
    """Whether Qt can open a window: always on macOS and Windows; on Linux a display
    server must be named, unless a platform plugin (offscreen, vnc…) is chosen."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def application(argv: list[str] | None = None):  # -> QtWidgets.QApplication
    """The one QApplication of the process, named for QSettings."""
    from PySide6 import QtGui, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(argv or [APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationDisplayName("bpdebugger")
    QtGui.QGuiApplication.setDesktopFileName(APP_NAME)
    return app


def run_window(session: Session) -> int:
    """Open the main window on ``session`` and run until it closes."""
    if not display_available():
        raise InputError(
            "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "use 'bpdebugger screenshot OUT.png' for a picture or 'bpdebugger trace' for text",
            source="bpdebugger",
        )
    app = application(sys.argv[:1])
    from .main_window import MainWindow

    window = MainWindow(session)
    window.show()
    return app.exec()


def _quiet_offscreen_notices(kind: object, context: object, message: str) -> None:
    """The offscreen platform reports features it lacks (size hints to a window manager
    that is not there); a picture needs none of them, so only real problems are shown."""
    if "does not support" not in message:
        sys.stderr.write(f"{message}\n")


def screenshot(session: Session, out: Path, steps: int, size: tuple[int, int]) -> None:
    """Open the main window offscreen, take ``steps`` Step Into actions exactly as the
    toolbar does (each fully updating and painting every view), and save a picture."""
    from PySide6 import QtCore

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    QtCore.qInstallMessageHandler(_quiet_offscreen_notices)
    app = application(sys.argv[:1])
    from .main_window import MainWindow

    window = MainWindow(session, remember_layout=False)
    window.resize(*size)
    window.show()
    app.processEvents()
    for _ in range(steps):
        window.actions_by_name["step_into"].trigger()
        window.repaint()  # paint now, as the screen would after the click
        app.processEvents()
    if not window.grab().save(str(out)):
        raise InputError("cannot write the picture here", source=str(out))
    window.close()

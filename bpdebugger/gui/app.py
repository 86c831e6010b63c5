"""Starting the window, and taking a picture of it without a screen."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

from .. import __version__
from ..debugger import Session
from ..engine.errors import InputError

APP_NAME = "bpdebugger"
ORGANISATION = "bpdebugger"


# The X11 libraries Qt's xcb platform plugin loads, by soname, with the Debian/Ubuntu
# package that ships each. Without one of them Qt aborts the process at start-up.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def missing_xcb_packages() -> list[str]:
    """The packages of the X11 libraries that cannot be loaded, when Qt would use X11
    (Linux, a DISPLAY, no Wayland, no platform chosen); [] elsewhere."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return []
    if not os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return []
    import ctypes

    missing = []
    for soname, package in XCB_LIBRARIES.items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(package)
    return missing


def display_available() -> bool:
    """Whether Qt can open a window: always on macOS and Windows; on Linux a display
    server must be named, unless a platform plugin (offscreen, vnc…) is chosen."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


ICON_SIZES = (16, 32, 48, 64, 128, 256)


def icon_files() -> dict[int | None, Path]:
    """The application icon's files: a PNG per size in ICON_SIZES, the SVG under None."""
    folder = Path(str(resources.files("bpdebugger.resources") / "icons"))
    files: dict[int | None, Path] = {s: folder / f"{APP_NAME}-{s}.png" for s in ICON_SIZES}
    files[None] = folder / f"{APP_NAME}.svg"
    return files


def application_icon():  # -> QtGui.QIcon
    """The icon of the application and its windows: the drawn PNGs at their sizes (sharp
    where a desktop asks for one of them), the SVG for any other size."""
    from PySide6 import QtCore, QtGui

    icon = QtGui.QIcon()
    for size, path in icon_files().items():
        if size is None:
            icon.addFile(str(path))
        else:
            icon.addFile(str(path), QtCore.QSize(size, size))
    return icon


def application(argv: list[str] | None = None):  # -> QtWidgets.QApplication
    """The one QApplication of the process, named for QSettings, with its icon; the
    desktop file name ties its windows to resources/bpdebugger.desktop."""
    from PySide6 import QtGui, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(argv or [APP_NAME])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationDisplayName("bpdebugger")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(application_icon())
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
    missing = missing_xcb_packages()
    if missing:
        raise InputError(
            f"the window needs X11 libraries that are not installed: {', '.join(missing)} "
            f"(Debian/Ubuntu: sudo apt install {' '.join(missing)})",
            source="bpdebugger",
        )
    app = application(sys.argv[:1])
    from .main_window import MainWindow

    window = MainWindow(session)
    window.show()
    # The file's view and the recovery question come after the window's remembered layout.
    window.documents.start()
    code = app.exec()
    _delete_now(window)
    return code


def _delete_now(window) -> None:  # window: QtWidgets.QWidget
    """Delete a closed window while the application exists: left to the interpreter's
    exit, the window and its plots can be torn down after the QApplication, and the
    process crashes on its way out (seen after a few iterations had been drawn)."""
    from PySide6 import QtCore

    window.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


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
    saved = window.grab().save(str(out))
    window.close()
    _delete_now(window)
    if not saved:
        raise InputError("cannot write the picture here", source=str(out))

"""The Help menu: links to the README's sections, the keyboard shortcuts and the About dialog.

The links open the README in the browser at a section: the project's web page when the
package names one (a Project-URL), else the README beside the source, else a copy of the
README the package's metadata carries (an installed wheel has no README file of its own).
"""

from __future__ import annotations

import html
import platform
import re
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from .. import __version__
from ..engine.errors import InputError
from ..engine.files import write_atomic

if TYPE_CHECKING:
    from .main_window import MainWindow

DISTRIBUTION = "bpdebugger"

# Menu entries and the README headings they open (see anchor()).
README_LINKS = (
    ("&Getting Started", "Two commands"),
    ("The &Window", "The window"),
    ("&Lecture Mode and Themes", "Lecture mode"),
    ("&Session Files", "Session files"),
    ("&Command Line", "Command line"),
)


def anchor(heading: str) -> str:
    """The fragment GitHub (and most Markdown viewers) give a heading: lower case, spaces
    to hyphens, punctuation other than hyphens and underscores dropped."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def version() -> str:
    """The installed distribution's version, or the package's own when run from source."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return __version__


def _metadata() -> metadata.PackageMetadata | None:
    try:
        return metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def project_url() -> str | None:
    """The project's web page from the package metadata (Documentation, Homepage or
    Repository, in that order of preference), or None if it names none."""
    meta = _metadata()
    if meta is None:
        return None
    urls = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    for label in ("documentation", "homepage", "repository", "source"):
        if urls.get(label):
            return urls[label]
    return meta.get("Home-page") or None


def local_readme() -> Path | None:
    """README.md beside the package's source (a checkout or an editable install); else a
    copy of the README in the metadata, written to the user's data directory."""
    beside = Path(__file__).resolve().parents[2] / "README.md"
    if beside.is_file():
        return beside
    meta = _metadata()
    text = meta.get("Description") if meta is not None else None
    if not text:
        return None
    folder = QtCore.QStandardPaths.writableLocation(
        QtCore.QStandardPaths.StandardLocation.AppDataLocation
    )
    copy = Path(folder) / "README.md"
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(copy, text)
    except (OSError, InputError):
        return None
    return copy


def readme_url(heading: str) -> QtCore.QUrl | None:
    """Where the README's section ``heading`` is, or None if there is no README to open."""
    web = project_url()
    if web:
        url = QtCore.QUrl(web)
    else:
        path = local_readme()
        if path is None:
            return None
        url = QtCore.QUrl.fromLocalFile(str(path))
    url.setFragment(anchor(heading))
    return url


def about_text() -> str:
    """The About dialog's text (rich text): name, version, what it is, the versions of what
    it runs on, the licence."""
    import numpy
    import pyqtgraph
    import PySide6

    meta = _metadata()
    summary = (meta.get("Summary") if meta is not None else None) or (
        "A step-debugger for backpropagation: pause on every node, see every gradient"
    )
    licence = (meta.get("License") if meta is not None else None) or "MIT"
    versions = (
        f"Python {platform.python_version()} · Qt {QtCore.qVersion()} · "
        f"PySide6 {PySide6.__version__} · NumPy {numpy.__version__} · "
        f"pyqtgraph {pyqtgraph.__version__}"
    )
    return (
        f"<h3>bpdebugger {html.escape(version())}</h3>"
        f"<p>{html.escape(summary)}.</p>"
        f"<p>{html.escape(versions)}</p>"
        f"<p>Licence: {html.escape(licence)}</p>"
    )


def shortcut_rows(menus: dict[str, QtWidgets.QMenu]) -> list[tuple[str, str, str]]:
    """(menu path, action, shortcuts) for every action with a shortcut, menu by menu, as the
    menus have them now (so the list cannot drift from the keys that work)."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QtWidgets.QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} ▸ {_plain(action.text())}")
                continue
            keys = [
                k.toString(QtGui.QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
            ]
            keys = [k for k in keys if k]
            if keys and not action.isSeparator():
                rows.append((path, _plain(action.text()), " or ".join(keys)))

    for menu in menus.values():
        walk(menu, _plain(menu.title()))
    return rows


def _plain(text: str) -> str:
    """A menu text without its mnemonic ampersands ("&&" is a literal one)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def shortcuts_html(rows: list[tuple[str, str, str]], extra: list[tuple[str, str, str]]) -> str:
    cells = "".join(
        f"<tr><td>{html.escape(menu)}</td><td>{html.escape(name)}</td>"
        f"<td><b>{html.escape(keys)}</b></td></tr>"
        for menu, name, keys in [*rows, *extra]
    )
    return f"<table cellspacing='0' cellpadding='3'>{cells}</table>"


def _open_url(url: QtCore.QUrl) -> bool:
    return QtGui.QDesktopServices.openUrl(url)


class HelpMenu:
    """Help ▸ README sections, Keyboard Shortcuts, About bpdebugger.

    ``open_url(QUrl) -> bool`` and ``show_message(title, rich_text)`` are attributes that
    tests replace, so no browser or modal dialog opens under test.
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.open_url: Callable[[QtCore.QUrl], bool] = _open_url
        self.show_message: Callable[[str, str], None] = self._message_box
        menu = window.menus["help"]
        self.link_actions: dict[str, QtGui.QAction] = {}
        for text, heading in README_LINKS:
            action = menu.addAction(text)
            action.setStatusTip(f"Open the README at “{heading}”")
            action.triggered.connect(lambda _checked=False, h=heading: self.open_section(h))
            self.link_actions[heading] = action
        menu.addSeparator()
        self.shortcuts_action = window.add_action(
            "shortcuts", "&Keyboard Shortcuts", "Ctrl+/", "Every action and its shortcut"
        )
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        menu.addAction(self.shortcuts_action)
        menu.addSeparator()
        self.about_action = menu.addAction("&About bpdebugger", self.show_about)
        self.about_action.setMenuRole(QtGui.QAction.MenuRole.AboutRole)

    def open_section(self, heading: str) -> None:
        url = readme_url(heading)
        if url is None or not self.open_url(url):
            where = url.toString() if url is not None else "no README found"
            self.window.statusBar().showMessage(f"Cannot open the README ({where})", 10_000)

    def show_shortcuts(self) -> None:
        # Esc is a shortcut of lecture mode only, not of an action in a menu.
        extra = [("View", "Leave Lecture Mode", "Esc")]
        self.show_message(
            "Keyboard Shortcuts", shortcuts_html(shortcut_rows(self.window.menus), extra)
        )

    def show_about(self) -> None:
        self.show_message("About bpdebugger", about_text())

    def _message_box(self, title: str, text: str) -> None:
        box = QtWidgets.QMessageBox(self.window)
        box.setWindowTitle(title)
        box.setTextFormat(QtCore.Qt.TextFormat.RichText)
        box.setText(text)
        box.setIconPixmap(self.window.windowIcon().pixmap(64, 64))
        box.exec()

"""Sessions as documents: New, Open, Open Recent, Save, Save As, the Demos menu, the window
title with its unsaved mark, the question before unsaved changes are lost, autosave and
recovery after a crash.

A document is the window's session plus where it is saved: a file, or nothing yet (an
untitled session, usually a demo). It is modified once the session differs from what was
last opened or saved: a step (the position is saved), an edit, a breakpoint or watch, a
rebuilt session. Nothing is ever replaced or closed with changes unsaved unless the user
said Discard, and while changes are unsaved they are autosaved every AUTOSAVE_MS.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtGui

from ..debugger import Session
from ..engine.demos import DEFAULT_DEMO, demo_names, demo_title, demos_dir
from ..engine.errors import InputError
from .autosave import AutosaveStore
from .document_dialogs import DocumentDialogs
from .recent_files import RecentFiles

if TYPE_CHECKING:
    from .main_window import MainWindow

APP_TITLE = "bpdebugger"
AUTOSAVE_MS = 15_000
DIRECTORY_KEY = "documents/directory"  # where the last file was opened or saved


class Documents:
    """The File menu's document actions and the Demos menu over one window.

    The dialogs go through ``self.dialogs`` (DocumentDialogs), the autosave files through
    ``self.autosave`` (an AutosaveStore: its ``directory`` may be set before the first
    autosave), the recent files through ``self.recent``.
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.qt = window.qt
        self.dialogs = DocumentDialogs(window)
        self.recent = RecentFiles()
        self.autosave = AutosaveStore()
        self.path: Path | None = None  # the file Save writes to; None: untitled
        self.demo: str | None = None  # the demo an untitled session started from
        self.recovered = False  # recovered from an autosave, and not saved since
        self.modified = False
        self._changes = 0  # every change counts; an autosave is current at its count
        self._autosaved = 0
        self._asking = False  # the unsaved question is on screen
        self._closing = False  # inside may_close
        self._close_approved = False

        self.path, self.demo = _origin(window.session.spec.path)
        self._build_file_actions()
        self._build_demos_menu()
        self._show_title()
        qt = self.qt
        for signal in (
            qt.step_taken,
            qt.session_replaced,
            qt.breakpoints_changed,
            qt.watches_changed,
        ):
            signal.connect(self._on_changed)
        # Started by start(): a window made for a picture or a script keeps no autosave.
        self.timer = QtCore.QTimer(window)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave_now)

    # --- menus ------------------------------------------------------------------------------

    def _build_file_actions(self) -> None:
        menu = self.window.menus["file"]
        entries: tuple[tuple[str, str, str, str, Callable[[], Any]], ...] = (
            ("new", "&New", "Ctrl+N", "A fresh session of the default demo", self.new),
            ("open", "&Open…", "Ctrl+O", "Open a session file", self.open),
            ("save", "&Save", "Ctrl+S", "Save the session, where it is now", self.save),
            (
                "save_as",
                "Save &As…",
                "Ctrl+Shift+S",
                "Save the session to a new file",
                self.save_as,
            ),
        )
        for name, text, shortcut, tip, slot in entries:
            # The window's own helper: the shortcut in the tooltip, like every other action.
            action = self.window.add_action(name, text, shortcut, tip)
            action.triggered.connect(lambda _=False, slot=slot: slot())  # not `checked`
            menu.addAction(action)
            if name == "open":
                self.recent_menu = menu.addMenu("Open &Recent")
                # Another window of this process may have added a file since.
                self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
                self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = self.recent.paths()
        for n, path in enumerate(paths, start=1):
            mnemonic = f"&{n} " if n < 10 else f"{n} "
            folder = path.parent.as_posix().replace(Path.home().as_posix(), "~", 1)
            action = menu.addAction(f"{mnemonic}{_escaped(path.name)}   ({_escaped(folder)})")
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if not paths:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("&Clear the List", self.clear_recent)
        clear.setEnabled(bool(paths))

    def _build_demos_menu(self) -> None:
        menu = self.window.menus["demos"]
        menu.setToolTipsVisible(True)
        self.demo_actions: dict[str, QtGui.QAction] = {}
        for name in demo_names():
            title = demo_title(name)
            action = menu.addAction(_escaped(name.replace("_", " ")))
            action.setToolTip(title)
            action.setStatusTip(title)
            action.triggered.connect(lambda _=False, n=name: self.open_demo(n))
            self.demo_actions[name] = action

    # --- the document's name and state -------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.window.session

    def name(self) -> str:
        return document_name(self.path, self.demo, self.recovered)

    def _show_title(self) -> None:
        # [*] is where Qt shows the unsaved mark (setWindowModified).
        self.window.setWindowTitle(f"{self.name()}[*] — {APP_TITLE}")
        self.window.setWindowFilePath(str(self.path) if self.path else "")
        self.window.setWindowModified(self.modified)

    def _on_changed(self, *_: object) -> None:
        self._changes += 1
        if not self.modified:
            self.modified = True
            self.window.setWindowModified(True)

    def _set_saved(self) -> None:
        """The session is what its file (or demo) holds: nothing unsaved, no autosave."""
        self.modified = False
        self._autosaved = self._changes
        self.autosave.remove()
        self._show_title()

    # --- New, Open, demos ------------------------------------------------------------------

    def new(self) -> None:
        """A fresh session of the default demo, untitled."""
        self._replace(
            lambda: Session.from_demo(DEFAULT_DEMO),
            path=None,
            demo=DEFAULT_DEMO,
            before="starting a new session",
        )

    def open_demo(self, name: str) -> None:
        self._replace(
            lambda: Session.from_demo(name), path=None, demo=name, before=f"opening the demo {name}"
        )

    def open(self) -> None:
        path = self.dialogs.choose_open(self._directory())
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path) -> None:
        """Open a session file; a file that cannot be opened is one message, and the
        current session stays as it is."""
        file, demo = _origin(path)
        self._replace(
            lambda: Session.load(path), path=file, demo=demo, before=f"opening {path.name}"
        )

    def open_recent(self, path: Path) -> None:
        if not path.exists():
            self.recent.remove(path)
            self._fill_recent_menu()
            self.dialogs.show_error(
                "Cannot open the session", f"{path}: no such file (removed from Open Recent)"
            )
            return
        self.open_path(path)

    def clear_recent(self) -> None:
        self.recent.clear()
        self._fill_recent_menu()

    def _replace(
        self, load: Callable[[], Session], *, path: Path | None, demo: str | None, before: str
    ) -> None:
        """Load first (so a bad file costs nothing), then ask about unsaved changes, then
        show the new session."""
        try:
            session = load()
        except InputError as e:
            self.dialogs.show_error("Cannot open the session", str(e))
            return

        def show() -> None:
            self._show(session, path=path, demo=demo)
            if path is not None:
                self._remember(path)
            self._set_saved()

        self._settle(show, before)

    def _show(
        self, session: Session, *, path: Path | None, demo: str | None, recovered: bool = False
    ) -> None:
        self.qt.replace(session)  # the Session itself is at its saved view.position
        self.window.apply_view(session.spec.view)
        self.path, self.demo, self.recovered = path, demo, recovered

    # --- Save, Save As --------------------------------------------------------------------

    def save(self) -> bool:
        """Save to the document's file (Save As for an untitled one); whether it saved."""
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        stem = self.path.stem if self.path else (self.demo or "session")
        path = self.dialogs.choose_save(self._directory() / f"{stem}.json")
        return path is not None and self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:
            self.session.save(path, view=self.window.view_state())
        except InputError as e:
            self.dialogs.show_error("Cannot save the session", str(e))
            return False
        self.path, self.demo, self.recovered = path, None, False
        self._remember(path)
        self._set_saved()
        return True

    def _remember(self, path: Path) -> None:
        self.recent.add(path)
        self._fill_recent_menu()
        QtCore.QSettings().setValue(DIRECTORY_KEY, str(path.resolve().parent))

    def _directory(self) -> Path:
        stored = QtCore.QSettings().value(DIRECTORY_KEY, "", type=str)
        return Path(stored) if stored and Path(stored).is_dir() else Path.home()

    # --- unsaved changes ------------------------------------------------------------------

    def _settle(self, proceed: Callable[[], None], before: str) -> None:
        """Run ``proceed`` once no unsaved change would be lost: at once when there is none,
        else after the user answered Discard, or Save and the save went through. The
        answer may come later (the question does not block): ``proceed`` waits for it."""
        if not self.modified:
            proceed()
            return
        if self._asking:
            return

        def answered(choice: str) -> None:
            self._asking = False
            if choice == "discard" or (choice == "save" and self.save()):
                proceed()

        self._asking = True
        question = f"{self.name()} has unsaved changes. Save them before {before}?"
        self.dialogs.ask_unsaved(question, answered)

    def may_close(self) -> bool:
        """Whether the window may close now. With unsaved changes it asks; when the answer
        comes later (the question is on screen), the window closes itself after it."""
        if self.modified and not self._close_approved:
            self._closing = True
            try:
                self._settle(self._approve_close, "closing")
            finally:
                self._closing = False
            if not self._close_approved:
                return False
        self.timer.stop()
        self.autosave.remove()
        return True

    def _approve_close(self) -> None:
        self._close_approved = True
        if not self._closing:  # answered after may_close returned: close again, now approved
            self.window.close()

    # --- autosave and recovery ------------------------------------------------------------

    def autosave_now(self) -> None:
        """Save the working session to the autosave file if it changed since the last one.
        A run goes on meanwhile: its slices run on the same event loop, so this always
        sees the session between two slices, at a whole iteration."""
        if not self.modified or self._autosaved == self._changes:
            return
        info = {"file": str(self.path) if self.path else None, "demo": self.demo}
        try:
            self.autosave.write(self.session, self.window.view_state(), info)
        except InputError as e:
            self.window.statusBar().showMessage(f"Autosave failed: {e}", 10_000)
            return
        self._autosaved = self._changes

    def start(self) -> None:
        """At an interactive start: show the opened session's view, offer to recover what
        a crash left behind, and autosave from now on."""
        self.window.apply_view(self.session.spec.view)
        self.offer_recovery()
        self.timer.start()

    def offer_recovery(self) -> None:
        """Offer the newest autosave of a process that is gone (others wait for the next
        start: a window holds one session). A recovered session is modified and untitled
        unless it had a file, which Save then writes to: the recovered work continues that
        file. An autosave that cannot be read is reported in one line and removed."""
        for leftover in self.autosave.leftovers():
            if not self.autosave.claim(leftover):
                continue  # another window starting at the same time took it
            try:
                session = Session.load(self.autosave.session_path)
            except InputError as e:
                self.autosave.remove()
                self.dialogs.show_error(
                    "Autosave discarded",
                    f"An autosave from a session that did not close cleanly cannot be read "
                    f"and was discarded: {e}",
                )
                continue
            info = self.autosave.read_info()
            file, demo = info.get("file"), info.get("demo")
            path = Path(file) if isinstance(file, str) and file else None
            demo = demo if isinstance(demo, str) and path is None else None
            k, i = session.position
            saved_at = self.autosave.saved_at()
            question = (
                f"bpdebugger did not close cleanly. The session {document_name(path, demo)} "
                f"was autosaved at {saved_at:%H:%M on %d %b %Y}, at iteration {k}, stop {i}. "
                "Recover it, or discard it?"
            )
            if not self.dialogs.ask_recover(question):
                self.autosave.remove()
                continue
            self._show(session, path=path, demo=demo, recovered=True)
            self.modified = True
            self._autosaved = self._changes  # the autosave file holds this very session
            self._show_title()
            return


def document_name(path: Path | None, demo: str | None, recovered: bool = False) -> str:
    """A document as the title names it: its file, or Untitled with where it came from."""
    if path is not None:
        return f"{path.name} (recovered)" if recovered else path.name
    notes = [f"demo {demo}"] if demo else []
    if recovered:
        notes.append("recovered")
    return f"Untitled ({', '.join(notes)})" if notes else "Untitled"


def _origin(path: Path | None) -> tuple[Path | None, str | None]:
    """(file, demo) of a session read from ``path``: a shipped demo opens untitled, so
    that Save never writes into the application's own files."""
    if path is not None and path.resolve().parent == demos_dir().resolve():
        return None, path.stem
    return path, None


def _escaped(text: str) -> str:
    """Menu text shows & literally (a single & marks the shortcut letter)."""
    return text.replace("&", "&&")

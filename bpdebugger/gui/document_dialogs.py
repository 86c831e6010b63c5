"""The dialogs of the document actions, in one replaceable object.

Documents calls only these methods, so a test gives it an object with the same methods
that answers at once and records what the user would have read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6 import QtWidgets

SESSION_FILTER = "Sessions (*.json);;All files (*)"
Box = QtWidgets.QMessageBox


class DocumentDialogs:
    """Qt's file choosers and message boxes over ``parent``."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.parent = parent

    def ask_unsaved(self, question: str, answer: Callable[[str], None]) -> None:
        """Save, Discard or Cancel: ``answer`` gets "save", "discard" or "cancel".

        The box is window-modal and does not block (open, not exec): a close that asks
        (Quit, a script, a test closing its windows) returns at once, and nothing waits
        on a box that nobody may be there to answer."""
        box = Box(Box.Icon.Warning, "Unsaved changes", question, parent=self.parent)
        buttons = Box.StandardButton
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.setDefaultButton(buttons.Save)
        choices = {buttons.Save: "save", buttons.Discard: "discard"}

        def finished() -> None:
            answer(choices.get(box.standardButton(box.clickedButton()), "cancel"))
            box.deleteLater()

        box.finished.connect(finished)
        box.open()

    def choose_open(self, directory: Path) -> Path | None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.parent, "Open a session", str(directory), SESSION_FILTER
        )
        return Path(path) if path else None

    def choose_save(self, suggested: Path) -> Path | None:
        """A file to save to; .json is added to a name given without a suffix, and an
        existing file is only replaced after the chooser asked."""
        dialog = QtWidgets.QFileDialog(self.parent, "Save the session as", str(suggested))
        dialog.setNameFilter(SESSION_FILTER)
        dialog.setAcceptMode(QtWidgets.QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        if not dialog.exec():
            return None
        return Path(dialog.selectedFiles()[0])

    def ask_recover(self, question: str) -> bool:
        """Recover (True) or Discard (False)."""
        box = Box(Box.Icon.Question, "Recover the unsaved session?", question, parent=self.parent)
        recover = box.addButton("Recover", Box.ButtonRole.AcceptRole)
        box.addButton(Box.StandardButton.Discard)
        box.setDefaultButton(recover)
        box.exec()
        return box.clickedButton() is recover

    def show_error(self, title: str, message: str) -> None:
        Box.warning(self.parent, title, message)

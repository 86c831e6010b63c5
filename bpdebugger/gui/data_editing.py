"""Data by hand: points added and deleted on the boundary plot, a generated set drawn again
with a new seed, CSV import and export.

The changes themselves are the debugger's (debugger/dataset.py, no Qt): each builds a new
session on the new data that keeps the network's current parameters, and this module shows
it (``qt.replace``) with a line in the status bar. A change that cannot be made says why in
the status bar; a CSV file that cannot be imported, in one message box naming the file, the
line and the column. Either way the current session stays as it was.

Clicks on the boundary plot: click adds a point of class 1 (with several classes, of the
class chosen beside the plot), shift+click of class 0, ctrl+click deletes the nearest
training point, right-click on a point deletes it (elsewhere it opens the plot's menu).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtWidgets

from ..debugger import dataset
from ..debugger.dataset import DataChange
from ..engine.errors import InputError
from ..engine.values import plural

if TYPE_CHECKING:
    from .main_window import MainWindow

CSV_FILTER = "CSV files (*.csv);;All files (*)"
MESSAGE_MS = 10_000


class DataDialogs:
    """The file choosers and the message box of the data actions, in one object that tests
    replace with one that answers at once."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.parent = parent

    def choose_import(self, directory: Path) -> Path | None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.parent, "Import data from a CSV file", str(directory), CSV_FILTER
        )
        return Path(path) if path else None

    def choose_export(self, suggested: Path) -> Path | None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.parent, "Export the training data as CSV", str(suggested), CSV_FILTER
        )
        return Path(path) if path else None

    def show_error(self, title: str, message: str) -> None:
        QtWidgets.QMessageBox.warning(self.parent, title, message)


class DataEditing:
    """The data actions of the File and Edit menus, and the boundary plot's clicks."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialogs = DataDialogs(window)
        file_menu = window.menus["file"]
        self.import_action = file_menu.addAction("&Import Data (CSV)…", self.import_csv)
        self.import_action.setStatusTip(
            "Replace the data with the samples of a CSV file (features, then the label); "
            "the network keeps its current parameters"
        )
        self.export_action = file_menu.addAction("Export &Data (CSV)…", self.export_csv)
        self.export_action.setStatusTip(
            "Write the training samples to a CSV file that Import reads back"
        )
        self.regenerate_action = window.add_action(
            "regenerate_data",
            "&Regenerate Data (New Seed)",
            "Ctrl+G",
            "Draw the generated data set again with the next seed; the network keeps its "
            "current parameters",
        )
        self.regenerate_action.triggered.connect(self.regenerate)
        window.menus["edit"].addAction(self.regenerate_action)
        plot = window.plots["boundary"]
        plot.add_requested.connect(self.add_point)
        plot.delete_requested.connect(self.delete_point)

    # --- the changes ----------------------------------------------------------------------

    def add_point(self, point: tuple[float, float], label: int) -> None:
        self._change(lambda: dataset.add_point(self.window.session, point, label))

    def delete_point(self, row: int) -> None:
        self._change(lambda: dataset.delete_point(self.window.session, row))

    def regenerate(self) -> None:
        self._change(lambda: dataset.regenerate(self.window.session))

    def import_csv(self) -> None:
        if self._refuse_while_running():
            return
        path = self.dialogs.choose_import(self._directory())
        if path is None:
            return
        try:
            change = dataset.import_csv(self.window.session, path)
        except (InputError, ValueError) as e:
            self.dialogs.show_error(
                "Import Data",
                f"Could not import {path.name}; the current data is unchanged.\n\n{e}",
            )
            return
        self._show(change)

    def export_csv(self) -> None:
        session = self.window.session
        directory = self._directory()
        path = self.dialogs.choose_export(directory / "data.csv")
        if path is None:
            return
        try:
            n = dataset.export_csv(session, path)
        except (InputError, ValueError) as e:
            self.dialogs.show_error("Export Data", f"Could not export to {path.name}.\n\n{e}")
            return
        self._status(f"Exported {plural(n, 'training sample')} to {path}.")

    # --- helpers --------------------------------------------------------------------------

    def _change(self, make: Callable[[], DataChange]) -> None:
        """Make a data change and show its session, or say in the status bar why not."""
        if self._refuse_while_running():
            return
        try:
            change = make()
        except (InputError, ValueError) as e:
            self._status(str(e))
            return
        self._show(change)

    def _show(self, change: DataChange) -> None:
        self.window.qt.replace(change.session)
        self._status(change.message)

    def _refuse_while_running(self) -> bool:
        if self.window.qt.running:
            self._status("Pause (F6) before changing the data")
            return True
        return False

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, MESSAGE_MS)

    def _directory(self) -> Path:
        """Where the file choosers start: beside the session's file, or the home folder."""
        path = self.window.session.spec.path
        return path.resolve().parent if path is not None else Path.home()

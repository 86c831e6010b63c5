"""File > Export: the plots as PNG or SVG.

(Skeleton: the stop, the trace, the network view and the card come with issue 6.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtWidgets

if TYPE_CHECKING:
    from .main_window import MainWindow


class Exports:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        for name, title in window.plot_titles().items():
            window.export_menu.addAction(f"{title}…", lambda n=name: self.export_plot(n))

    def export_plot(self, name: str) -> None:
        """Save one plot as PNG or SVG (by the suffix chosen)."""
        window = self.window
        title = window.plot_titles()[name]
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            window, f"Export {title}", f"{name}.png", "PNG image (*.png);;SVG (*.svg)"
        )
        if not path:
            return
        try:
            window.plots[name].export(path)
        except (OSError, ValueError) as e:
            window.statusBar().showMessage(f"{path}: could not export: {e}", 10_000)
        else:
            window.statusBar().showMessage(f"exported {title} to {path}", 5_000)

"""Data by hand: points added and deleted on the boundary plot, CSV import and export.

(Skeleton: filled in by the data work of issue 6.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow


class DataEditing:
    def __init__(self, window: MainWindow) -> None:
        self.window = window

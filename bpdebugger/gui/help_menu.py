"""The Help menu: links to the README's sections and the About dialog.

(Skeleton: filled in by the desktop work of issue 6.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow


class HelpMenu:
    def __init__(self, window: MainWindow) -> None:
        self.window = window

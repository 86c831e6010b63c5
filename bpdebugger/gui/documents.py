"""Sessions as documents: New, Open, Save, Save As, Recent, the title, autosave and recovery.

(Skeleton: filled in by the sessions work of issue 6.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow


class Documents:
    """The File menu's document actions over one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def may_close(self) -> bool:
        """Whether the window may close (after asking about unsaved changes)."""
        return True

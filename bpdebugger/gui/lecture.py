"""Lecture mode: large fonts, fewer panels, full screen, high contrast.

(Skeleton: filled in by the lecture work of issue 6.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_window import MainWindow


class LectureMode:
    def __init__(self, window: MainWindow) -> None:
        self.window = window

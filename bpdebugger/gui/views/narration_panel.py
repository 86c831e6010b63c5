"""The narration panel: what the current stop means, in words.

(Skeleton: filled in by the narration work of issue 6.)
"""

from __future__ import annotations

from PySide6 import QtWidgets

from ..qt_session import QtSession


class NarrationPanel(QtWidgets.QWidget):
    def __init__(self, qt: QtSession) -> None:
        super().__init__()
        self.qt = qt

"""The inline editor the network view opens on a double-clicked weight or bias."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from .network_text import MINUS


def parse_number(text: str) -> float | None:
    """A float from what a person types: "−0.5", "-0.5", "1e-3", " 2 "; None if it is not one.

    Python's float() rather than a QDoubleValidator: the validator follows the
    locale (a decimal comma in much of Europe) while the slides say 0.5.
    """
    try:
        value = float(text.strip().replace(MINUS, "-").replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


class ValueEditor(QtWidgets.QFrame):
    """A label and a line edit floating over the view: Enter commits, Escape or a
    click elsewhere cancels, Up/Down step by 0.1 (0.01 with Shift) like a spin box."""

    committed = QtCore.Signal(float)

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.label = QtWidgets.QLabel(self)
        self.line_edit = QtWidgets.QLineEdit(self)
        self.line_edit.setToolTip("Enter to apply, Escape to cancel, ↑/↓ to step")
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        row.addWidget(self.label)
        row.addWidget(self.line_edit)
        self.line_edit.installEventFilter(self)
        self.hide()

    def open(self, label: str, value: float, at: QtCore.QPoint) -> None:
        """Show over the parent at ``at`` (parent coordinates), kept inside the parent."""
        self.label.setText(label + " =")
        self.line_edit.setText(f"{value:.6g}")
        self.line_edit.setStyleSheet("")
        self.adjustSize()
        parent = self.parentWidget()
        x, y = at.x() + 8, at.y() - self.height() // 2
        if parent is not None:
            x = max(0, min(x, parent.width() - self.width()))
            y = max(0, min(y, parent.height() - self.height()))
        self.move(x, y)
        self.show()
        self.raise_()
        self.line_edit.setFocus(QtCore.Qt.FocusReason.PopupFocusReason)
        self.line_edit.selectAll()

    def commit(self) -> bool:
        """Emit the typed value and close; an unreadable entry is marked and stays open."""
        value = parse_number(self.line_edit.text())
        if value is None:
            self.line_edit.setStyleSheet("border: 2px solid #E0202A;")
            return False
        self.hide()
        self.committed.emit(value)
        return True

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.line_edit:
            if event.type() == QtCore.QEvent.Type.KeyPress:
                assert isinstance(event, QtGui.QKeyEvent)
                key = event.key()
                if key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
                    self.commit()
                    return True
                if key == QtCore.Qt.Key.Key_Escape:
                    self.hide()
                    return True
                if key in (QtCore.Qt.Key.Key_Up, QtCore.Qt.Key.Key_Down):
                    self._step(event)
                    return True
            elif event.type() == QtCore.QEvent.Type.FocusOut and self.isVisible():
                self.hide()  # a click elsewhere cancels, as in a spreadsheet cell
        return super().eventFilter(watched, event)

    def _step(self, event: QtGui.QKeyEvent) -> None:
        value = parse_number(self.line_edit.text())
        if value is None:
            return
        shift = event.modifiers() & QtCore.Qt.KeyboardModifier.ShiftModifier
        delta = 0.01 if shift else 0.1
        value += delta if event.key() == QtCore.Qt.Key.Key_Up else -delta
        self.line_edit.setText(f"{round(value, 10):.6g}")

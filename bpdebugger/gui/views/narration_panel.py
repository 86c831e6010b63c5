"""The narration panel: what the current stop means, in words.

For each stop it shows a heading (phase · node · op), the demo's note for that stop if the
session has one, and the built-in explanation of the node kind (debugger/narration.py);
before the first stop, the demo's title and how to step.

One ``setHtml`` per stop into a QTextBrowser, whose size hint does not depend on its text:
a new stop never resizes the dock or relayouts the window. The text wraps at the panel's
width less the scroll bar's, whether the bar shows or not: a long stop that brings the bar
does not make the browser lay its document out a second time, narrower. While hidden the panel does
nothing and catches up when shown; during a run it says it is running and catches up with
the stop where the run ends.
"""

from __future__ import annotations

import html

from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.debugger.narration import Narration, narrate, opening
from bpdebugger.engine.session import SessionSpec
from bpdebugger.engine.trace import Step

from ..qt_session import QtSession
from ..steady_scroll_bar import SteadyScrollBar, width_beside_bar
from ..theme import PHASE_COLOURS, Zoomable, scaled_font

NOTE_LABEL = "Demo note"
RUNNING_TEXT = "Running… the narration resumes where it stops."


def _paragraph(text: str) -> str:
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


class NarrationPanel(Zoomable, QtWidgets.QWidget):
    """The current stop in words: heading, the demo's note, the built-in explanation."""

    def __init__(self, qt: QtSession, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.qt = qt
        self._zoom = 1.0
        self._narration: Narration | None = None
        self._shown: tuple[SessionSpec, Step | None] | None = None
        self._stale = True  # drawn when first shown

        # Painting its own background, the panel keeps a repaint inside it (the strip its
        # scroll bar leaves, a long stop to a short one) from repainting the dock's frame.
        self.setAutoFillBackground(True)
        self.browser = QtWidgets.QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.browser.setVerticalScrollBar(SteadyScrollBar(self.browser))
        self.browser.setLineWrapMode(QtWidgets.QTextEdit.LineWrapMode.FixedPixelWidth)
        self.browser.installEventFilter(self)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self._apply_font()

        qt.step_taken.connect(self._on_step_taken)
        qt.session_replaced.connect(self._on_session_replaced)
        qt.run_state_changed.connect(self._on_run_state_changed)

    # --- slots ------------------------------------------------------------------------------

    def _on_step_taken(self, step: Step | None) -> None:
        if not self.qt.running:  # a run ends with a step_taken of its last stop
            self._refresh()

    def _on_session_replaced(self, session: object) -> None:
        self._refresh()

    def _on_run_state_changed(self, running: bool) -> None:
        if running:
            self._refresh()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._refresh()

    # --- rendering --------------------------------------------------------------------------

    def _refresh(self, force: bool = False) -> None:
        """Show the session's current state; while the panel is hidden (a closed or tabbed
        dock), only remember to, so that stepping costs nothing for it."""
        if not (force or self.isVisible()):
            self._stale = True
            return
        self._stale = False
        if self.qt.running:
            self._shown = self._narration = None
            self.browser.setHtml(_paragraph(RUNNING_TEXT))
        else:
            self._show(self.qt.session.spec, self.qt.session.current)

    def _show(self, spec: SessionSpec, step: Step | None) -> None:
        if self._shown is not None and self._shown[0] is spec and self._shown[1] is step:
            return  # the same stop again (a replaced session re-announces its position)
        self._shown = (spec, step)
        if step is None:
            self._narration = None
            title, _, rest = opening(spec).partition("\n\n")
            self.browser.setHtml(f"<p><b>{html.escape(title)}</b></p>" + _paragraph(rest))
            return
        n = self._narration = narrate(step, spec)
        colour = PHASE_COLOURS[step.phase].name()
        parts = [f"<p><span style='color:{colour}'>■</span> <b>{html.escape(n.heading)}</b></p>"]
        if n.note:
            parts.append(f"<p><b>{NOTE_LABEL}:</b> <i>{html.escape(n.note)}</i></p>")
        parts.append(_paragraph(n.explanation))
        self.browser.setHtml("".join(parts))

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize and watched is self.browser:
            self.browser.setLineWrapColumnOrWidth(max(50, width_beside_bar(self.browser)))
        return super().eventFilter(watched, event)

    def _apply_font(self) -> None:
        # The document's text has no sizes of its own, so it follows the browser's font.
        self.browser.setFont(scaled_font(self.font(), self._zoom))

    # --- what the user sees, for tests --------------------------------------------------------

    def text(self) -> str:
        """The panel's text, brought up to date if it was hidden."""
        if self._stale:
            self._refresh(force=True)
        return self.browser.toPlainText()

    def narration(self) -> Narration | None:
        """What the panel shows for the current stop (None before the first stop)."""
        if self._stale:
            self._refresh(force=True)
        return self._narration

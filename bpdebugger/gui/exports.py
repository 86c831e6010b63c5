"""File > Export and Edit > Copy: the current stop as Markdown or LaTeX, the current
iteration's trace as JSON or CSV (the `bpdebugger trace` formats), the network view and
the plots as PNG or SVG, and the gradient card as an image on the clipboard.

Every file is written atomically (engine.files.write_atomic): images are rendered to
bytes first, so a failed export never leaves half a file. The file chooser is the
``choose_path`` attribute, which tests replace; failures go to the status bar with the
path and the reason, and the program carries on.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from ..engine.errors import InputError
from ..engine.files import write_atomic
from ..engine.report import trace_csv, trace_json
from ..engine.stop_text import stop_file_stem, stop_latex, stop_markdown
from ..engine.trace import Step

if TYPE_CHECKING:
    from .main_window import MainWindow

# (title, suggested file name, filters) → the path chosen, or "" when cancelled
ChoosePath = Callable[[str, str, str], str]

NO_STOP = "No stop yet: step into the first node (F11), then export it"
# The network PNG is rendered at twice its size on screen: sharp in slides and on a projector.
PNG_SCALE = 2.0
MARKDOWN = "Markdown (*.md)"
LATEX = "LaTeX (*.tex)"
PNG = "PNG image (*.png)"
SVG = "SVG image (*.svg)"


def _default_chooser(parent: QtWidgets.QWidget) -> ChoosePath:
    def choose(title: str, name: str, filters: str) -> str:
        path, selected = QtWidgets.QFileDialog.getSaveFileName(parent, title, name, filters)
        return with_suffix(path, selected)

    return choose


def with_suffix(path: str, selected_filter: str) -> str:
    """``path`` with the chosen filter's suffix added when the user typed none."""
    if not path or Path(path).suffix:
        return path
    start = selected_filter.find("(*.")
    return (
        path + selected_filter[start + 2 : selected_filter.find(")", start)] if start >= 0 else path
    )


class Exports:
    """The export actions of one window (``actions`` by name, for tests and menus)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.choose_path: ChoosePath = _default_chooser(window)
        self._directory = ""  # where the last export went: the next chooser starts there
        self.actions: dict[str, QtGui.QAction] = {}

        menu = window.export_menu
        for name, text, slot in (
            ("stop_markdown", "Current Stop as Markdown…", self.export_stop_markdown),
            ("stop_latex", "Current Stop as LaTeX…", self.export_stop_latex),
            ("trace_json", "Iteration Trace as JSON…", self.export_trace_json),
            ("trace_csv", "Iteration Trace as CSV…", self.export_trace_csv),
            ("network_png", "Network View as PNG…", self.export_network_png),
            ("network_svg", "Network View as SVG…", self.export_network_svg),
        ):
            self.actions[name] = menu.addAction(text, slot)
            if name in ("trace_csv", "network_svg"):
                menu.addSeparator()
        for name, title in window.plot_titles().items():
            self.actions[f"plot_{name}"] = menu.addAction(
                f"{title}…", lambda n=name: self.export_plot(n)
            )

        edit = window.menus["edit"]
        if edit.actions():  # a section of its own after the data actions
            edit.addSeparator()
        copy_card = window.add_action(
            "copy_card",
            "Copy Card as Image",
            "Ctrl+Shift+C",
            "The whole gradient card as a picture, for slides and notes",
        )
        copy_card.triggered.connect(self.copy_card)
        edit.addAction(copy_card)
        self.actions["copy_card"] = copy_card
        self.actions["copy_markdown"] = edit.addAction("Copy Stop as Markdown", self.copy_markdown)
        self.actions["copy_latex"] = edit.addAction("Copy Stop as LaTeX", self.copy_latex)

    # --- the stop -------------------------------------------------------------------------

    def _stop(self) -> Step | None:
        """The current stop, or None after saying there is none yet."""
        step = self.window.session.current
        if step is None:
            self._say(NO_STOP)
        return step

    def _sample(self) -> int | None:
        """The sample the card shows (None: the batch mean), so the text matches it."""
        return self.window.card.selected_sample()

    def export_stop_markdown(self) -> None:
        step = self._stop()
        if step is not None:
            self._save(
                "the stop as Markdown",
                f"{stop_file_stem(step)}.md",
                MARKDOWN,
                lambda _: stop_markdown(step, self._sample()),
            )

    def export_stop_latex(self) -> None:
        step = self._stop()
        if step is not None:
            self._save(
                "the stop as LaTeX",
                f"{stop_file_stem(step)}.tex",
                LATEX,
                lambda _: stop_latex(step, self._sample(), standalone=True),
            )

    def copy_markdown(self) -> None:
        step = self._stop()
        if step is not None:
            QtWidgets.QApplication.clipboard().setText(stop_markdown(step, self._sample()))
            self._say("Copied the stop as Markdown", 5_000)

    def copy_latex(self) -> None:
        step = self._stop()
        if step is not None:
            # Without the preamble: it pastes into a document or a slide that has one.
            QtWidgets.QApplication.clipboard().setText(stop_latex(step, self._sample()))
            self._say("Copied the stop as LaTeX (needs amsmath)", 5_000)

    def copy_card(self) -> None:
        """The card's whole content, including what its scroll area hides, as an image."""
        if self._stop() is None:
            return
        content = self.window.card.scroll_area().widget()
        image = content.grab().toImage()
        QtWidgets.QApplication.clipboard().setImage(image)
        self._say(f"Copied the card as an image ({image.width()}×{image.height()})", 5_000)

    # --- the iteration's trace ----------------------------------------------------------------

    def _iteration(self) -> tuple[int, list[Step]]:
        """The current iteration's stops, all of them, as `bpdebugger trace` lists them."""
        session = self.window.session
        return session.position[0], list(session.iteration_records())

    def export_trace_json(self) -> None:
        k, steps = self._iteration()
        net = self.window.session.history.net
        self._save(
            f"the trace of iteration {k} as JSON",
            f"trace-iteration-{k}.json",
            "JSON (*.json)",
            lambda _: json.dumps(trace_json(net, [steps]), indent=1) + "\n",
        )

    def export_trace_csv(self) -> None:
        k, steps = self._iteration()
        self._save(
            f"the trace of iteration {k} as CSV",
            f"trace-iteration-{k}.csv",
            "CSV (*.csv)",
            lambda _: trace_csv(steps),
        )

    # --- pictures -------------------------------------------------------------------------

    def export_network_png(self) -> None:
        self._save("the network view as PNG", "network.png", PNG, lambda _: self.network_png())

    def export_network_svg(self) -> None:
        self._save("the network view as SVG", "network.svg", SVG, lambda _: self.network_svg())

    def network_png(self) -> bytes:
        """The network diagram as PNG, at PNG_SCALE times its size on screen."""
        view = self.window.network_view
        source = view.sceneRect()
        scale = view.transform().m11() * PNG_SCALE
        size = QtCore.QSize(math.ceil(source.width() * scale), math.ceil(source.height() * scale))
        image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QtGui.QColor("white"))
        painter = QtGui.QPainter(image)
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing)
            view.scene().render(painter, QtCore.QRectF(image.rect()), source)
        finally:
            painter.end()
        return _png_bytes(image)

    def network_svg(self) -> bytes:
        """The network diagram as SVG, one scene unit to a pixel."""
        view = self.window.network_view
        source = view.sceneRect()
        target = QtCore.QRectF(0, 0, source.width(), source.height())
        buffer = QtCore.QBuffer()
        buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        generator = QtSvg.QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(target.size().toSize())
        generator.setViewBox(target)
        generator.setTitle("bpdebugger network")
        scene = view.scene()
        # Items cached as pixmaps (the view caches its edges, circles, boxes and names)
        # would be drawn into the SVG as pictures; uncached for the export, they are
        # written as vectors.
        cached = [(item, item.cacheMode()) for item in scene.items()]
        for item, _ in cached:
            item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.NoCache)
        painter = QtGui.QPainter(generator)
        try:
            scene.render(painter, target, source)
        finally:
            painter.end()
            for item, mode in cached:
                item.setCacheMode(mode)
        return bytes(buffer.data().data())

    def export_plot(self, name: str) -> None:
        """One plot as PNG or SVG, by the suffix chosen."""
        title = self.window.plot_titles()[name]
        self._save(title, f"{name}.png", f"{PNG};;{SVG}", lambda path: self._plot_bytes(name, path))

    def _plot_bytes(self, name: str, path: Path) -> bytes:
        # pyqtgraph's exporters write to a file name: a scratch file, then write_atomic.
        with tempfile.TemporaryDirectory(prefix="bpdebugger-export-") as scratch:
            scratch_file = Path(scratch) / f"plot{path.suffix}"
            self.window.plots[name].export(scratch_file)
            return scratch_file.read_bytes()

    # --- writing --------------------------------------------------------------------------

    def _save(
        self, what: str, name: str, filters: str, payload: Callable[[Path], bytes | str]
    ) -> None:
        """Ask for a path, then write ``payload(path)`` there atomically and say so (the
        path's suffix picks a plot's format)."""
        suggested = os.path.join(self._directory, name) if self._directory else name
        chosen = self.choose_path(f"Export {what}", suggested, filters)
        if not chosen:
            return
        path = Path(chosen)
        try:
            write_atomic(path, payload(path))
        except (OSError, ValueError) as e:  # InputError is a ValueError
            reason = e.problem if isinstance(e, InputError) else str(e)
            self._say(f"Could not export {what} to {path}: {reason}", 10_000)
            return
        self._directory = str(path.parent)
        self._say(f"Exported {what} to {path}", 5_000)

    def _say(self, message: str, timeout: int = 10_000) -> None:
        self.window.statusBar().showMessage(message, timeout)


def _png_bytes(image: QtGui.QImage) -> bytes:
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("the image could not be encoded as PNG")
    return bytes(buffer.data().data())

"""File > Export and Edit > Copy, driven through their menu actions with the file chooser
replaced: the files written are read back and checked."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import shown_window
from PySide6 import QtGui, QtWidgets

from bpdebugger.cli import main as cli_main
from bpdebugger.debugger import Session
from bpdebugger.engine.report import COLUMNS, TRACE_FORMAT
from bpdebugger.gui.main_window import MainWindow


class Chooser:
    """Stands in for the save dialog: answers ``folder / <suggested name>``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.asked: list[tuple[str, str, str]] = []

    def __call__(self, title: str, name: str, filters: str) -> str:
        self.asked.append((title, name, filters))
        return str(self.folder / os.path.basename(name))


@pytest.fixture
def chooser(window, tmp_path):
    c = Chooser(tmp_path)
    window.exports.choose_path = c
    return c


def step(window: MainWindow, n: int) -> None:
    for _ in range(n):
        window.actions_by_name["step_into"].trigger()


def trigger(window: MainWindow, name: str) -> None:
    window.exports.actions[name].trigger()


def message(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def colours(image: QtGui.QImage) -> set[int]:
    """The distinct colours on a 40×40 grid over the image."""
    w, h = image.width(), image.height()
    return {image.pixel(x * w // 40, y * h // 40) for x in range(40) for y in range(40)}


def test_export_menu_lists_stop_trace_network_then_the_plots(window):
    texts = [a.text() for a in window.export_menu.actions() if not a.isSeparator()]
    assert texts[:6] == [
        "Current Stop as Markdown…",
        "Current Stop as LaTeX…",
        "Iteration Trace as JSON…",
        "Iteration Trace as CSV…",
        "Network View as PNG…",
        "Network View as SVG…",
    ]
    assert texts[6:] == [f"{t}…" for t in window.plot_titles().values()]
    edit = [a.text() for a in window.menus["edit"].actions()]
    for text in ("Copy Card as Image", "Copy Stop as Markdown", "Copy Stop as LaTeX"):
        assert text in edit
    assert window.exports.actions["copy_card"].shortcut().toString() == "Ctrl+Shift+C"


@pytest.mark.parametrize(
    "name", ["stop_markdown", "stop_latex", "copy_card", "copy_markdown", "copy_latex"]
)
def test_before_the_first_stop_stop_exports_say_so_and_write_nothing(
    window, chooser, tmp_path, name
):
    QtWidgets.QApplication.clipboard().setText("untouched")
    trigger(window, name)
    assert message(window).startswith("No stop yet")
    assert chooser.asked == []
    assert list(tmp_path.iterdir()) == []
    assert QtWidgets.QApplication.clipboard().text() == "untouched"


def test_stop_as_markdown_writes_the_card_stop(window, chooser, tmp_path):
    step(window, 7)  # backward a[3]
    trigger(window, "stop_markdown")
    path = tmp_path / "iteration-1-stop-7-backward-a3.md"
    assert message(window) == f"Exported the stop as Markdown to {path}"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# backward · a[3] · sigmoid · iteration 1, stop 7\n")
    s = window.session.current
    up, local = float(s.upstream[0, 0]), float(s.local["z[3]"][0, 0])
    line = next(x for x in text.splitlines() if x.startswith("∂l/∂z[3] = ∂l/∂a[3] ⊙ σ′(z[3])"))
    result = float(line.rsplit(" = ", 1)[1].replace("\u2212", "-"))
    assert result == pytest.approx(up * local, rel=5e-4)
    assert os.listdir(tmp_path) == [path.name]  # the atomic write left no scratch file


def test_stop_as_latex_is_a_whole_document(window, chooser, tmp_path):
    step(window, 8)
    trigger(window, "stop_latex")
    text = (tmp_path / "iteration-1-stop-8-backward-z3.tex").read_text(encoding="ascii")
    assert text.startswith("\\documentclass{article}")
    assert text.rstrip().endswith("\\end{document}")
    assert text.count("\\begin{bmatrix}") >= 7  # 1 upstream, 3 local, 3 downstream


def test_stop_export_follows_the_sample_the_card_shows(qtbot, tmp_path):
    window = shown_window(qtbot, Session.from_demo("circles"))
    window.exports.choose_path = Chooser(tmp_path)
    step(window, 8)
    window.card.select_sample(None)
    trigger(window, "stop_markdown")
    text = (tmp_path / "iteration-1-stop-8-backward-z3.md").read_text(encoding="utf-8")
    assert "batch of 10, batch mean" in text
    window.card.select_sample(3)
    trigger(window, "stop_markdown")
    text = (tmp_path / "iteration-1-stop-8-backward-z3.md").read_text(encoding="utf-8")
    assert "sample 4: x = (" in text


def test_copy_stop_as_markdown_and_latex(window):
    step(window, 7)
    trigger(window, "copy_markdown")
    assert QtWidgets.QApplication.clipboard().text().startswith("# backward · a[3]")
    assert message(window) == "Copied the stop as Markdown"
    trigger(window, "copy_latex")
    text = QtWidgets.QApplication.clipboard().text()
    assert "\\section*{backward" in text and "\\documentclass" not in text


def test_trace_json_is_the_cli_trace_of_the_current_iteration(window, chooser, tmp_path, capsys):
    step(window, 3)
    trigger(window, "trace_json")
    path = tmp_path / "trace-iteration-1.json"
    assert message(window) == f"Exported the trace of iteration 1 as JSON to {path}"
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert exported["format"] == TRACE_FORMAT
    (iteration,) = exported["iterations"]
    assert iteration["iteration"] == 1
    assert [(s["phase"], s["node"]) for s in iteration["steps"]] == list(window.session.stops)
    # the very same as `bpdebugger trace --demo xor --format json` prints
    assert cli_main(["trace", "--demo", "xor", "--format", "json"]) == 0
    assert exported == json.loads(capsys.readouterr().out)


def test_trace_json_of_a_later_iteration(window, chooser, tmp_path):
    step(window, 14 + 2)  # iteration 2, stop 2
    trigger(window, "trace_json")
    exported = json.loads((tmp_path / "trace-iteration-2.json").read_text(encoding="utf-8"))
    (iteration,) = exported["iterations"]
    assert iteration["iteration"] == 2
    assert len(iteration["steps"]) == 14


def test_trace_csv_has_the_header_and_a_row_per_stop(window, chooser, tmp_path):
    step(window, 1)
    trigger(window, "trace_csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "trace-iteration-1.csv").read_text())))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 1 + 14
    assert [r[3] for r in rows[1:]] == [node for _, node in window.session.stops]


def test_network_png_is_the_scene_at_twice_its_screen_size(window, chooser, tmp_path):
    step(window, 7)
    trigger(window, "network_png")
    image = QtGui.QImage(str(tmp_path / "network.png"))
    assert not image.isNull()
    view = window.network_view
    scale = view.transform().m11() * 2
    assert image.width() == math.ceil(view.sceneRect().width() * scale)
    assert image.height() == math.ceil(view.sceneRect().height() * scale)
    assert len(colours(image)) > 1


def test_network_svg_is_vector_svg(window, chooser, tmp_path):
    step(window, 7)
    trigger(window, "network_svg")
    root = ET.parse(tmp_path / "network.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    tags = {e.tag.rsplit("}", 1)[1] for e in root.iter()}
    assert "image" not in tags  # the edges are lines, not a cached picture of them
    assert tags & {"path", "polyline"}
    assert "text" in tags


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_exports_still_write_png_and_svg(window, tmp_path, suffix):
    step(window, 14)
    window.exports.choose_path = lambda title, name, filters: str(tmp_path / f"loss{suffix}")
    trigger(window, "plot_loss")
    path = tmp_path / f"loss{suffix}"
    assert message(window) == f"Exported Loss to {path}"
    if suffix == ".png":
        image = QtGui.QImage(str(path))
        assert image.width() > 50 and len(colours(image)) > 1
    else:
        assert ET.parse(path).getroot().tag.endswith("svg")
    assert os.listdir(tmp_path) == [path.name]


def test_an_unwritable_path_is_reported_with_path_and_reason(window, tmp_path):
    step(window, 2)
    target = tmp_path / "missing" / "stop.md"
    window.exports.choose_path = lambda title, name, filters: str(target)
    trigger(window, "stop_markdown")
    assert message(window) == (
        f"Could not export the stop as Markdown to {target}: "
        f"cannot write: no such directory: {target.parent}"
    )
    assert list(tmp_path.iterdir()) == []
    trigger(window, "network_png")  # images go the same way
    assert str(target) in message(window) and "no such directory" in message(window)


def test_a_cancelled_chooser_writes_nothing(window, tmp_path):
    step(window, 2)
    window.exports.choose_path = lambda title, name, filters: ""
    window.statusBar().clearMessage()
    trigger(window, "stop_markdown")
    assert message(window) == ""


def test_copy_card_puts_the_whole_card_on_the_clipboard(qtbot):
    window = shown_window(qtbot, Session.from_demo("spiral"))
    step(window, 10)  # backward z[4]: the linear page is taller than the card
    card = window.card
    content = card.scroll_area().widget()
    assert content.height() > card.scroll_area().viewport().height()  # it scrolls
    window.exports.actions["copy_card"].trigger()
    image = QtWidgets.QApplication.clipboard().image()
    assert not image.isNull()
    assert image.width() >= content.width() and image.height() >= content.height()
    assert len(colours(image)) > 1
    assert message(window).startswith("Copied the card as an image")

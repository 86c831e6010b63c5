"""The narration panel in the real window: what it says before the first stop, at a stop with
and without a demo note, after another session replaces this one, during a run, and zoomed."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from bpdebugger.debugger import Session
from bpdebugger.debugger.narration import explain
from bpdebugger.engine.demos import demo_title, load_demo
from bpdebugger.gui.main_window import MainWindow
from bpdebugger.gui.views.narration_panel import NOTE_LABEL, RUNNING_TEXT


def step(window: MainWindow, times: int = 1) -> None:
    for _ in range(times):
        window.actions_by_name["step_into"].trigger()


def test_before_the_first_stop_it_gives_the_demo_title_and_how_to_step(window):
    text = window.narration.text()
    assert text.startswith(demo_title("xor"))
    assert "F11" in text
    assert window.narration.narration() is None


def test_at_a_stop_it_shows_heading_demo_note_and_explanation(window):
    step(window, 7)
    rec = window.session.current
    assert (rec.phase, rec.node) == ("backward", "a[3]")
    lines = window.narration.text().splitlines()
    assert lines[0].endswith("backward · a[3] · sigmoid")
    note = load_demo("xor").notes["backward a[3]"]
    assert lines[1] == f"{NOTE_LABEL}: {note}"
    assert lines[2] == explain(rec, window.session.spec)
    assert "ŷ − y" in lines[2]


def test_a_stop_without_a_note_has_only_the_explanation(window):
    step(window, 12)
    rec = window.session.current
    assert (rec.phase, rec.node) == ("update", "b[3]")
    assert "b[3]" not in {k.split()[-1] for k in load_demo("xor").notes if k.startswith("update")}
    lines = window.narration.text().splitlines()
    assert lines[0].endswith("update · b[3] · sgd")
    assert NOTE_LABEL not in window.narration.text()
    assert lines[1] == explain(rec, window.session.spec)
    assert "η = 0.5" in lines[1]


def test_step_back_and_restart_follow(window):
    step(window, 3)
    window.actions_by_name["step_back"].trigger()
    assert window.narration.text().splitlines()[0].endswith("forward · a[2] · tanh")
    window.actions_by_name["restart"].trigger()
    assert window.session.position == (1, 0)
    assert window.narration.text().startswith(demo_title("xor"))


def test_one_set_html_per_stop(window, monkeypatch):
    browser = window.narration.browser
    calls = []
    original = browser.setHtml
    monkeypatch.setattr(browser, "setHtml", lambda html: (calls.append(html), original(html)))
    size = browser.sizeHint()
    step(window, 5)
    assert len(calls) == 5
    # A new text never changes what the panel asks of the dock's layout.
    assert browser.sizeHint() == size


def test_a_hidden_panel_costs_nothing_and_catches_up_when_shown(window, monkeypatch, qtbot):
    browser = window.narration.browser
    calls = []
    original = browser.setHtml
    monkeypatch.setattr(browser, "setHtml", lambda html: (calls.append(html), original(html)))
    window.narration_dock.hide()
    step(window, 4)
    assert calls == []
    window.narration_dock.show()
    qtbot.waitUntil(lambda: len(calls) == 1)
    assert window.narration.text().splitlines()[0].endswith("forward · a[3] · sigmoid")
    # Read while hidden (an export, a test), the text is brought up to date first.
    window.narration_dock.hide()
    step(window)
    assert window.narration.text().splitlines()[0].endswith("forward · l · bce")


def test_a_replaced_session_shows_its_own_title_and_notes(window):
    window.qt.replace(Session.from_demo("worked_example"))
    assert window.narration.text().startswith(demo_title("worked_example"))
    step(window)
    text = window.narration.text()
    assert "forward · z[2] · linear" in text
    assert "(−0.5, 1)" in text and "Here z[2] = (−0.5, 1)." in text


def test_during_a_run_it_says_so_and_catches_up_when_it_stops(window, qtbot):
    window.qt.speed = 1
    window.qt.run()
    assert window.narration.text() == RUNNING_TEXT
    qtbot.waitUntil(lambda: window.session.position[0] >= 3, timeout=5000)
    assert window.narration.text() == RUNNING_TEXT
    window.qt.pause()
    rec = window.session.current
    assert window.narration.narration().heading == f"{rec.phase} · {rec.node} · {rec.op}"
    assert window.narration.text().splitlines()[0].endswith(f"{rec.phase} · {rec.node} · {rec.op}")


def test_text_is_selectable_and_wraps(window):
    browser = window.narration.browser
    assert browser.textInteractionFlags() & QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
    assert browser.isReadOnly()
    # at the panel's width less the bar's, so the bar's coming and going lays out nothing
    bar = browser.verticalScrollBar()
    widths, shown = set(), set()
    for _ in range(14):
        step(window)
        QtWidgets.QApplication.sendPostedEvents()
        shown.add(bar.isVisible())
        widths.add(browser.document().textWidth())
    assert shown == {True, False}
    assert widths == {browser.contentsRect().width() - bar.sizeHint().width()}


def test_zoom_scales_the_text(window):
    step(window, 2)
    panel = window.narration
    base = panel.browser.font().pointSizeF()
    height = panel.browser.document().size().height()
    panel.set_zoom(2.0)
    assert panel.zoom() == 2.0
    assert panel.browser.font().pointSizeF() == pytest.approx(2 * base)
    assert panel.browser.document().defaultFont().pointSizeF() == pytest.approx(2 * base)
    assert panel.browser.document().size().height() > 1.5 * height
    panel.set_zoom(1.0)
    assert panel.browser.font().pointSizeF() == pytest.approx(base)

"""Sessions as documents, driven as a user drives them: New, Open, Save, Open Recent, the
Demos menu, the title and its unsaved mark, the question before changes are lost, autosave
and recovery after a crash. Dialogs are scripted: no test opens a modal dialog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers import shown_window
from PySide6 import QtCore, QtWidgets

from bpdebugger.debugger import Session
from bpdebugger.engine.demos import demo_names, demo_path, demo_title, load_demo
from bpdebugger.gui.main_window import MainWindow


class ScriptedDialogs:
    """Answers as a user would, at once, and keeps what the user would have read."""

    def __init__(self) -> None:
        self.unsaved = "discard"  # the answer to "Save your changes?"
        self.recover = True
        self.open_path: Path | None = None
        self.save_path: Path | None = None
        self.suggested: Path | None = None
        self.questions: list[str] = []
        self.recover_questions: list[str] = []
        self.errors: list[str] = []

    def ask_unsaved(self, question: str, answer: Callable[[str], None]) -> None:
        self.questions.append(question)
        answer(self.unsaved)

    def choose_open(self, directory: Path) -> Path | None:
        return self.open_path

    def choose_save(self, suggested: Path) -> Path | None:
        self.suggested = suggested
        return self.save_path

    def ask_recover(self, question: str) -> bool:
        self.recover_questions.append(question)
        return self.recover

    def show_error(self, title: str, message: str) -> None:
        self.errors.append(message)


@pytest.fixture
def autosave_dir(tmp_path):
    return tmp_path / "autosave"


@pytest.fixture
def make_window(qtbot, autosave_dir):
    QtCore.QSettings().remove("documents")  # no recent files from an earlier test

    def make(session: Session | None = None) -> MainWindow:
        w = shown_window(qtbot, session)
        w.documents.dialogs = ScriptedDialogs()
        w.documents.autosave.directory = autosave_dir
        return w

    return make


@pytest.fixture
def window(make_window):
    return make_window()


def step(window: MainWindow, times: int = 1) -> None:
    for _ in range(times):
        window.actions_by_name["step_into"].trigger()


def title(window: MainWindow) -> str:
    """The title as shown: Qt puts the unsaved mark where [*] is."""
    return window.windowTitle().replace("[*]", "*" if window.isWindowModified() else "")


def assert_same_params(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys()
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)


def dead_pid() -> int:
    """The id of a process that has ended (the next start must see it as gone)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def leave_behind(window: MainWindow, pid: int) -> Path:
    """A crash: the window's autosave files stay behind under a process that is gone."""
    store = window.documents.autosave
    stem = f"{pid}-0dead0"
    session_file = store.directory / f"{stem}.session.json"
    store.session_path.rename(session_file)
    store.info_path.rename(store.directory / f"{stem}.info.json")
    return session_file


# --- the File menu ------------------------------------------------------------------------


def test_the_file_menu_starts_with_the_document_actions(window):
    actions = window.menus["file"].actions()[:5]
    assert [a.text() for a in actions] == ["&New", "&Open…", "Open &Recent", "&Save", "Save &As…"]
    shortcuts = [a.shortcut().toString() for a in actions]
    assert shortcuts == ["Ctrl+N", "Ctrl+O", "", "Ctrl+S", "Ctrl+Shift+S"]
    assert actions[2].menu() is window.documents.recent_menu


def test_save_then_open_restores_weights_position_and_view(window, tmp_path):
    docs = window.documents
    window.session.continue_(max_iterations=30)  # some training
    step(window, 5)
    assert window.qt.edit("W[2]", (0, 1), 0.8125)
    window.plot_docks["norms"].hide()
    window.set_zoom(1.5)
    saved_params = window.session.params()
    saved_position = window.session.position
    saved_view = window.view_state()
    assert saved_position == (31, 5)

    docs.dialogs.save_path = tmp_path / "lecture.json"
    window.actions_by_name["save"].trigger()  # untitled: Save asks where
    assert docs.dialogs.suggested.name == "xor.json"
    assert json.loads((tmp_path / "lecture.json").read_text())["view"]["zoom"] == 1.5

    window.actions_by_name["new"].trigger()
    window.set_zoom(1.0)
    window.plot_docks["norms"].show()
    assert window.session.position == (1, 0)

    docs.dialogs.open_path = tmp_path / "lecture.json"
    window.actions_by_name["open"].trigger()
    assert window.session.position == saved_position
    assert_same_params(window.session.params(), saved_params)
    assert window.view_state() == saved_view
    assert window.plot_docks["norms"].isHidden()
    assert docs.dialogs.errors == []


@pytest.mark.parametrize(
    "change",
    [
        lambda w: step(w),
        lambda w: w.qt.edit("lr", None, 0.25),
        lambda w: w.qt.toggle_breakpoint("z[3]"),
        lambda w: w.qt.add_watch("loss"),
        lambda w: w.qt.replace(Session.from_demo("xor")),  # as the settings' Apply does
    ],
    ids=["step", "edit", "breakpoint", "watch", "rebuilt"],
)
def test_a_change_marks_the_title_and_saving_clears_it(window, tmp_path, change):
    assert title(window) == "Untitled (demo xor) — bpdebugger"
    change(window)
    assert title(window) == "Untitled (demo xor)* — bpdebugger"
    window.documents.dialogs.save_path = tmp_path / "mine.json"
    assert window.documents.save_as()
    assert title(window) == "mine.json — bpdebugger"
    step(window)
    assert title(window) == "mine.json* — bpdebugger"
    window.actions_by_name["save"].trigger()  # it has a file now: no chooser
    assert title(window) == "mine.json — bpdebugger"
    assert window.windowFilePath() == str(tmp_path / "mine.json")


def test_opening_clears_the_mark(window, tmp_path):
    Session.from_demo("circles").save(tmp_path / "circles.json")
    step(window, 3)
    window.documents.open_path(tmp_path / "circles.json")
    assert title(window) == "circles.json — bpdebugger"
    assert window.session.spec.data["dataset"] == "circles"


def test_a_window_opened_on_a_file_is_titled_by_it_and_start_shows_its_view(make_window, tmp_path):
    Session.from_demo("xor").save(tmp_path / "shown.json", view={"panels": ["gradients"]})
    window = make_window(Session.load(tmp_path / "shown.json"))
    assert title(window) == "shown.json — bpdebugger"
    window.documents.start()
    assert [name for name, dock in window.docks().items() if not dock.isHidden()] == ["gradients"]
    assert window.documents.dialogs.recover_questions == []  # nothing was left behind
    assert window.documents.timer.isActive() and window.documents.timer.interval() == 15_000


# --- unsaved changes ----------------------------------------------------------------------


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(window):
    step(window, 2)
    window.documents.dialogs.unsaved = "cancel"
    assert not window.close()
    assert window.isVisible()
    assert window.documents.dialogs.questions == [
        "Untitled (demo xor) has unsaved changes. Save them before closing?"
    ]
    window.documents.dialogs.unsaved = "discard"
    assert window.close()
    assert not window.isVisible()


def test_closing_with_save_saves_first_and_a_cancelled_chooser_keeps_the_window(window, tmp_path):
    step(window, 2)
    dialogs = window.documents.dialogs
    dialogs.unsaved = "save"
    assert not window.close()  # Save As was cancelled: nothing saved, nothing closed
    assert window.isVisible()
    dialogs.save_path = tmp_path / "kept.json"
    assert window.close()
    assert Session.load(tmp_path / "kept.json").position == (1, 2)


def test_closing_without_changes_does_not_ask(window):
    assert window.close()
    assert window.documents.dialogs.questions == []


def test_an_answer_given_later_closes_the_window_then(window):
    """The real question does not block: the window closes when the answer comes."""
    pending: list[Callable[[str], None]] = []
    window.documents.dialogs.ask_unsaved = lambda question, answer: pending.append(answer)
    step(window)
    assert not window.close()
    assert window.isVisible() and len(pending) == 1
    assert not window.close()  # asked already: no second question
    assert len(pending) == 1
    pending[0]("discard")
    assert not window.isVisible()


def test_the_real_question_is_a_box_that_does_not_block(qtbot, autosave_dir):
    window = MainWindow(Session.from_demo("xor"), remember_layout=False)
    qtbot.addWidget(window)
    window.documents.autosave.directory = autosave_dir
    window.show()
    step(window)
    assert not window.close()  # returns at once, the box on screen
    box = window.findChild(QtWidgets.QMessageBox)
    assert box is not None and box.isVisible()
    assert box.text() == "Untitled (demo xor) has unsaved changes. Save them before closing?"
    box.button(QtWidgets.QMessageBox.StandardButton.Discard).click()
    assert not window.isVisible()


@pytest.mark.parametrize("action", ["new", "open", "demo circles"])
def test_new_open_and_demos_ask_first_and_cancel_keeps_the_session(window, tmp_path, action):
    Session.from_demo("spiral").save(tmp_path / "spiral.json")
    dialogs = window.documents.dialogs
    dialogs.open_path = tmp_path / "spiral.json"
    step(window, 4)
    before = window.session
    dialogs.unsaved = "cancel"
    trigger = (
        window.documents.demo_actions["circles"].trigger
        if action == "demo circles"
        else window.actions_by_name[action].trigger
    )
    trigger()
    assert window.session is before and window.session.position == (1, 4)
    assert len(dialogs.questions) == 1
    assert dialogs.questions[0].startswith("Untitled (demo xor) has unsaved changes.")
    dialogs.unsaved = "discard"
    trigger()
    assert window.session is not before
    assert not window.isWindowModified()


# --- Open Recent --------------------------------------------------------------------------


def recent_texts(window: MainWindow) -> list[str]:
    return [a.text() for a in window.documents.recent_menu.actions() if not a.isSeparator()]


def test_open_recent_lists_files_most_recent_first_and_drops_a_missing_one(window, tmp_path):
    docs = window.documents
    assert recent_texts(window) == ["No recent files", "&Clear the List"]
    for name in ("a", "b", "c"):
        docs.dialogs.save_path = tmp_path / f"{name}.json"
        assert docs.save_as()
    docs.open_path(tmp_path / "a.json")  # opening moves it to the top
    folder = f"({tmp_path.as_posix()})"
    assert recent_texts(window) == [
        f"&1 a.json   {folder}",
        f"&2 c.json   {folder}",
        f"&3 b.json   {folder}",
        "&Clear the List",
    ]
    (tmp_path / "c.json").unlink()
    before = window.session
    docs.recent_menu.actions()[1].trigger()
    missing = tmp_path / "c.json"
    assert docs.dialogs.errors == [f"{missing}: no such file (removed from Open Recent)"]
    assert window.session is before
    assert [p.name for p in docs.recent.paths()] == ["a.json", "b.json"]
    assert recent_texts(window)[:2] == [f"&1 a.json   {folder}", f"&2 b.json   {folder}"]

    docs.recent_menu.actions()[1].trigger()  # b.json opens
    assert title(window) == "b.json — bpdebugger"
    assert [p.name for p in docs.recent.paths()] == ["b.json", "a.json"]
    docs.recent_menu.actions()[-1].trigger()  # Clear the List
    assert recent_texts(window) == ["No recent files", "&Clear the List"]


def test_open_recent_keeps_ten(window, tmp_path):
    docs = window.documents
    for n in range(12):
        docs.dialogs.save_path = tmp_path / f"s{n}.json"
        assert docs.save_as()
    assert [p.name for p in docs.recent.paths()] == [f"s{n}.json" for n in range(11, 1, -1)]


# --- files that cannot be opened -----------------------------------------------------------


def _truncated(path: Path) -> None:
    Session.from_demo("xor").save(path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


BAD_FILES: dict[str, tuple[Callable[[Path], object], str]] = {
    "truncated JSON": (_truncated, "the file ends early (truncated?): "),
    "not JSON": (lambda p: p.write_bytes(bytes(range(256))), "not a text file (not UTF-8)"),
    "a JSON array": (
        lambda p: p.write_text("[1, 2, 3]"),
        "expected a JSON object at the top level, got a list of 3 values",
    ),
    "wrong format": (
        lambda p: p.write_text('{"format": "bpdebugger-session/9"}'),
        'format: expected "bpdebugger-session/1", got "bpdebugger-session/9"',
    ),
    "a bad field": (
        lambda p: p.write_text(
            json.dumps(
                {
                    "format": "bpdebugger-session/1",
                    "network": {"sizes": [2], "activations": [], "loss": "bce"},
                }
            )
        ),
        "network.sizes: expected at least 2 layers, got [2]",
    ),
    "nested too deeply": (
        lambda p: p.write_text("[" * 100_000 + "]" * 100_000),
        "not valid JSON: nested too deeply",
    ),
    "a missing file": (lambda p: None, "no such file"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_file_that_cannot_be_opened_gives_one_message_and_keeps_the_session(
    window, tmp_path, kind
):
    write, problem = BAD_FILES[kind]
    path = tmp_path / "bad.json"
    write(path)
    step(window, 3)
    before, params = window.session, window.session.params()
    window.documents.dialogs.open_path = path
    window.actions_by_name["open"].trigger()
    errors = window.documents.dialogs.errors
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}: ")
    assert problem in errors[0]
    assert window.session is before
    assert window.session.position == (1, 3)
    assert_same_params(window.session.params(), params)
    assert title(window) == "Untitled (demo xor)* — bpdebugger"
    assert window.documents.dialogs.questions == []  # nothing to ask: nothing replaced it


def test_a_save_that_fails_says_why_and_keeps_the_changes(window, tmp_path):
    step(window)
    window.documents.dialogs.save_path = tmp_path / "no such folder" / "s.json"
    assert not window.documents.save_as()
    assert window.documents.dialogs.errors == [
        f"s.json: cannot write: no such directory: {tmp_path / 'no such folder'}"
    ]
    assert window.isWindowModified()


# --- autosave and recovery ----------------------------------------------------------------


def test_autosave_writes_the_session_once_it_changed(window):
    docs = window.documents
    docs.autosave_now()
    assert not docs.autosave.session_path.exists()  # nothing unsaved, nothing to keep
    step(window, 6)
    docs.timer.timeout.emit()  # as every 15 s
    saved = Session.load(docs.autosave.session_path)
    assert saved.position == (1, 6)
    assert_same_params(saved.params(), window.session.params())
    info = json.loads(docs.autosave.info_path.read_text())
    assert info == {"file": None, "demo": "xor"}


def test_an_explicit_save_and_a_clean_close_remove_the_autosave(window, tmp_path):
    docs = window.documents
    step(window)
    docs.autosave_now()
    assert docs.autosave.session_path.exists()
    docs.dialogs.save_path = tmp_path / "s.json"
    assert docs.save_as()
    assert not docs.autosave.session_path.exists()
    step(window)
    docs.autosave_now()
    assert docs.autosave.session_path.exists()
    assert window.close()  # Discard
    assert list(docs.autosave.directory.iterdir()) == []


def test_autosave_during_a_run_saves_a_whole_iteration(window, qtbot):
    docs = window.documents
    window.qt.speed = None
    window.qt.run()
    qtbot.waitUntil(lambda: window.session.position[0] > 40, timeout=10_000)
    assert window.qt.running
    docs.autosave_now()  # between two slices, as the timer would
    window.qt.pause()
    saved = Session.load(docs.autosave.session_path)
    k, i = saved.position
    assert i == len(window.session.stops)  # a run's slices end at an iteration's end
    window.qt.goto(k, i)
    assert_same_params(saved.params(), window.session.params())


@pytest.mark.parametrize(
    "pid",
    [dead_pid, os.getpid],  # a sandbox may give a new process the pid of the crashed one
    ids=["a dead pid", "this process's pid"],
)
def test_after_a_crash_the_next_start_recovers_weights_and_position(make_window, pid):
    crashed = make_window()
    crashed.session.continue_(max_iterations=20)
    step(crashed, 3)
    assert crashed.qt.edit("W[3]", (0, 1), -1.375)
    step(crashed, 2)
    params, position = crashed.session.params(), crashed.session.position
    crashed.documents.autosave_now()
    leftover = leave_behind(crashed, pid())

    window = make_window()
    window.documents.offer_recovery()
    dialogs = window.documents.dialogs
    assert len(dialogs.recover_questions) == 1
    question = dialogs.recover_questions[0]
    assert question.startswith("bpdebugger did not close cleanly. The session Untitled (demo xor)")
    assert f"at iteration {position[0]}, stop {position[1]}." in question
    assert window.session.position == position
    assert_same_params(window.session.params(), params)
    assert title(window) == "Untitled (demo xor, recovered)* — bpdebugger"
    assert not leftover.exists()
    assert window.documents.autosave.session_path.exists()  # still safe until saved


def test_a_recovered_file_saves_back_to_its_file(make_window, tmp_path):
    Session.from_demo("xor").save(tmp_path / "lesson.json")
    crashed = make_window(Session.load(tmp_path / "lesson.json"))
    step(crashed, 9)
    crashed.documents.autosave_now()
    leave_behind(crashed, dead_pid())

    window = make_window()
    window.documents.offer_recovery()
    assert title(window) == "lesson.json (recovered)* — bpdebugger"
    window.actions_by_name["save"].trigger()  # no chooser: the file it came from
    assert window.documents.dialogs.suggested is None
    assert title(window) == "lesson.json — bpdebugger"
    assert Session.load(tmp_path / "lesson.json").position == (1, 9)
    assert list(window.documents.autosave.directory.iterdir()) == []


def test_discarding_a_recovery_removes_it_and_keeps_the_session(make_window):
    crashed = make_window()
    step(crashed)
    crashed.documents.autosave_now()
    leftover = leave_behind(crashed, dead_pid())
    window = make_window()
    before = window.session
    window.documents.dialogs.recover = False
    window.documents.offer_recovery()
    assert window.session is before and not window.isWindowModified()
    assert not leftover.exists()
    assert list(window.documents.autosave.directory.iterdir()) == []


def test_the_autosave_of_a_running_window_is_not_offered(make_window):
    other = make_window()
    step(other)
    other.documents.autosave_now()
    window = make_window()
    window.documents.offer_recovery()
    assert window.documents.dialogs.recover_questions == []
    assert other.documents.autosave.session_path.exists()


def test_a_corrupt_autosave_is_reported_in_one_line_and_discarded(make_window, autosave_dir):
    autosave_dir.mkdir(parents=True)
    leftover = autosave_dir / f"{dead_pid()}-badf00d.session.json"
    leftover.write_text('{"format": "bpdebugger-session/1", "network": ')
    window = make_window()
    before = window.session
    window.documents.offer_recovery()
    errors = window.documents.dialogs.errors
    assert len(errors) == 1 and "\n" not in errors[0]
    assert errors[0].startswith(
        "An autosave from a session that did not close cleanly cannot be read and was discarded: "
    )
    assert "the file ends early (truncated?)" in errors[0]
    assert window.documents.dialogs.recover_questions == []
    assert window.session is before
    assert list(autosave_dir.iterdir()) == []


# --- the Demos menu -------------------------------------------------------------------------


def test_the_demos_menu_opens_each_demo_as_an_untitled_session(window):
    actions = window.menus["demos"].actions()
    assert [a.text() for a in actions] == [name.replace("_", " ") for name in demo_names()]
    assert [a.toolTip() for a in actions] == [demo_title(name) for name in demo_names()]
    for name in demo_names():
        window.documents.demo_actions[name].trigger()
        spec = load_demo(name)
        assert window.session.spec.sizes == spec.sizes
        assert window.session.spec.activations == spec.activations
        assert window.session.spec.notes == spec.notes
        assert title(window) == f"Untitled (demo {name}) — bpdebugger"
    window.actions_by_name["new"].trigger()
    assert title(window) == "Untitled (demo xor) — bpdebugger"


def test_a_demo_file_opened_as_a_file_stays_untitled(window, tmp_path):
    window.documents.open_path(demo_path("spiral"))
    assert title(window) == "Untitled (demo spiral) — bpdebugger"
    step(window)
    window.documents.dialogs.save_path = tmp_path / "spiral.json"
    window.actions_by_name["save"].trigger()  # Save As: never into the shipped demos
    assert window.documents.dialogs.suggested.name == "spiral.json"
    assert Session.load(tmp_path / "spiral.json").position == (1, 1)

"""Data by hand in the window: clicks on the boundary plot, regenerate, CSV import and export."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import XOR_X, XOR_Y, notes_session, shown_window
from PySide6 import QtCore

from bpdebugger.debugger import Session
from bpdebugger.engine.data import read_csv
from bpdebugger.engine.session import parse_session
from bpdebugger.gui.main_window import MainWindow

Left, Right = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.MouseButton.RightButton
Mod = QtCore.Qt.KeyboardModifier


def make_session(**changes) -> Session:
    obj = notes_session(**changes)
    if obj["params"] is None:
        del obj["params"]
    return Session(parse_session(obj))


class FakeDialogs:
    """Answers the data actions' dialogs at once and keeps the messages shown."""

    def __init__(self) -> None:
        self.path = None
        self.errors: list[tuple[str, str]] = []

    def choose_import(self, directory):
        return self.path

    def choose_export(self, suggested):
        return self.path

    def show_error(self, title, message):
        self.errors.append((title, message))


def open_window(qtbot, session: Session) -> MainWindow:
    w = shown_window(qtbot, session)
    qtbot.waitExposed(w)
    w.data_editing.dialogs = FakeDialogs()
    return w


@pytest.fixture
def window(qtbot):
    return open_window(qtbot, make_session())


def boundary(window):
    return window.plots["boundary"]


def pixel(window, x: float, y: float) -> QtCore.QPoint:
    plot = boundary(window)
    scene = plot.view_box.mapViewToScene(QtCore.QPointF(x, y))
    return plot.graphics.mapFromScene(scene)


def click(qtbot, window, x, y, button=Left, modifier=Mod.NoModifier):
    viewport = boundary(window).graphics.viewport()
    qtbot.mouseClick(viewport, button, modifier, pixel(window, x, y))


def one_pixel(window) -> float:
    """The larger side of a pixel, in data units."""
    return max(boundary(window).view_box.viewPixelSize())


def status(window) -> str:
    return window.statusBar().currentMessage()


def start_params(session: Session, tmp_path) -> dict:
    """The parameters Session.save writes (those at the start of the current iteration)."""
    path = tmp_path / "saved.json"
    session.save(path)
    return json.loads(path.read_text())["params"]


def assert_params(session: Session, params: dict) -> None:
    assert session.position == (1, 0)
    for name, value in params.items():
        assert np.array_equal(session.params()[name], np.array(value)), name


def test_a_click_adds_a_class_1_point_where_it_was_clicked(qtbot, window, tmp_path):
    window.session.continue_(max_iterations=6)  # a half trained network
    for _ in range(3):
        window.actions_by_name["step_into"].trigger()
    old = window.session
    assert old.position == (7, 3)
    params = start_params(old, tmp_path)
    click(qtbot, window, 0.3, 0.6)
    new = window.session
    assert new is not old
    x = new.spec.dataset.x
    assert len(x) == 5 and np.array_equal(x[:4], XOR_X)
    assert np.abs(x[4] - [0.3, 0.6]).max() <= one_pixel(window)
    assert new.spec.dataset.y.tolist() == [*XOR_Y, 1]
    assert_params(new, params)
    assert status(window).startswith("Added a point of class 1 at (0.3")
    assert len(boundary(window).train_points.data) == 5


def test_shift_click_adds_class_0(qtbot, window):
    click(qtbot, window, 0.8, 0.2, modifier=Mod.ShiftModifier)
    data = window.session.spec.dataset
    assert data.y.tolist() == [*XOR_Y, 0]
    assert np.abs(data.x[4] - [0.8, 0.2]).max() <= one_pixel(window)


def test_ctrl_click_deletes_the_nearest_training_point(qtbot, window, tmp_path):
    params = start_params(window.session, tmp_path)
    click(qtbot, window, 0.9, 0.15, modifier=Mod.ControlModifier)  # nearest: (1, 0)
    data = window.session.spec.dataset
    assert data.x.tolist() == [[0.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    assert data.y.tolist() == [1, 0, 0]
    assert_params(window.session, params)
    assert status(window).startswith("Deleted the point at (1, 0)")


def test_right_click_on_a_point_deletes_it_and_elsewhere_opens_the_menu(qtbot, window):
    old = window.session
    menu = boundary(window).view_box.menu
    click(qtbot, window, 0.5, 0.5, button=Right)  # far from every point
    assert window.session is old
    assert menu.isVisible()
    menu.hide()
    click(qtbot, window, 1.0, 1.0, button=Right)
    assert window.session.spec.dataset.x.tolist() == XOR_X[:3]
    assert not menu.isVisible()


def test_breakpoints_and_watches_carry_over_to_the_new_data(qtbot, window):
    window.qt.add_breakpoint(node="z[3]", phase="backward")
    window.qt.add_watch("loss")
    click(qtbot, window, 0.5, 0.5)
    new = window.session
    assert [(bp.node, bp.phase) for bp in new.breakpoints] == [(None, None), ("z[3]", "backward")]
    assert [w.text for w in new.watches] == ["loss"]
    window.qt.continue_()
    qtbot.waitUntil(lambda: not window.qt.running)
    assert new.current.node == "z[3]" and new.current.phase == "backward"


def test_a_cross_entropy_click_adds_the_chosen_class(qtbot):
    net = {"sizes": [2, 4, 3], "activations": ["tanh", "softmax"], "loss": "cross_entropy"}
    w = open_window(
        qtbot, make_session(network=net, params=None, data={"x": XOR_X, "y": [0, 1, 2, 1]})
    )
    chooser = boundary(w).add_class
    assert chooser.isVisible() and chooser.count() == 3 and chooser.currentIndex() == 1
    chooser.setCurrentIndex(2)
    click(qtbot, w, 0.5, 0.5)
    assert w.session.spec.dataset.y.tolist() == [0, 1, 2, 1, 2]
    click(qtbot, w, 0.2, 0.5, modifier=Mod.ShiftModifier)
    assert w.session.spec.dataset.y.tolist() == [0, 1, 2, 1, 2, 0]


def test_more_than_two_inputs_refuse_adding_in_the_status_bar(qtbot):
    net = {"sizes": [3, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"}
    x = [[0, 0, 0], [1, 0, 1], [0, 1, 1], [1, 1, 0]]
    w = open_window(qtbot, make_session(network=net, params=None, data={"x": x, "y": XOR_Y}))
    old = w.session
    click(qtbot, w, 0.5, 0.5)
    assert w.session is old
    assert "two inputs; this network has 3" in status(w)
    click(qtbot, w, 0.9, 0.1, modifier=Mod.ControlModifier)  # deleting still works
    assert w.session.spec.dataset.x.tolist() == [[0, 0, 0], [0, 1, 1], [1, 1, 0]]


def test_no_data_change_while_running(qtbot, window):
    old = window.session
    window.qt.speed = 1
    window.qt.run()
    assert window.qt.running
    window.data_editing.add_point((0.5, 0.5), 1)
    assert window.session is old
    assert status(window) == "Pause (F6) before changing the data"
    window.qt.pause()


def test_the_plot_tooltip_says_what_each_click_does(window):
    tip = boundary(window).graphics.toolTip()
    for words in ("Click: add a point of class 1", "Shift+click", "Ctrl+click", "Export"):
        assert words in tip


# --- regenerate ------------------------------------------------------------------------------


def test_regenerate_draws_new_data_and_keeps_the_weights(qtbot, tmp_path):
    data = {"dataset": "moons", "n": 60, "noise": 0.1, "seed": 0, "test_fraction": 0.25}
    w = open_window(qtbot, make_session(data=data, training={"batch_size": 5}))
    w.session.continue_(max_iterations=7)
    old = w.session
    params = start_params(old, tmp_path)
    action = w.actions_by_name["regenerate_data"]
    assert action in w.menus["edit"].actions()
    action.trigger()
    new = w.session
    assert new.spec.data["seed"] == 1
    assert not np.array_equal(new.spec.dataset.x, old.spec.dataset.x)
    assert (len(new.spec.dataset), len(new.spec.dataset.x_test)) == (45, 15)
    assert_params(new, params)
    assert "moons again with seed 1" in status(w)


def test_regenerate_of_inline_data_says_why_not(window):
    old = window.session
    window.actions_by_name["regenerate_data"].trigger()
    assert window.session is old
    assert "Only a generated data set" in status(window)


# --- CSV --------------------------------------------------------------------------------------

BAD_CSV = [
    ("columns.csv", "x1,x2,y\n0,0,0\n1,1\n", "line 3: expected 3 columns, found 2"),
    ("text.csv", "x1,x2,y\n0,0,0\n1,abc,1\n", "line 3, column 2 (x2): expected a number"),
    ("nan.csv", "x1,x2,y\n0,0,0\n1,1,1\n0,nan,1\n", "line 4, column 2 (x2): expected a finite"),
    ("label.csv", "x1,x2,y\n0,0,0\n1,1,3\n", "line 3, column 3 (y): expected 0 or 1 for bce"),
    ("wide.csv", "a,b,c,y\n0,0,0,0\n", "line 1: 3 feature columns and a label"),
    ("empty.csv", "", "the file is empty"),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_CSV)
def test_a_bad_csv_is_refused_with_one_message_and_the_data_stays(
    window, tmp_path, name, text, message
):
    path = tmp_path / name
    path.write_text(text)
    old, x = window.session, window.session.spec.dataset.x
    dialogs = window.data_editing.dialogs
    dialogs.path = path
    window.data_editing.import_action.trigger()
    assert window.session is old and window.session.spec.dataset.x is x
    assert len(dialogs.errors) == 1
    title, shown = dialogs.errors[0]
    assert title == "Import Data"
    assert f"{name}: {message}" in shown
    assert "the current data is unchanged" in shown


def test_a_missing_file_is_refused_by_name(window, tmp_path):
    old = window.session
    dialogs = window.data_editing.dialogs
    dialogs.path = tmp_path / "gone.csv"
    window.data_editing.import_csv()
    assert window.session is old
    assert f"no such file: {tmp_path / 'gone.csv'}" in dialogs.errors[0][1]


def test_a_good_csv_replaces_the_data(window, tmp_path, qtbot):
    window.session.continue_(max_iterations=3)
    params = start_params(window.session, tmp_path)
    path = tmp_path / "points.csv"
    path.write_text("u,v,label\n0.5,0.25,1\n-1,2,0\n3,-0.125,1\n")
    dialogs = window.data_editing.dialogs
    dialogs.path = path
    window.data_editing.import_action.trigger()
    assert dialogs.errors == []
    data = window.session.spec.dataset
    assert data.x.tolist() == [[0.5, 0.25], [-1, 2], [3, -0.125]]
    assert data.y.tolist() == [1, 0, 1]
    assert_params(window.session, params)
    assert status(window).startswith("Imported 3 samples from points.csv")


def test_export_then_import_round_trips_exactly(qtbot, window, tmp_path):
    click(qtbot, window, 0.123456789, 0.987654321)  # a coordinate with every digit
    x, y = window.session.spec.dataset.x.copy(), window.session.spec.dataset.y.copy()
    dialogs = window.data_editing.dialogs
    dialogs.path = tmp_path / "out.csv"
    window.data_editing.export_action.trigger()
    assert dialogs.errors == []
    assert status(window) == f"Exported 5 training samples to {dialogs.path}."
    read_x, read_y, header = read_csv(dialogs.path)
    assert header == ["x1", "x2", "y"]
    assert np.array_equal(read_x, x) and np.array_equal(read_y, y)
    click(qtbot, window, 0.9, 0.9, modifier=Mod.ControlModifier)  # something else first
    window.data_editing.import_action.trigger()
    assert np.array_equal(window.session.spec.dataset.x, x)
    assert np.array_equal(window.session.spec.dataset.y, y)


def test_an_export_that_cannot_be_written_says_so(window, tmp_path):
    dialogs = window.data_editing.dialogs
    dialogs.path = tmp_path / "no such folder" / "out.csv"
    window.data_editing.export_csv()
    assert len(dialogs.errors) == 1 and dialogs.errors[0][0] == "Export Data"
    assert "out.csv" in dialogs.errors[0][1]

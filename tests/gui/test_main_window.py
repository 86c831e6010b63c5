"""The main window driven as a user drives it: actions, clicks, edits, and a long soak."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.debugger import Session
from bpdebugger.gui.main_window import MainWindow


def trigger(window: MainWindow, name: str) -> None:
    window.actions_by_name[name].trigger()


def test_opens_paused_before_the_first_stop(window):
    assert window.session.position == (1, 0)
    assert window.card.hint_text() != ""
    assert "before the first stop" in window.position_label.text()


@pytest.mark.parametrize(
    ("presses", "position", "phase", "node"),
    [
        (1, (1, 1), "forward", "z[2]"),
        (2, (1, 2), "forward", "a[2]"),
        (7, (1, 7), "backward", "a[3]"),
        (11, (1, 11), "update", "W[3]"),
    ],
)
def test_step_into_moves_the_debugger_and_every_view(window, presses, position, phase, node):
    for _ in range(presses):
        trigger(window, "step_into")
    assert window.session.position == position
    assert f"{phase} · {node}" in window.card.title_text() or node in window.card.title_text()
    assert window.network_view.highlighted_node() == node
    assert window.network_view.highlighted_phase() == phase
    assert window.position_label.text().endswith(f"{phase} {node}")
    assert f"stop {position[1]}/14" in window.timeline_label.text()


def test_each_debug_action_calls_its_verb(window):
    trigger(window, "step_over")  # z[2] and a[2] together
    assert window.session.position == (1, 2)
    trigger(window, "step_out")  # to the end of the forward phase: the first backward stop
    assert window.session.current.phase == "backward"
    trigger(window, "step_back")
    assert window.session.current.phase == "forward"
    trigger(window, "restart")
    assert window.session.position == (1, 0)


def test_the_card_shows_the_records_numbers(window):
    for _ in range(7):
        trigger(window, "step_into")
    step = window.session.current
    upstream = window.card.matrix("upstream").values()
    np.testing.assert_allclose(np.ravel(upstream), np.ravel(step.upstream))
    delta = f"{float(step.downstream['z[3]'][0, 0]):.4f}".replace("-", "−")  # a true minus
    assert f"= {delta}" in window.card.equation_text()


def test_a_breakpoint_set_by_clicking_a_node_stops_continue_there(window, qtbot):
    window.network_view.breakpoint_toggled.emit("z[3]")  # what a click on z[3] emits
    assert "z[3]" in window.network_view.breakpoint_markers()
    trigger(window, "continue")
    qtbot.waitUntil(lambda: not window.qt.running, timeout=5000)
    assert window.session.current.node == "z[3]"
    assert window.session.current.phase == "forward"
    assert "z[3]" in window.statusBar().currentMessage()


def test_clicking_the_node_again_removes_the_breakpoint(window):
    window.network_view.breakpoint_toggled.emit("a[2]")
    window.network_view.breakpoint_toggled.emit("a[2]")
    assert all(bp.node != "a[2]" for bp in window.session.breakpoints)
    assert "a[2]" not in window.network_view.breakpoint_markers()


def test_an_edited_weight_changes_the_next_forward_values(window):
    trigger(window, "step_into")  # forward z[2]
    window.network_view.edit_requested.emit("W[3]", (0, 1), 2.0)
    trigger(window, "step_into")  # a[2]
    trigger(window, "step_into")  # z[3] = W[3]·a[2] + b[3] with the new weight
    step = window.session.current
    W3 = window.session.params()["W[3]"]
    assert W3[0, 1] == 2.0
    a2 = step.inputs["a[2]"]
    np.testing.assert_allclose(step.output, W3 @ a2 + window.session.params()["b[3]"][:, None])


def test_a_refused_edit_shows_in_the_status_bar_and_changes_nothing(window):
    trigger(window, "step_into")
    before = window.session.params()["W[2]"].copy()
    window.network_view.edit_requested.emit("W[2]", (5, 5), 1.0)
    assert window.statusBar().currentMessage() != ""
    np.testing.assert_array_equal(window.session.params()["W[2]"], before)


def test_the_timeline_jumps_on_release(window):
    for _ in range(20):
        trigger(window, "step_into")
    assert window.session.position == (2, 6)
    window.timeline.setValue(3)  # stop 3 of iteration 1
    assert window.session.position == (1, 3)
    assert window.network_view.highlighted_node() == "z[3]"


def test_zoom_scales_the_views(window):
    font_before = window.card.font().pointSizeF()
    trigger(window, "zoom_in")
    trigger(window, "zoom_in")
    assert window._zoom > 1.0
    assert window.card.zoom() > 1.0
    trigger(window, "zoom_reset")
    assert window.card.zoom() == 1.0
    assert window.card.font().pointSizeF() == font_before


def test_every_action_has_a_shortcut_named_in_its_tooltip(window):
    for action in window.actions_by_name.values():
        key = action.shortcut().toString()
        assert key, action.text()
        assert key in action.toolTip()


def test_continue_keeps_the_window_responsive_and_pause_lands_on_a_stop(window, qtbot):
    window.session.remove_breakpoint(window.session.breakpoints[0])  # nothing to stop at
    trigger(window, "continue")
    assert window.qt.running
    assert window.actions_by_name["pause"].isEnabled()
    qtbot.wait(60)  # a few slices, the event loop turning between them
    trigger(window, "pause")
    assert not window.qt.running
    k, i = window.session.position
    assert k > 1
    assert i == len(window.session.stops)  # an iteration boundary: its last update
    assert window.actions_by_name["step_into"].isEnabled()


def test_soak_thousands_of_painted_steps(window, qtbot):
    """Step the real window through thousands of stops, painting every view each time:
    no crash, no Qt warning (pytest-qt fails the test on one), memory bounded."""
    app = QtWidgets.QApplication.instance()
    step = window.actions_by_name["step_into"]

    def paint_steps(n: int) -> None:
        for _ in range(n):
            step.trigger()
            window.repaint()  # every view paints into the backing store now, as on screen
        app.processEvents()

    paint_steps(500)  # warm caches and pixmaps before measuring
    base = resident_bytes()
    paint_steps(2500)
    grown = resident_bytes() - base
    assert window.session.position[0] > 200
    assert grown < 30_000_000, f"memory grew by {grown / 1e6:.1f} MB over 2500 painted steps"


def resident_bytes() -> int:
    """The process's resident memory (Linux), Python and Qt allocations alike."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# --- the real program, in a subprocess (a second QApplication here would abort) ----------


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def test_the_program_opens_its_window_and_closes_cleanly():
    # The real main(), with the window's show() wrapped to step through two iterations
    # (every plot drawn) and close it 1.5 s later.
    code = (
        "import sys\n"
        "from PySide6 import QtCore, QtWidgets\n"
        "from bpdebugger.cli import main\n"
        "from bpdebugger.gui import main_window\n"
        "show = main_window.MainWindow.show\n"
        "def show_then_close(self):\n"
        "    show(self)\n"
        "    def close():\n"
        "        app = QtWidgets.QApplication.instance()\n"
        "        for _ in range(28):\n"
        "            self.actions_by_name['step_into'].trigger()\n"
        "            app.processEvents()\n"
        "        self.documents.modified = False  # no question to answer on closing\n"
        "        shown = [type(w).__name__ for w in app.topLevelWidgets() if w.isVisible()]\n"
        "        print('windows:', shown)\n"
        "        self.close()\n"
        "    QtCore.QTimer.singleShot(1500, close)\n"
        "main_window.MainWindow.show = show_then_close\n"
        "sys.exit(main([]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=os.environ.get("TMPDIR", "/tmp")),
    )
    assert result.returncode == 0, result.stderr
    assert "windows: ['MainWindow']" in result.stdout
    assert "Traceback" not in result.stderr


def test_without_a_display_it_says_so_in_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "bpdebugger"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None),
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "no display" in lines[0]
    assert "bpdebugger screenshot" in lines[0]
    assert "bpdebugger trace" in lines[0]


@pytest.mark.parametrize("steps", [7, 28])  # 28: two whole iterations, the plots drawn
def test_screenshot_saves_the_window_after_n_steps(tmp_path, steps):
    out = tmp_path / "shot.png"
    result = subprocess.run(
        [sys.executable, "-m", "bpdebugger", "screenshot", str(out), "--steps", str(steps),
         "--size", "1000x700"],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr  # and no crash on the way out
    assert result.stderr == ""
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (1000, 700)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["screenshot", "shot.jpg"], "shot.jpg: expected a .png file name"),
        (["screenshot", "x.png", "--size", "big"], "expected WIDTHxHEIGHT like 1280x800"),
        (["screenshot", "x.png", "--steps", "-1"], "must be at least 0, got -1"),
        (["screenshot", "missing/x.png"], "missing/x.png: the folder to save in does not exist"),
    ],
)
def test_screenshot_refuses_bad_options_in_one_line(args, message, capsys, tmp_path, monkeypatch):
    from bpdebugger.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_missing_x11_libraries_are_named_instead_of_qt_aborting(monkeypatch):
    """With a display but without a library Qt's xcb plugin loads, Qt would abort the
    process; the window refuses in one line that names the packages to install."""
    import ctypes

    from bpdebugger.engine.errors import InputError
    from bpdebugger.gui import app

    real_cdll = ctypes.CDLL

    def cdll(name, *args, **kwargs):
        if name == "libxcb-icccm.so.4":
            raise OSError(f"{name}: cannot open shared object file")
        return real_cdll(name, *args, **kwargs)

    monkeypatch.setattr(ctypes, "CDLL", cdll)
    monkeypatch.setattr(app.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert "libxcb-icccm4" in app.missing_xcb_packages()
    with pytest.raises(InputError) as info:
        app.run_window(Session.from_demo("xor"))
    assert "sudo apt install" in str(info.value)
    assert "libxcb-icccm4" in str(info.value)


def test_a_plot_behind_another_tab_waits_until_its_tab_is_raised(window, qtbot):
    hidden = window.plots["hidden"]
    assert window.plots["boundary"].on_screen() and not hidden.on_screen()
    before_hidden = hidden.redraws
    before_boundary = window.plots["boundary"].redraws
    for _ in range(11):  # to the first update: the parameters change
        trigger(window, "step_into")
    assert window.plots["boundary"].redraws > before_boundary
    assert hidden.redraws == before_hidden  # covered: no work
    window.plot_docks["hidden"].raise_()
    qtbot.waitUntil(lambda: hidden.redraws > before_hidden, timeout=2000)
    assert hidden.on_screen()


def test_numerical_checks_are_computed_only_at_stops_whose_card_shows_them(window, monkeypatch):
    """Checks cost forward passes per parameter entry: only backward linear stops and
    updates show them, so a forward linear stop (z[2] first of all) must not pay."""
    computed_at = []
    checks = window.session.gradient_checks

    def counting():
        computed_at.append(window.session.current.node)
        return checks()

    monkeypatch.setattr(window.session, "gradient_checks", counting)
    for _ in range(14):
        trigger(window, "step_into")
    assert computed_at == ["z[3]", "z[2]", "W[3]", "b[3]", "W[2]", "b[2]"]
    assert window.card.badge("grad").grade == "good"  # the last update's check, shown


def test_each_panel_hides_and_shows_in_one_click_of_its_button(window, qtbot):
    bar = window.findChild(QtWidgets.QToolBar, "panels_toolbar")
    buttons = {
        action.iconText(): bar.widgetForAction(action)
        for action in bar.actions()
        if bar.widgetForAction(action) is not None
    }
    assert list(buttons) == [
        "Card", "Narration", "Breakpoints", "Settings", "Boundary", "Hidden", "Units", "Loss",
        "Norms",
    ]  # fmt: skip
    dock = window.plot_docks["loss"]
    qtbot.mouseClick(buttons["Loss"], QtCore.Qt.MouseButton.LeftButton)
    assert dock.isHidden()
    qtbot.mouseClick(buttons["Loss"], QtCore.Qt.MouseButton.LeftButton)
    assert not dock.isHidden() and dock.isVisible()


def test_stepping_does_not_lay_the_whole_window_out_again(window):
    """The status bar's position and the timeline's stop change at every step; labels
    that resized with their text made Qt lay out the window (toolbars, every dock) at
    every step. Only the card's own layout may move."""
    for _ in range(14):  # a first iteration: the labels reach their widths
        trigger(window, "step_into")
    QtWidgets.QApplication.processEvents()
    requests = []

    class Counter(QtCore.QObject):
        def eventFilter(self, watched, event):
            if event.type() == QtCore.QEvent.Type.LayoutRequest and watched in (
                window,
                window.statusBar(),
            ):
                requests.append(type(watched).__name__)
            return False

    def widths():
        return window.position_label.width(), window.timeline_label.width()

    counter = Counter()
    grew = 0
    QtWidgets.QApplication.instance().installEventFilter(counter)
    try:
        for _ in range(28):
            before = widths()
            trigger(window, "step_into")
            QtWidgets.QApplication.processEvents()
            grew += any(a > b for a, b in zip(widths(), before, strict=True))
    finally:
        QtWidgets.QApplication.instance().removeEventFilter(counter)
    assert window.session.position == (3, 14)
    # A label that needs more room may grow (a longer node name, one more digit), once.
    assert len(requests) <= grew < 5

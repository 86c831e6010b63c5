"""Run mode: training in slices on the event loop, the views refreshing at a capped rate."""

from __future__ import annotations

import itertools
import time

import pytest
from PySide6 import QtCore

from bpdebugger.debugger import Session
from bpdebugger.engine.session import parse_session
from bpdebugger.gui.qt_session import FRAME_MS, QtSession


@pytest.fixture
def qt(qtbot):
    q = QtSession(Session.from_demo("xor"))
    yield q
    q.pause()


def test_run_then_pause_leaves_the_debugger_at_an_iteration_boundary(qt, qtbot):
    qt.speed = None
    qt.run()
    assert qt.running
    qtbot.wait(100)
    qt.pause()
    k, i = qt.session.position
    assert not qt.running
    assert k > 1 and i == len(qt.session.stops)
    step = qt.session.step_into()  # stepping continues from there
    assert (step.iteration, step.index) == (k + 1, 1)


def test_slow_motion_runs_a_few_iterations_per_frame(qt, qtbot):
    qt.speed = 1
    qt.run()
    qtbot.wait(10 * FRAME_MS)
    qt.pause()
    k = qt.session.position[0]
    # about one iteration a frame: ten frames, give or take a slow machine's timers
    assert 2 <= k <= 15


def test_views_hear_of_a_run_once_per_frame_not_once_per_slice(qt, qtbot):
    positions = []
    qt.step_taken.connect(positions.append)
    qt.speed = None
    qt.run()
    start = time.perf_counter()
    qtbot.wait(300)
    qt.pause()
    elapsed = time.perf_counter() - start
    frames = elapsed * 1000 / FRAME_MS
    assert qt.session.position[0] > 50
    assert 1 <= len(positions) <= frames + 2  # plus the final stop


def test_a_breakpoint_during_a_run_stops_it_there(qt, qtbot):
    qt.session.add_breakpoint(node="z[3]", phase="backward", iteration=40)
    hits = []
    qt.breakpoint_hit.connect(lambda bp, step: hits.append(step))
    qt.speed = 10
    qt.run()
    qtbot.waitUntil(lambda: not qt.running, timeout=10_000)
    assert qt.session.position == (40, 8)
    assert hits and hits[0].node == "z[3]"
    assert qt.session.stop_reason.kind == "breakpoint"


def test_a_blow_up_during_a_run_pauses_with_the_node_named(qtbot):
    spec = parse_session(
        {
            "format": "bpdebugger-session/1",
            "network": {"sizes": [2, 3, 1], "activations": ["relu", "identity"],
                        "loss": "squared_error"},
            "training": {"learning_rate": 5.0},
            "data": {"dataset": "linear", "n": 50},
        }
    )  # fmt: skip
    qt = QtSession(Session(spec))
    reasons = []
    qt.run_stopped.connect(reasons.append)
    qt.speed = None
    qt.run()
    qtbot.waitUntil(lambda: not qt.running, timeout=10_000)
    assert qt.session.stop_reason.kind == "nonfinite"
    assert "NaN or inf" in str(reasons[-1])
    assert "backward z[3]" in str(reasons[-1])


def test_the_event_loop_keeps_turning_during_a_full_pace_run(qt, qtbot):
    """A 5 ms timer's lateness measures the longest stall of the event loop."""
    ticks: list[float] = []
    probe = QtCore.QTimer()
    probe.setInterval(5)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    qt.speed = None
    probe.start()
    qt.run()
    qtbot.wait(500)
    qt.pause()
    probe.stop()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 10  # the loop turned many times while training ran
    assert qt.session.position[0] > 100
    assert max(gaps) < 1.0  # no freeze; the real figure is in benchmarks/run_mode.py


def test_in_the_window_the_boundary_moves_every_frame_and_other_plots_take_turns(qtbot):
    from bpdebugger.gui.main_window import MainWindow

    window = MainWindow(Session.from_demo("xor"), remember_layout=False)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    boundary, loss = window.plots["boundary"], window.plots["loss"]
    frames = []
    window.qt.frame_shown.connect(frames.append)
    before = boundary.redraws
    window.qt.speed = None
    window.actions_by_name["run"].trigger()
    qtbot.waitUntil(lambda: len(frames) >= 6, timeout=5000)
    window.actions_by_name["pause"].trigger()
    assert 1 <= boundary.redraws - before <= len(frames)  # at most once a frame
    # paused, every plot on screen shows where the run stopped
    last = window.session.metrics.loss[-1]
    qtbot.waitUntil(lambda: loss.iteration_curve.getOriginalDataset()[1][-1] == last, timeout=2000)


@pytest.mark.parametrize("window_ms", [2, 10, 20, 30, 60])
def test_a_slice_and_the_windows_work_before_it_hold_the_loop_for_the_stall_budget(window_ms):
    """After a cheap frame training gets the longest slice, after an expensive one a
    shorter one: together they keep the event loop within STALL_SECONDS (unless the
    window alone took longer, when the slice is the shortest)."""
    from bpdebugger.gui import qt_session as module

    qt = QtSession(Session.from_demo("xor"))
    window = window_ms / 1e3
    qt._slice_ended = time.perf_counter() - window  # the window worked this long
    budget = qt._slice_budget()
    assert module.SLICE_SECONDS <= budget <= module.MAX_SLICE_SECONDS
    if budget > module.SLICE_SECONDS:
        assert window + budget <= module.STALL_SECONDS
    if window + module.MAX_SLICE_SECONDS < module.STALL_SECONDS - 0.001:
        assert budget == module.MAX_SLICE_SECONDS
    if window > module.STALL_SECONDS:
        assert budget == module.SLICE_SECONDS

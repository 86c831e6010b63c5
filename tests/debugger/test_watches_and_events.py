"""Watches, listeners and metrics."""

from __future__ import annotations

import numpy as np
import pytest
from debugging import NOTES_STOPS, deep, notes, notes_spec, walk

from bpdebugger.debugger import ConditionError, Session
from bpdebugger.engine.trace import iteration_steps

# --- watches --------------------------------------------------------------------------------


def test_a_watch_records_a_value_at_every_stop_visited_where_it_has_one():
    s = notes()
    watch = s.add_watch("dz[2]")
    assert watch.name == "dz[2]" and s.watch_values() == {"dz[2]": None}
    steps = walk(s, NOTES_STOPS)
    series = s.watch_series("dz[2]")
    # ∂l/∂z[2] leaves backward a[2] (stop 9): from there to the end of the iteration.
    assert [(k, i) for k, i, _ in series] == [(1, i) for i in range(9, NOTES_STOPS + 1)]
    for _, _, value in series:
        np.testing.assert_array_equal(value, steps[1, 9].downstream["z[2]"])


def test_a_parameter_watch_follows_the_update_and_a_ratio_watch_needs_the_gradient():
    s = notes()
    s.add_watch("W[2][0, 1]", name="w")
    s.add_watch("ratio(W[2])")
    steps = walk(s, NOTES_STOPS)
    values = {(k, i): v for k, i, v in s.watch_series("w")}
    assert values[1, 12] == steps[1, 13].before[0, 1] == -0.2
    assert values[1, 13] == values[1, 14] == steps[1, 13].after[0, 1]
    assert s.watch_series("ratio(W[2])")[0][:2] == (1, 10)  # dW[2] exists from there
    grad, w = steps[1, 10].downstream["W[2]"], s.params()["W[2]"]
    expected = 0.5 * np.linalg.norm(grad) / np.linalg.norm(w)
    assert s.watch_values()["ratio(W[2])"] == pytest.approx(expected, rel=1e-14)


def test_watch_series_are_keyed_by_position_and_an_edit_drops_the_later_ones():
    s = notes()
    s.add_watch("loss")
    walk(s, 2 * NOTES_STOPS)
    assert len(s.watch_series("loss")) == 2 * (NOTES_STOPS - 4)  # from forward l on
    s.goto(1, 6)
    s.goto(2, 7)  # visiting again changes nothing
    assert len(s.watch_series("loss")) == 2 * (NOTES_STOPS - 4)
    s.goto(1, 7)
    s.edit("W[3]", (0, 0), 2.0)
    assert [(k, i) for k, i, _ in s.watch_series("loss")] == [(1, i) for i in range(5, 8)]


def test_fast_iterations_are_not_visited_by_watches():
    s = notes()
    s.add_watch("loss")
    s.continue_(max_iterations=100)
    iterations = {k for k, _, _ in s.watch_series("loss")}
    assert iterations == {1, 100}  # the iteration in progress and the last one are stepped


def test_watch_errors_and_removal():
    s = notes()
    with pytest.raises(ConditionError, match="unknown name"):
        s.add_watch("dw[2]")
    s.add_watch("loss - prev_loss", name="change")
    with pytest.raises(ValueError, match="already"):
        s.add_watch("loss", name="change")
    s.remove_watch("change")
    assert s.watches == []
    with pytest.raises(ValueError, match="no watch"):
        s.watch_series("change")


# --- listeners --------------------------------------------------------------------------------


def record_events(s: Session) -> list[tuple]:
    log: list[tuple] = []
    for name in (
        "position_changed",
        "run_started",
        "run_stopped",
        "breakpoint_hit",
        "metrics_updated",
        "edited",
    ):
        getattr(s.events, name).connect(lambda *args, name=name: log.append((name, *args)))
    return log


def test_listeners_hear_a_run_in_order():
    s = notes()
    bp = s.add_breakpoint(node="z[2]", phase="backward", iteration=3)
    log = record_events(s)
    step = s.continue_()
    names = [entry[0] for entry in log]
    assert names[0] == "run_started" and set(names[1:-3]) == {"metrics_updated"}
    assert names[-3:] == ["position_changed", "breakpoint_hit", "run_stopped"]
    assert log[-3][1] is step and log[-2][1:] == (bp, step)
    assert log[-1][1] is s.stop_reason and s.stop_reason.kind == "breakpoint"


def test_listeners_hear_each_step_once_and_metrics_when_an_iteration_completes():
    s = notes()
    log = record_events(s)
    walk(s, NOTES_STOPS - 1)
    assert [e[0] for e in log] == ["position_changed"] * (NOTES_STOPS - 1)
    log.clear()
    step = s.step_into()
    assert [e[0] for e in log] == ["metrics_updated", "position_changed"]
    assert log[1][1] is step
    log.clear()
    s.step_back()
    s.edit("lr", None, 0.2)
    assert [e[0] for e in log] == [
        "position_changed",
        "edited",
        "metrics_updated",
        "position_changed",
    ]
    log.clear()
    s.events.position_changed.disconnect(s.events.position_changed._callbacks[0])
    s.step_into()
    assert [e[0] for e in log] == ["metrics_updated"]


def test_a_long_run_reports_metrics_slice_by_slice():
    s = notes()
    sizes = []
    s.events.metrics_updated.connect(lambda m: sizes.append(len(m)))
    s.continue_(max_iterations=1000)
    assert len(sizes) > 3 and sizes == sorted(sizes) and sizes[-1] == 1000


# --- metrics ---------------------------------------------------------------------------------


def test_metrics_of_a_run_are_the_engine_numbers():
    spec = notes_spec()
    s = Session(spec)
    s.continue_(max_iterations=200)
    m = s.metrics
    assert len(m) == 200 and m.layers == (2, 3)
    np.testing.assert_array_equal(m.iteration, np.arange(1, 201))
    np.testing.assert_array_equal(m.loss, spec.trainer().train(1, 200), strict=True)
    tr = spec.trainer()
    for k in (1, 77, 200):
        tr = spec.trainer()
        tr.train(1, k - 1)
        dW = {
            s.node: s.downstream
            for s in iteration_steps(tr.net, tr.optimizer, tr.batch(k), k)
            if s.phase == "backward" and s.node.startswith("z")
        }
        expected = [np.linalg.norm(dW[f"z[{l}]"][f"W[{l}]"]) for l in (2, 3)]
        np.testing.assert_allclose(m.grad_norm[k - 1], expected, rtol=1e-14)
    # Epochs of 4 iterations; the whole sets evaluated every 16th epoch (64 iterations).
    np.testing.assert_array_equal(m.epoch, np.arange(1, 51))
    np.testing.assert_allclose(m.epoch_loss, m.loss.reshape(50, 4).mean(axis=1), rtol=1e-15)
    np.testing.assert_array_equal(m.evaluated_epoch, [16, 32, 48])
    assert np.all((m.train_accuracy >= 0) & (m.train_accuracy <= 1))
    assert np.isnan(m.test_accuracy).all()  # no test set
    with pytest.raises(ValueError):
        m.loss[0] = 1.0  # read-only views


def test_metrics_are_the_same_stepped_or_on_the_fast_path():
    stepped, fast = deep(), deep()
    walk(stepped, 70 * 20)
    fast.continue_(max_iterations=70)
    for name in (
        "loss",
        "grad_norm",
        "epoch",
        "epoch_loss",
        "evaluated_epoch",
        "train_loss",
        "train_accuracy",
    ):
        np.testing.assert_array_equal(
            getattr(stepped.metrics, name), getattr(fast.metrics, name), err_msg=name
        )
    assert len(fast.metrics) == 70


def test_metrics_hold_the_iterations_of_the_current_timeline():
    s = notes()
    s.add_breakpoint(iteration=30, node="l", phase="forward")
    s.continue_()
    assert s.position == (30, 5) and len(s.metrics) == 29  # 30 is not complete
    s.goto(10, 2)
    s.edit("b[3]", 0, 0.0)
    assert len(s.metrics) == 9
    s.continue_(max_iterations=1)
    assert len(s.metrics) == 10 and s.metrics.epoch[-1] == 2

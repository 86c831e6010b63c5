"""The step verbs and continue_, with exact positions, on the notes' network and a deeper one."""

from __future__ import annotations

import pytest
from debugging import DEEP_STOPS, NOTES_STOPS, assert_steps_equal, deep, notes, walk

from bpdebugger.debugger import Session
from bpdebugger.engine.trace import stop_names


def positions(session: Session, verb: str, times: int) -> list[tuple[int, int]]:
    """Call a verb ``times`` times; the position after each."""
    out = []
    for _ in range(times):
        getattr(session, verb)()
        out.append(session.position)
    return out


def test_a_new_session_is_paused_before_the_first_stop():
    s = Session.from_demo("xor")
    assert s.position == (1, 0)
    assert s.current is None
    assert s.stop_reason.kind == "start"
    assert s.step_into().position == (1, 1)


@pytest.mark.parametrize("make, n", [(notes, NOTES_STOPS), (deep, DEEP_STOPS)])
def test_step_into_visits_every_stop_in_the_contract_order(make, n):
    s = make()
    order = stop_names(s.history.net)
    assert len(order) == n == len(s.stops)
    for k in (1, 2):
        for i, (phase, node) in enumerate(order, start=1):
            step = s.step_into()
            assert (step.iteration, step.index, step.phase, step.node) == (k, i, phase, node)
            assert s.current is step and s.position == (k, i)
            assert s.stop_reason.kind == "step"


def test_step_over_takes_a_layer_at_a_time_on_the_notes_network():
    s = notes()
    # a[2], a[3], the loss, backward l, backward z[3], z[2], then each update on its own.
    expected = [(1, 2), (1, 4), (1, 5), (1, 6), (1, 8), (1, 10)]
    expected += [(1, 11), (1, 12), (1, 13), (1, 14), (2, 2)]
    assert positions(s, "step_over", len(expected)) == expected


def test_step_over_on_the_deeper_network():
    s = deep()
    expected = [(1, 2), (1, 4), (1, 6), (1, 7), (1, 8), (1, 10), (1, 12), (1, 14)]
    expected += [(1, i) for i in range(15, 21)] + [(2, 2)]
    assert positions(s, "step_over", len(expected)) == expected


def test_step_over_from_the_first_node_of_a_layer_finishes_that_layer():
    s = notes()
    s.step_into()  # forward z[2]
    assert s.step_over().position == (1, 2)  # forward a[2]
    s.run_to("a[2]", "backward")
    assert s.step_over().position == (1, 10)  # backward z[2]


def test_step_out_lands_on_the_first_stop_of_the_next_phase():
    s = notes()
    assert positions(s, "step_out", 5) == [(1, 6), (1, 11), (2, 1), (2, 6), (2, 11)]
    d = deep()
    assert positions(d, "step_out", 4) == [(1, 8), (1, 15), (2, 1), (2, 8)]


@pytest.mark.parametrize(
    "start, landing",
    [((1, 3), (1, 6)), ((1, 5), (1, 6)), ((1, 7), (1, 11)), ((1, 10), (1, 11)), ((1, 12), (2, 1))],
)
def test_step_out_from_inside_a_phase(start, landing):
    s = notes()
    walk(s, start[1])
    assert s.position == start
    assert s.step_out().position == landing


@pytest.mark.parametrize("make, n", [(notes, NOTES_STOPS), (deep, DEEP_STOPS)])
def test_step_back_retraces_the_walk_to_the_start_and_stops_there(make, n):
    s = make()
    walk(s, n + 2)
    assert s.position == (2, 2)
    trail = positions(s, "step_back", n + 2)
    assert trail == [(2, 1)] + [(1, i) for i in range(n, 0, -1)] + [(1, 0)]
    assert s.current is None
    assert s.step_back() is None
    assert s.position == (1, 0) and s.stop_reason.kind == "start"


def test_goto_reaches_any_stop_already_reached_and_refuses_the_others():
    s = deep()
    seen = walk(s, 2 * DEEP_STOPS + 5)
    assert s.reached == (3, 5)
    for position in [(1, 1), (2, 20), (3, 5), (1, 13)]:
        assert_steps_equal(s.goto(*position), seen[position])
        assert s.position == position
    assert s.goto(1, 0) is None and s.position == (1, 0)
    with pytest.raises(
        ValueError, match="not been reached yet; the furthest stop reached is stop 5 of iteration 3"
    ):
        s.goto(3, 6)
    with pytest.raises(ValueError, match="1 to 20"):
        s.goto(2, 21)
    with pytest.raises(ValueError, match="1 to 20"):
        s.goto(2, 0)
    with pytest.raises(ValueError, match="whole number"):
        s.goto(2.0, 3)
    assert s.position == (1, 0)


def test_continue_stops_at_the_end_of_the_iteration_limit():
    s = notes()
    step = s.continue_(max_iterations=25)
    assert s.position == (25, NOTES_STOPS) and step.node == "b[2]"
    assert s.stop_reason.kind == "limit"
    assert "iteration 25" in s.stop_reason.message and "max_iterations=25" in str(s.stop_reason)
    # The iteration in progress counts: from the middle of 26, one more ends it.
    s.step_into()
    s.step_into()
    s.continue_(max_iterations=1)
    assert s.position == (26, NOTES_STOPS)
    assert s.continue_(max_iterations=3).position == (29, NOTES_STOPS)
    assert s.reached == (29, NOTES_STOPS)


def test_continue_by_epochs_and_by_time():
    s = notes()  # 4 samples one at a time: an epoch is 4 iterations
    s.continue_(max_epochs=2)
    assert s.position == (8, NOTES_STOPS)
    assert "max_epochs=2" in s.stop_reason.message
    s.continue_(max_iterations=100, max_epochs=1)
    assert s.position == (12, NOTES_STOPS)
    walk(s, 3)
    s.continue_(max_seconds=0)  # finishes the iteration in progress, no more
    assert s.position == (13, NOTES_STOPS) and s.stop_reason.kind == "limit"
    for bad in ({"max_iterations": 0}, {"max_epochs": -1}, {"max_seconds": -1.0}):
        with pytest.raises(ValueError):
            s.continue_(**bad)


def test_pause_from_a_listener_stops_the_run_at_an_iteration_end():
    s = notes()
    s.events.metrics_updated.connect(lambda metrics: s.pause())
    s.continue_()
    assert s.stop_reason.kind == "paused"
    k, i = s.position
    assert i == NOTES_STOPS and 1 < k <= 600


def test_verbs_refuse_to_run_inside_a_running_continue():
    s = notes()
    errors = []

    def reenter(metrics):
        try:
            s.step_into()
        except RuntimeError as e:
            errors.append(str(e))
        s.pause()

    s.events.metrics_updated.connect(reenter)
    s.continue_()
    assert errors and "running" in errors[0]


def test_run_to_a_node_and_phase():
    s = notes()
    step = s.run_to("z[2]", "backward")
    assert s.position == (1, 10) and step.phase == "backward"
    assert s.stop_reason.kind == "run_to"
    assert s.stop_reason.message == "reached backward z[2], iteration 1"
    assert s.run_to("W[2]").position == (1, 13)  # a parameter's node is its update
    assert s.run_to("z[2]").position == (2, 1)  # the next one, in any phase
    assert s.run_to("l", "backward").position == (2, 6)
    assert not any(bp.temporary for bp in s.breakpoints)
    with pytest.raises(ValueError, match="unknown node 'z\\[4\\]'"):
        s.run_to("z[4]")
    with pytest.raises(ValueError, match="not a update stop"):
        s.run_to("z[2]", "update")


def test_run_to_on_the_deeper_network():
    s = deep()
    assert s.run_to("a[3]", "backward").position == (1, 11)
    assert s.run_to("W[3]", "update").position == (1, 17)
    assert s.run_to("z[4]", "forward").position == (2, 5)


def test_restart_reproduces_the_first_iteration_and_keeps_breakpoints_and_watches():
    s = deep()
    first = walk(s, DEEP_STOPS)
    bp = s.add_breakpoint(node="z[3]", phase="backward")
    watch = s.add_watch("loss")
    s.continue_(max_iterations=30)
    assert bp.hits > 0 and watch.series()
    assert s.restart() is None
    assert s.position == s.reached == (1, 0) and s.stop_reason.kind == "start"
    assert bp in s.breakpoints and bp.hits == 0
    assert watch in s.watches and watch.series() == []
    s.disable_breakpoint(bp)
    again = walk(s, DEEP_STOPS)
    for position, step in first.items():
        assert_steps_equal(again[position], step)
    assert len(s.metrics) == 1

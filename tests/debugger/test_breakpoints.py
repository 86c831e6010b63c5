"""Breakpoints: nodes, phases, updates, iterations, hit counts, conditions, the non-finite one."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from debugging import DEEP_STOPS, NOTES_STOPS, deep, deep_spec, exploding_spec, notes, notes_spec
from helpers import NOTES_PARAMS

from bpdebugger.debugger import ConditionError, Session
from bpdebugger.engine.session import SessionSpec, parse_session
from bpdebugger.engine.trace import first_nonfinite, iteration_steps


def reference_norms(spec: SessionSpec, layer: int, iterations: int) -> np.ndarray:
    """‖∂l/∂W[layer]‖ per iteration, from the engine's own stepper."""
    tr = spec.trainer()
    out = []
    for k in range(1, iterations + 1):
        for step in iteration_steps(tr.net, tr.optimizer, tr.batch(k), k):
            if step.phase == "backward" and step.node == f"z[{layer}]":
                out.append(np.linalg.norm(step.downstream[f"W[{layer}]"]))
    return np.array(out)


def reference_losses(spec: SessionSpec, iterations: int) -> np.ndarray:
    return spec.trainer().train(1, iterations)


def test_a_node_breakpoint_in_one_phase_and_in_any_phase():
    s = notes()
    bp = s.add_breakpoint(node="z[2]", phase="backward")
    for k in (1, 2, 3):
        step = s.continue_(max_iterations=10)
        assert s.position == (k, 10) and (step.phase, step.node) == ("backward", "z[2]")
        assert s.stop_reason.kind == "breakpoint" and s.stop_reason.breakpoint is bp
        assert (
            s.stop_reason.message
            == f"breakpoint {bp.id} (backward z[2]) hit at backward z[2], iteration {k}"
        )
    assert bp.hits == 3
    s.remove_breakpoint(bp)
    s.add_breakpoint(node="z[2]")
    assert [s.continue_().position for _ in range(3)] == [(4, 1), (4, 10), (5, 1)]


def test_a_breakpoint_on_a_parameter_update():
    s = deep()
    bp = s.add_breakpoint(node="W[2]", phase="update")
    assert bp.kind == "update"
    step = s.continue_()
    assert s.position == (1, 19) and step.node == "W[2]" and step.phase == "update"
    assert s.continue_().position == (2, 19)


def test_hit_count_stops_on_the_nth_hit_only():
    s = notes()
    bp = s.add_breakpoint(node="a[3]", phase="forward", hit_count=3)
    assert s.continue_(max_iterations=50).position == (3, 4)
    assert bp.hits == 3
    s.continue_(max_iterations=10)  # iterations 3 (in progress) to 12
    assert s.stop_reason.kind == "limit" and s.position == (12, NOTES_STOPS)
    assert bp.hits == 12


def test_disabled_breakpoints_do_not_stop_and_enabled_ones_do_again():
    s = notes()
    bp = s.add_breakpoint(node="l", phase="backward")
    s.disable_breakpoint(bp)
    s.continue_(max_iterations=5)
    assert s.stop_reason.kind == "limit" and bp.hits == 0
    s.enable_breakpoint(bp)
    assert s.continue_().position == (6, 6)
    bp.enabled = False
    assert s.step_out().position == (6, 11)  # no stop at backward l of iteration 6 on the way


def test_an_iteration_breakpoint_stops_at_its_first_stop_or_at_its_node():
    s = deep()
    bp = s.add_breakpoint(iteration=3000)
    assert bp.kind == "iteration"
    assert s.continue_().position == (3000, 1)
    assert len(s.metrics) == 2999  # run on the fast path, every iteration recorded
    s.remove_breakpoint(bp)
    s.add_breakpoint(node="a[4]", phase="backward", iteration=3002)
    assert s.continue_().position == (3002, 9)


def test_breakpoints_stop_step_over_and_step_out_on_the_way():
    s = notes()
    bp = s.add_breakpoint(node="z[3]", phase="forward")
    assert s.step_out().position == (1, 3)
    assert s.stop_reason.kind == "breakpoint" and s.stop_reason.breakpoint is bp
    assert s.step_out().position == (1, 6)
    s.add_breakpoint(node="a[2]", phase="backward")
    assert s.run_to("z[2]", "backward").position == (1, 9)  # run_to stops at a breakpoint first


def test_reverse_continue_goes_back_hit_by_hit_then_to_the_start():
    s = notes()
    s.add_breakpoint(node="z[2]", phase="backward")
    for _ in range(3):
        s.continue_()
    assert s.position == (3, 10)
    s.step_into()
    assert s.reverse_continue().position == (3, 10)
    assert s.stop_reason.kind == "breakpoint"
    assert s.reverse_continue().position == (2, 10)
    assert s.reverse_continue().position == (1, 10)
    assert s.reverse_continue() is None and s.position == (1, 0)
    assert s.stop_reason.kind == "start"


def test_reverse_continue_skips_hits_of_breakpoints_disabled_since():
    s = notes()
    early = s.add_breakpoint(node="a[2]", phase="forward")
    s.add_breakpoint(node="b[3]", phase="update")
    for _ in range(3):
        s.continue_()
    assert s.position == (2, 2)
    s.disable_breakpoint(early)
    assert s.reverse_continue().position == (1, 12)
    s.reverse_continue()
    assert s.position == (1, 0)


# --- conditions, each with a case that must hit and one that must not -----------------------


def test_gradient_norm_above_a_threshold_exploding():
    norms = reference_norms(deep_spec(), 2, 199)
    s = deep()
    bp = s.add_breakpoint(condition=f"norm(dW[2]) > {float(norms.max())!r}")
    assert bp.kind == "condition"
    step = s.continue_(max_iterations=3000)
    # dW[2] exists from backward z[2] on: the first stop where it holds.
    assert s.position == (200, 14) and (step.phase, step.node) == ("backward", "z[2]")
    assert np.linalg.norm(step.downstream["W[2]"]) > norms.max()
    assert s.stop_reason.message.startswith(f"breakpoint {bp.id} (if norm(dW[2]) > ")

    quiet = deep()
    quiet.add_breakpoint(condition="norm(dW[2]) > 10")
    quiet.continue_(max_iterations=3000)
    assert quiet.stop_reason.kind == "limit"
    assert quiet.metrics.grad_norm[:, 0].max() < 2


def test_gradient_norm_below_a_threshold_vanishing():
    norms = reference_norms(notes_spec(), 3, 2000)
    first = int(np.argmax(norms < 1e-6)) + 1
    assert norms[first - 1] < 1e-6 and 100 < first < 2000
    s = notes()
    s.add_breakpoint(condition="norm(dW[3]) < 1e-6")
    s.continue_(max_iterations=2000)
    assert s.position == (first, 8)  # backward z[3]

    quiet = notes()
    quiet.add_breakpoint(condition="norm(dW[3]) < 1e-9")
    quiet.continue_(max_iterations=2000)
    assert quiet.stop_reason.kind == "limit"


def test_loss_went_up():
    losses = reference_losses(notes_spec(), 300)
    up = int(np.argmax(losses[1:] > losses[:-1])) + 2  # the first k with loss_k > loss_k−1
    s = notes()
    s.add_breakpoint(condition="loss > prev_loss")
    step = s.continue_(max_iterations=300)
    assert s.position == (up, 5) and step.node == "l"  # where the loss becomes known
    assert step.loss == losses[up - 1] > losses[up - 2]
    assert s.continue_(max_iterations=300).position[0] > up  # once per iteration, not per stop

    # Full-batch gradient descent with a small rate: the loss only goes down.
    quiet = Session(notes_spec(training={"learning_rate": 0.1, "batch_size": 4}))
    quiet.add_breakpoint(condition="loss > prev_loss")
    quiet.continue_(max_iterations=300)
    assert quiet.stop_reason.kind == "limit"


def test_misclassified():
    s = notes()
    s.add_breakpoint(condition="misclassified")
    step = s.continue_(max_iterations=100)
    # Sample 0 is (0, 1) with label 1, and the notes' weights give ŷ < ½: wrong at once.
    assert s.position == (1, 4) and step.node == "a[3]" and step.output[0, 0] < 0.5

    params = copy.deepcopy(NOTES_PARAMS)
    params["b[3]"] = [10.0]  # ŷ ≈ 1 for every point, and every label is 1
    quiet = Session(notes_spec(params=params, data={"x": [[0, 1], [1, 0]], "y": [1, 1]}))
    quiet.add_breakpoint(condition="misclassified")
    quiet.continue_(max_iterations=200)
    assert quiet.stop_reason.kind == "limit"


def test_a_condition_on_a_node_and_one_read_stop_by_stop():
    s = notes()
    s.add_breakpoint(node="z[3]", phase="backward", condition="abs(dz[3]) > 0.4")
    step = s.continue_(max_iterations=100)
    assert step.node == "z[3]" and np.abs(step.upstream).max() > 0.4
    # W changes inside an iteration: such a condition is checked at every stop.
    d = notes()
    bp = d.add_breakpoint(condition="W[2][0, 0] > 0.1")
    step = d.continue_(max_iterations=50)
    assert step.node == "W[2]" and step.after[0, 0] > 0.1 >= step.before[0, 0]
    assert bp.hits == 1


def test_malformed_conditions_and_locations_are_refused_with_a_message_and_nothing_added():
    s = notes()
    before = list(s.breakpoints)
    with pytest.raises(ConditionError, match=r"never closed|expected"):
        s.add_breakpoint(condition="norm(dW[2] < 1e-4")
    with pytest.raises(ValueError, match=r"unknown name 'los'.*did you mean 'loss'"):
        s.add_breakpoint(condition="los > prev_loss")
    with pytest.raises(ValueError, match="must compare"):
        s.add_breakpoint(condition="loss")
    with pytest.raises(ValueError, match="layer 4 out of range"):
        s.add_breakpoint(condition="norm(dW[4]) > 1")
    with pytest.raises(ValueError, match="unknown node 'y'"):
        s.add_breakpoint(node="y")
    with pytest.raises(ValueError, match="unknown phase"):
        s.add_breakpoint(node="z[2]", phase="sideways")
    with pytest.raises(ValueError, match="hit_count"):
        s.add_breakpoint(node="z[2]", hit_count=0)
    with pytest.raises(ValueError, match="needs a node"):
        s.add_breakpoint()
    assert s.breakpoints == before


# --- the non-finite breakpoint ---------------------------------------------------------------


def test_the_nonfinite_breakpoint_is_on_by_default_and_removable():
    s = notes()
    (bp,) = s.breakpoints
    assert bp.kind == "nonfinite" and bp.enabled and bp.condition == "nonfinite"
    s.continue_(max_iterations=3000)  # the notes' network on XOR stays finite
    assert s.stop_reason.kind == "limit" and bp.hits == 0
    s.remove_breakpoint(bp)
    assert s.breakpoints == []
    assert s.add_breakpoint(condition="nonfinite").kind == "nonfinite"


def test_a_huge_learning_rate_stops_at_the_node_that_made_the_nan():
    spec = exploding_spec()
    expected = first_nonfinite(spec.trainer(), 1, 1000)
    assert expected is not None and expected.iteration > 10
    s = Session(spec)
    step = s.continue_(max_iterations=1000)
    assert s.stop_reason.kind == "nonfinite"
    assert s.position == expected.position and step.node == expected.node
    label = expected.nonfinite()
    assert s.stop_reason.message == (
        f"NaN or inf in {label} at {expected.phase} {expected.node}, iteration {expected.iteration}"
    )
    # Every iteration before it was finite and ran: the metrics hold them.
    assert len(s.metrics) == expected.iteration - 1 and np.isfinite(s.metrics.loss).all()
    # A run that has diverged is not stopped again at every iteration.
    s.continue_(max_iterations=20)
    assert s.stop_reason.kind == "limit"


def test_a_nonfinite_gradient_under_a_finite_loss_is_found_where_it_was_made():
    # Iteration 2 (x = 1): ŷ = 1e160·1e-10 keeps the loss finite (5e299), but
    # ∂l/∂a[2] = W[3]·(ŷ − y) = 1e310 overflows; the loss turns NaN only an iteration later.
    spec = parse_session(
        {
            "format": "bpdebugger-session/1",
            "network": {
                "sizes": [1, 1, 1],
                "activations": ["relu", "identity"],
                "loss": "squared_error",
            },
            "params": {"W[2]": [[1e-10]], "b[2]": [0.0], "W[3]": [[1e160]], "b[3]": [0.0]},
            "training": {"learning_rate": 1.0},
            "data": {"x": [[0.0], [1.0]], "y": [0.0, 0.0]},
        }
    )
    assert np.isfinite(spec.trainer().train(1, 2)).all()
    s = Session(spec)
    s.step_into()
    s.continue_(max_iterations=50)  # iteration 1 stepped, then the fast path
    assert s.position == (2, 8) == first_nonfinite(spec.trainer(), 1, 50).position
    assert s.stop_reason.message == "NaN or inf in downstream a[2] at backward z[3], iteration 2"


def test_stepping_finds_the_same_nonfinite_stop_as_the_fast_path():
    spec = exploding_spec()
    fast, stepped = Session(spec), Session(spec)
    stepped.add_breakpoint(condition="index == 99")  # read at every stop: no fast path
    fast.continue_(max_iterations=1000)
    stepped.continue_(max_iterations=1000)
    assert stepped.position == fast.position
    assert stepped.stop_reason.message == fast.stop_reason.message
    np.testing.assert_array_equal(stepped.metrics.loss, fast.metrics.loss, strict=True)


def test_with_the_nonfinite_breakpoint_disabled_a_diverging_run_goes_on():
    s = Session(exploding_spec())
    s.disable_breakpoint(s.breakpoints[0])
    s.continue_(max_iterations=400)
    assert s.stop_reason.kind == "limit" and s.position == (400, 14)
    assert not np.isfinite(s.metrics.loss[-1])


def test_deep_network_node_breakpoints_positions():
    s = deep()
    s.add_breakpoint(node="a[3]")
    assert [s.continue_().position for _ in range(3)] == [(1, 4), (1, 11), (2, 4)]
    assert s.current.index <= DEEP_STOPS

"""Edits while paused recompute what they should and nothing else, and replay consistently.

The notes' network with the CONTRACTS.md parameters: W[2] = [[0.1, −0.2], [0.3, 0.4]],
b[2] = 0, W[3] = [[0.5, −0.6]], b[3] = 0.1, learning rate 0.5; iteration 1 is sample 0,
x = (0, 1) with label 1. Expected values below are computed by hand from the definitions.
"""

from __future__ import annotations

import numpy as np
import pytest
from debugging import NOTES_STOPS, assert_steps_equal, notes, walk
from helpers import NOTES_PARAMS

W2, b2 = np.array(NOTES_PARAMS["W[2]"]), np.array(NOTES_PARAMS["b[2]"])
W3, b3 = np.array(NOTES_PARAMS["W[3]"]), np.array(NOTES_PARAMS["b[3]"])
X1 = np.array([[0.0], [1.0]])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(W2, W3, x=X1):
    a2 = np.tanh(W2 @ x + b2[:, None])
    z3 = W3 @ a2 + b3[:, None]
    return a2, z3, sigmoid(z3)


def reference(stops: int = NOTES_STOPS):
    """The first ``stops`` records without edits."""
    return walk(notes(), stops)


def assert_same(s, ref, positions):
    for p in positions:
        assert_steps_equal(s.goto(*p), ref[p])


def test_a_weight_edited_before_its_layer_changes_the_forward_pass_from_there():
    ref = reference()
    s = notes()
    walk(s, 2)  # at forward a[2]
    s.edit("W[3]", (0, 1), 0.25)
    assert s.reached == (1, 2)
    edited = W3.copy()
    edited[0, 1] = 0.25
    _, z3, yhat = forward(W2, edited)
    step = s.step_into()
    assert step.node == "z[3]"
    np.testing.assert_allclose(step.output, z3, rtol=1e-15)
    np.testing.assert_array_equal(step.inputs["W[3]"], edited)
    np.testing.assert_allclose(s.step_into().output, yhat, rtol=1e-15)
    np.testing.assert_allclose(s.step_into().loss, -np.log(yhat[0, 0]), rtol=1e-14)
    assert_same(s, ref, [(1, 1), (1, 2)])  # earlier stops keep their records


def test_a_weight_edited_after_the_pass_read_it_computes_the_pass_again():
    ref = reference()
    s = notes()
    walk(s, 3)  # at forward z[3]: z[2] and a[2] were computed with the old W[2]
    s.edit("W[2]", (1, 1), 2.0)
    edited = W2.copy()
    edited[1, 1] = 2.0
    _, z3, yhat = forward(edited, W3)
    np.testing.assert_allclose(s.context().value("z[2]"), edited @ X1, rtol=1e-15)
    step = s.step_into()  # forward a[3] of the pass computed again
    np.testing.assert_allclose(step.output, yhat, rtol=1e-15)
    np.testing.assert_allclose(step.inputs["z[3]"], z3, rtol=1e-15)
    assert_same(s, ref, [(1, 1), (1, 2), (1, 3)])
    assert not np.allclose(ref[1, 4].output, yhat)


def test_two_edits_in_one_pass_each_take_effect_from_where_they_were_made():
    s = notes()
    s.step_into()
    s.edit("W[3]", (0, 0), 1.0)
    walk(s, 2)  # forward z[3] of the first edit's pass
    first = W3.copy()
    first[0, 0] = 1.0
    np.testing.assert_allclose(s.current.output, forward(W2, first)[1], rtol=1e-15)
    s.edit("W[3]", (0, 0), -1.0)
    second = W3.copy()
    second[0, 0] = -1.0
    np.testing.assert_allclose(s.step_into().output, forward(W2, second)[2], rtol=1e-15)
    np.testing.assert_allclose(s.goto(1, 3).output, forward(W2, first)[1], rtol=1e-15)
    assert [(e.index, e.value) for e in s.history.edits] == [(1, 1.0), (3, -1.0)]


def test_in_the_update_phase_only_the_updates_to_come_see_an_edit():
    ref = reference(2 * NOTES_STOPS)
    s = notes()
    walk(s, 11)  # W[3] updated, W[2] not yet
    s.edit("W[2]", (0, 1), 0.25)
    walk(s, 3)
    assert_same(s, ref, [(1, i) for i in range(1, 13)] + [(1, 14)])
    update = s.goto(1, 13)
    before = ref[1, 13].before.copy()
    before[0, 1] = 0.25
    np.testing.assert_array_equal(update.before, before)
    np.testing.assert_array_equal(update.grad, ref[1, 13].grad)  # the gradient was computed
    np.testing.assert_array_equal(update.change, ref[1, 13].change)
    np.testing.assert_array_equal(update.after, before + ref[1, 13].change)
    s.goto(1, NOTES_STOPS)
    np.testing.assert_array_equal(s.step_into().inputs["W[2]"], update.after)  # iteration 2


def test_a_parameter_already_updated_changes_after_its_update():
    ref = reference(2 * NOTES_STOPS)
    s = notes()
    walk(s, 12)
    s.edit("W[3]", (0, 0), 1.5)
    expected = ref[1, 11].after.copy()
    expected[0, 0] = 1.5
    np.testing.assert_array_equal(s.params()["W[3]"], expected)
    np.testing.assert_array_equal(s.context().value("W[3]"), expected)
    walk(s, 5)
    assert_same(s, ref, [(1, i) for i in range(1, NOTES_STOPS + 1)])  # iteration 1 unchanged
    np.testing.assert_array_equal(s.goto(2, 3).inputs["W[3]"], expected)


def test_the_learning_rate_applies_to_the_updates_to_come():
    ref = reference()
    s = notes()
    walk(s, 11)
    s.edit("learning_rate", None, 0.1)
    assert s.context().value("lr") == 0.1
    step = s.step_into()
    assert step.learning_rate == 0.1
    np.testing.assert_array_equal(step.change, -0.1 * step.grad)
    assert_steps_equal(s.goto(1, 11), ref[1, 11])
    assert s.context().value("lr") == 0.1  # the edit was made here
    s.goto(1, 10)
    assert s.context().value("lr") == 0.5
    s.goto(1, 12)
    s.continue_(max_iterations=1)
    s.run_to("W[3]")
    assert s.current.iteration == 2 and s.current.learning_rate == 0.1


def test_editing_the_input_changes_the_sample_in_the_data_set():
    s = notes()
    s.edit("x", 0, 0.5)  # before the first stop: feature 0 of sample 0
    x = np.array([[0.5], [1.0]])
    step = s.step_into()
    np.testing.assert_array_equal(step.inputs["a[1]"], x)
    np.testing.assert_allclose(step.output, W2 @ x + b2[:, None], rtol=1e-15)
    s.run_to("z[2]", "forward")
    s.continue_(max_iterations=3)
    s.step_into()  # iteration 5 uses sample 0 again
    assert s.position == (5, 1)
    np.testing.assert_array_equal(s.current.batch.x, x)


def test_editing_the_input_during_the_forward_pass_changes_what_follows():
    s = notes()
    walk(s, 3)
    s.edit("x", 1, 2.0)
    x = np.array([[0.0], [2.0]])
    step = s.step_into()
    np.testing.assert_allclose(step.output, forward(W2, W3, x)[2], rtol=1e-15)
    np.testing.assert_array_equal(step.batch.x, x)
    np.testing.assert_array_equal(s.goto(1, 1).batch.x, X1)


def test_editing_the_label():
    s = notes()
    s.edit("y", None, 0)
    yhat = forward(W2, W3)[2][0, 0]
    step = walk(s, 5)[1, 5]
    np.testing.assert_allclose(step.loss, -np.log(1 - yhat), rtol=1e-14)
    np.testing.assert_array_equal(s.context().value("y"), [[0.0]])


@pytest.mark.parametrize(
    "args, message",
    [
        (("W[2]", 1, 0.5), "expected 2 indices"),
        (("W[2]", (0, 2), 0.5), "out of range"),
        (("b[3]", (1,), 0.5), "out of range"),
        (("W[2]", (0, 1), float("nan")), "finite"),
        (("b[2]", 0, float("inf")), "finite"),
        (("W[2]", (0, 1), True), "expected a number"),
        (("W[4]", (0, 0), 1.0), "cannot edit 'W\\[4\\]'"),
        (("z[2]", 0, 1.0), "cannot edit"),
        (("lr", None, -0.1), "positive"),
        (("lr", 0, 0.1), "index must be None"),
        (("y", None, 2), "0 or 1"),
        (("y", None, 0.5), "0 or 1"),
        (("x", 2, 0.5), "out of range"),
        (("x", None, 0.5), "give the element's index"),
    ],
)
def test_bad_edits_are_refused_and_nothing_changes(args, message):
    ref = reference(NOTES_STOPS + 3)
    s = notes()
    walk(s, NOTES_STOPS + 3)
    s.goto(1, 4)
    with pytest.raises(ValueError, match=message):
        s.edit(*args)
    assert s.history.edits == [] and s.reached == (2, 3) and s.position == (1, 4)
    assert_same(s, ref, list(ref))


def test_an_edit_for_a_sample_outside_the_batch_is_refused():
    s = notes()
    with pytest.raises(ValueError, match="sample"):
        s.edit("x", 0, 1.0, sample=1)


def test_stepping_back_across_an_edit_and_forward_again_gives_the_same_records():
    s = notes(checkpoints=4)
    walk(s, 3)
    s.edit("W[2]", (0, 0), -0.7)
    after = walk(s, 40 * NOTES_STOPS)
    for _ in range(2 * NOTES_STOPS + 5):
        s.step_back()
    assert s.position == (38, NOTES_STOPS - 2)
    s.goto(1, 4)
    for _ in range(4):  # back across the edit at (1, 3) to the start, and forward again
        s.step_back()
    assert s.position == (1, 0)
    again = walk(s, 40 * NOTES_STOPS + 3)
    for p, step in after.items():
        assert_steps_equal(again[p], step)
    # Replays from thinned checkpoints re-apply the edit at its place.
    rng = np.random.default_rng(0)
    for _ in range(30):
        p = list(after)[rng.integers(len(after))]
        assert_steps_equal(s.goto(*p), after[p])


def test_an_edit_in_the_past_starts_a_new_future():
    s = notes()
    s.continue_(max_iterations=10)
    assert len(s.metrics) == 10
    s.goto(3, 7)
    s.edit("b[2]", 1, 0.05)
    assert s.reached == (3, 7) and len(s.metrics) == 2
    with pytest.raises(ValueError, match="not been reached"):
        s.goto(5, 1)
    s.continue_(max_iterations=2)
    assert len(s.metrics) == 4 and s.reached == (4, NOTES_STOPS)


def test_setting_a_value_to_itself_changes_no_record():
    ref = reference(2 * NOTES_STOPS)
    s = notes()
    walk(s, 3)
    s.edit("W[2]", (0, 0), float(W2[0, 0]))  # in the pass: the pass is computed again
    walk(s, 8)
    s.edit("b[3]", 0, float(ref[1, 12].before[0]))  # in the update phase, not yet updated
    s.step_into()
    s.edit("b[3]", 0, float(ref[1, 12].after[0]))  # just updated
    walk(s, NOTES_STOPS + 2)
    assert_same(s, ref, list(ref))


def test_restart_discards_the_edits_and_keeps_the_initial_parameters():
    ref = reference()
    s = notes()
    s.edit("W[2]", (0, 0), 3.0)
    walk(s, 5)
    s.restart()
    assert s.history.edits == []
    again = walk(s, NOTES_STOPS)
    for p, step in ref.items():
        assert_steps_equal(again[p], step)


def test_edits_are_refused_while_running():
    s = notes()
    refused = []

    def edit(metrics):
        if s.stop_reason.kind == "start":  # only during the run
            try:
                s.edit("lr", None, 0.1)
            except RuntimeError:
                refused.append(True)
            s.pause()

    s.events.metrics_updated.connect(edit)
    s.continue_()
    assert refused and s.history.edits == []

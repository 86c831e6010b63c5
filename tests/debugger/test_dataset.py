"""Data changed by hand (debugger/dataset.py): the new session keeps the network as Session.save
writes it, starts again on the new data, and saves to a file that opens the same."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import XOR_X, XOR_Y, notes_session

from bpdebugger.debugger import Session
from bpdebugger.debugger import dataset as ds
from bpdebugger.engine.errors import InputError
from bpdebugger.engine.session import load_session, parse_session, save_session


def session(**changes) -> Session:
    """The notes' session with sections replaced; ``params=None`` draws them from init."""
    obj = notes_session(**changes)
    if obj["params"] is None:
        del obj["params"]
    return Session(parse_session(obj))


def circles(**training) -> Session:
    data = {"dataset": "circles", "n": 50, "noise": 0.05, "seed": 3, "test_fraction": 0.2}
    train = {"learning_rate": 0.5, "batch_size": 5, "shuffle": True, "momentum": 0.9, **training}
    return session(data=data, training=train)


def saved_params(s: Session, tmp_path) -> tuple[dict, float]:
    """What Session.save writes for the network: params and learning rate."""
    path = tmp_path / "saved.json"
    s.save(path)
    obj = json.loads(path.read_text())
    return obj["params"], obj["training"]["learning_rate"]


def assert_starts_with(s: Session, params: dict, lr: float) -> None:
    assert s.position == (1, 0)
    assert s.spec.learning_rate == lr
    for name, value in params.items():
        assert np.array_equal(s.params()[name], np.array(value)), name


def test_adding_a_point_appends_it_and_keeps_the_parameters_of_the_iteration(tmp_path):
    s = session()
    s.continue_(max_iterations=5)
    s.step_into()
    s.step_into()
    assert s.position == (6, 2)
    params, lr = saved_params(s, tmp_path)
    change = ds.add_point(s, (0.25, -0.75), 1)
    new = change.session
    assert np.array_equal(new.spec.dataset.x, [*XOR_X, [0.25, -0.75]])
    assert np.array_equal(new.spec.dataset.y, [*XOR_Y, 1])
    assert_starts_with(new, params, lr)
    assert new.spec.data == {
        "x": [*XOR_X, [0.25, -0.75]],
        "y": [*XOR_Y, 1],
    }
    assert "class 1 at (0.25, -0.75)" in change.message
    assert "parameters of iteration 6" in change.message
    assert s.position == (6, 2)  # the old session is left as it was


def test_a_learning_rate_edit_before_the_iteration_is_kept_and_momentum_starts_again(tmp_path):
    s = circles()
    s.continue_(max_iterations=3)
    s.step_into()
    s.edit("lr", None, 0.125)
    s.continue_(max_iterations=2)
    params, lr = saved_params(s, tmp_path)
    assert lr == 0.125
    new = ds.add_point(s, (0.0, 0.0), 0).session
    assert_starts_with(new, params, 0.125)
    assert "resume" not in new.spec.extra and "position" not in new.spec.view


def test_test_samples_stay_test_samples_and_the_file_reopens_the_same(tmp_path):
    s = circles()
    old = s.spec.dataset
    new = ds.delete_point(s, 7).session
    data = new.spec.dataset
    assert np.array_equal(data.x_test, old.x_test) and np.array_equal(data.y_test, old.y_test)
    assert np.array_equal(data.x, np.delete(old.x, 7, axis=0))
    assert np.array_equal(data.y, np.delete(old.y, 7))
    assert new.spec.data["test_fraction"] == len(old.x_test) / (len(old) + len(old.x_test) - 1)
    path = tmp_path / "edited.json"
    save_session(new.spec, path)
    reopened = load_session(path).dataset
    for name in ("x", "y", "x_test", "y_test"):
        assert np.array_equal(getattr(reopened, name), getattr(data, name)), name


def test_data_edits_up_to_the_current_stop_are_part_of_the_new_data():
    s = session()
    s.step_into()
    s.edit("x", 1, 0.5)  # sample 0's second feature
    s.step_into()
    s.step_into()
    s.edit("y", None, 0.0)  # sample 0's label
    x, y = ds.training_data(s)
    assert x[0].tolist() == [0.0, 0.5] and y[0] == 0.0
    s.step_back()  # before the label edit: the data as it was there
    x, y = ds.training_data(s)
    assert x[0].tolist() == [0.0, 0.5] and y[0] == 1.0
    new = ds.add_point(s, (2.0, 2.0), 1).session
    assert new.spec.dataset.x[0].tolist() == [0.0, 0.5]
    assert new.spec.dataset.y.tolist() == [1, 1, 0, 0, 1]
    assert new.history.edits == []


def test_a_full_batch_stays_full_and_a_smaller_batch_fits_the_data():
    full = session(training={"learning_rate": 0.5, "batch_size": 4})
    assert ds.add_point(full, (0.5, 0.5), 1).session.spec.batch_size == 5
    assert ds.delete_point(full, 0).session.spec.batch_size == 3
    three = session(training={"learning_rate": 0.5, "batch_size": 3})
    assert ds.add_point(three, (0.5, 0.5), 1).session.spec.batch_size == 3
    s = ds.delete_point(three, 0).session  # 3 samples: a batch of 3 is the whole set now
    assert s.spec.batch_size == 3
    assert ds.delete_point(s, 0).session.spec.batch_size == 2


def test_breakpoints_and_watches_carry_over_with_their_state():
    s = session()
    s.add_breakpoint(node="a[2]", phase="forward", hit_count=2)
    s.add_breakpoint(condition="loss > 0.5", enabled=False)
    s.disable_breakpoint(1)  # the non-finite breakpoint, off
    s.add_watch("norm(W[2])", name="w2")
    s.continue_()
    new = ds.delete_point(s, 3).session
    kinds = [
        (bp.kind, bp.node, bp.phase, bp.condition, bp.hit_count, bp.enabled, bp.hits)
        for bp in new.breakpoints
    ]
    assert kinds == [
        ("nonfinite", None, None, "nonfinite", None, False, 0),
        ("node", "a[2]", "forward", None, 2, True, 0),
        ("condition", None, None, "loss > 0.5", None, False, 0),
    ]
    assert [(w.name, w.text) for w in new.watches] == [("w2", "norm(W[2])")]


def test_regenerate_draws_the_next_seed_and_keeps_the_network(tmp_path):
    s = circles()
    s.continue_(max_iterations=4)
    params, lr = saved_params(s, tmp_path)
    change = ds.regenerate(s)
    new = change.session
    assert new.spec.data == {**s.spec.data, "seed": 4}
    assert not np.array_equal(new.spec.dataset.x, s.spec.dataset.x)
    assert len(new.spec.dataset) == 40 and len(new.spec.dataset.x_test) == 10
    assert_starts_with(new, params, lr)
    assert "seed 4" in change.message


def test_regenerate_refuses_data_that_was_not_generated():
    with pytest.raises(ValueError, match=r"Only a generated data set .* inline"):
        ds.regenerate(session())


def test_points_are_added_only_on_a_plane_of_class_data():
    three = {"sizes": [3, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"}
    s = session(network=three, params=None, data={"x": [[0, 0, 0], [1, 1, 1]], "y": [0, 1]})
    with pytest.raises(ValueError, match="two inputs; this network has 3"):
        ds.add_point(s, (0.0, 0.0), 1)
    regression = {"sizes": [2, 2, 1], "activations": ["tanh", "identity"], "loss": "squared_error"}
    r = session(network=regression, data={"x": XOR_X, "y": [0.5, 1, 0, 0]})
    with pytest.raises(ValueError, match="not all 0 or 1"):
        ds.add_point(r, (0.0, 0.0), 1)
    zero_one = session(network=regression, data={"x": XOR_X, "y": XOR_Y})
    added = ds.add_point(zero_one, (0.0, 0.0), 1).session
    assert added.spec.dataset.y[-1].tolist() == [1.0]


def test_cross_entropy_points_take_any_of_its_classes():
    net = {"sizes": [2, 3, 3], "activations": ["tanh", "softmax"], "loss": "cross_entropy"}
    s = session(network=net, params=None, data={"x": XOR_X, "y": [0, 1, 2, 1]})
    assert ds.point_classes(s) == 3
    assert ds.add_point(s, (0.5, 0.5), 2).session.spec.dataset.y.tolist() == [0, 1, 2, 1, 2]
    with pytest.raises(ValueError, match="class 3 is not one of"):
        ds.add_point(s, (0.5, 0.5), 3)


def test_the_last_training_sample_cannot_be_deleted():
    s = session(data={"x": [[0.0, 0.0]], "y": [1]})
    with pytest.raises(ValueError, match="last training sample"):
        ds.delete_point(s, 0)


def test_export_then_import_gives_the_same_training_samples(tmp_path):
    s = session(data={"x": [[0.1, 1e-300], [-2.5, 1 / 3], [0.0, -0.0]], "y": [1, 0, 1]})
    path = tmp_path / "data.csv"
    assert ds.export_csv(s, path) == 3
    new = ds.import_csv(s, path).session
    assert np.array_equal(new.spec.dataset.x, s.spec.dataset.x)
    assert np.array_equal(new.spec.dataset.y, s.spec.dataset.y)
    assert np.signbit(new.spec.dataset.x[2, 1])


def test_import_replaces_test_samples_too(tmp_path):
    path = tmp_path / "four.csv"
    path.write_text("a,b,label\n1,2,0\n3,4,1\n5,6,1\n7,8,0\n")
    change = ds.import_csv(circles(), path)
    data = change.session.spec.dataset
    assert data.x.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]] and len(data.x_test) == 0
    assert data.y.tolist() == [0, 1, 1, 0]
    assert "Imported 4 samples from four.csv (all for training" in change.message


def test_a_bad_csv_names_the_file_line_and_column(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("x1,x2,y\n0,0,0\n1,1,2\n")
    with pytest.raises(InputError) as e:
        ds.import_csv(session(), path)
    assert str(e.value) == "labels.csv: line 3, column 3 (y): expected 0 or 1 for bce, got 2"


def test_export_refuses_targets_of_several_outputs(tmp_path):
    net = {"sizes": [2, 2, 2], "activations": ["tanh", "identity"], "loss": "squared_error"}
    s = session(network=net, params=None, data={"x": XOR_X, "y": [[0, 1]] * 4})
    with pytest.raises(ValueError, match="2 targets per sample"):
        ds.export_csv(s, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()

"""Session.save writes a session file that opens exactly where the session was."""

from __future__ import annotations

import json

import numpy as np
import pytest
from debugging import NOTES_STOPS, assert_steps_equal, notes, notes_spec, walk

from bpdebugger.debugger import Session
from bpdebugger.engine.errors import InputError
from bpdebugger.engine.session import load_session, save_session


def reopen(s: Session, tmp_path, name: str = "saved.json") -> tuple[Session, dict]:
    path = tmp_path / name
    s.save(path)
    return Session.load(path), json.loads(path.read_text())


def test_a_fresh_session_saves_its_parameters_and_the_start(tmp_path):
    s = Session.from_demo("xor")
    loaded, obj = reopen(s, tmp_path)
    assert obj["view"]["position"] == [1, 0] and "resume" not in obj
    assert obj["notes"] == s.spec.notes
    for name, value in s.params().items():
        np.testing.assert_array_equal(obj["params"][name], value)
    assert loaded.position == (1, 0)
    assert_steps_equal(loaded.step_into(), s.step_into())


def test_a_session_reopens_at_its_position_with_its_parameters_and_edits(tmp_path):
    s = notes()
    s.edit("x", 1, 0.5)  # data edit before iteration 1: sample 0 for good
    s.continue_(max_iterations=6)
    walk(s, 3)
    s.edit("W[2]", (0, 0), 0.9)  # in iteration 7, at stop 3
    walk(s, 4)
    assert s.position == (7, 7)
    loaded, obj = reopen(s, tmp_path)
    assert obj["view"]["position"] == [7, 7]
    assert obj["resume"]["iteration"] == 7
    assert [e["name"] for e in obj["resume"]["edits"]] == ["x", "W[2]"]
    assert loaded.position == (7, 7)
    assert_steps_equal(loaded.current, s.current)
    # The saved parameters are those at the start of iteration 7.
    assert_steps_equal(loaded.goto(7, 1), s.goto(7, 1))
    for _ in range(2 * NOTES_STOPS):
        assert_steps_equal(loaded.step_into(), s.step_into())
    # Iteration 9 is sample 0 again, with the edited feature.
    loaded.run_to("z[2]", "forward")
    assert loaded.position == (10, 1)
    loaded.goto(9, 1)
    np.testing.assert_array_equal(loaded.current.batch.x, [[0.0], [0.5]])
    # Restart goes back to where the saved session starts, without the edit of iteration 7.
    loaded.restart()
    assert loaded.position == (7, 0) and loaded.history.edits == []
    with pytest.raises(ValueError, match="starts at iteration 7"):
        loaded.goto(6, 1)


def test_momentum_buffers_are_saved(tmp_path):
    s = Session(notes_spec(training={"learning_rate": 0.3, "momentum": 0.9, "batch_size": 2}))
    s.continue_(max_iterations=5)
    s.step_into()
    loaded, obj = reopen(s, tmp_path)
    assert set(obj["resume"]["velocity"]) == {"W[2]", "b[2]", "W[3]", "b[3]"}
    for _ in range(3 * NOTES_STOPS):
        assert_steps_equal(loaded.step_into(), s.step_into())


def test_an_edited_learning_rate_is_saved_as_the_rate(tmp_path):
    s = notes()
    s.continue_(max_iterations=2)
    s.edit("lr", None, 0.05)
    s.step_into()
    loaded, obj = reopen(s, tmp_path)
    assert obj["training"]["learning_rate"] == 0.05 and "edits" not in obj["resume"]
    assert loaded.position == (3, 1)
    assert loaded.run_to("W[3]").learning_rate == 0.05


def test_save_is_readable_by_the_engine_alone(tmp_path):
    s = notes()
    s.continue_(max_iterations=3)
    s.save(tmp_path / "s.json")
    spec = load_session(tmp_path / "s.json")
    # The parameters at the start of the position's iteration, 3.
    np.testing.assert_array_equal(spec.params["b[3]"], s.goto(3, 12).before)
    np.testing.assert_array_equal(spec.params["b[3]"], s.goto(2, 12).after)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"resume": {"iteration": 0}}, "resume.iteration"),
        ({"resume": []}, "resume"),
        ({"resume": {"velocity": {"W[2]": [[0, 0]]}}}, "resume.velocity"),
        (
            {"resume": {"velocity": {"W[2]": "a", "b[2]": 0, "W[3]": 0, "b[3]": 0}}},
            "resume.velocity.W[2]",
        ),
        ({"resume": {"edits": 3}}, "resume.edits"),
        ({"resume": {"edits": [{"iteration": 1}]}}, "resume.edits[0]"),
        (
            {
                "resume": {
                    "edits": [
                        {"iteration": 1, "index": 2, "name": "W[2]", "at": [5, 0], "value": 1}
                    ]
                }
            },
            "resume.edits",
        ),
        ({"view": {"position": [0, 1]}}, "view.position"),
        ({"view": {"position": [2, 0]}}, "view.position"),
        ({"view": {"position": [1, 15]}}, "view.position"),
    ],
)
def test_bad_resume_and_position_fields_name_the_file_and_field(tmp_path, change, field):
    spec = notes_spec()
    spec.extra.update({k: v for k, v in change.items() if k != "view"})
    spec.view.update(change.get("view", {}))
    path = tmp_path / "bad.json"
    save_session(spec, path)
    with pytest.raises(InputError) as e:
        Session.load(path)
    assert str(e.value).startswith(f"{path}: {field}")


def test_a_hand_written_position_ahead_of_the_start_is_run_to(tmp_path):
    spec = notes_spec()
    spec.view["position"] = [4, 2]
    path = tmp_path / "ahead.json"
    save_session(spec, path)
    s = Session.load(path)
    assert s.position == (4, 2) and len(s.metrics) == 3
    assert_steps_equal(s.current, walk(notes(), 3 * NOTES_STOPS + 2)[4, 2])


def test_a_window_s_view_is_saved_beside_the_position(tmp_path):
    s = Session.from_demo("xor")
    s.step_into()
    path = tmp_path / "s.json"
    s.save(path, view={"zoom": 1.5, "panels": ["gradients"]})
    view = json.loads(path.read_text())["view"]
    assert view == {"zoom": 1.5, "panels": ["gradients"], "position": [1, 1]}
    assert Session.load(path).spec.view["zoom"] == 1.5


def test_start_params_and_iteration_records_are_those_of_the_current_iteration():
    s = Session.from_demo("xor")
    before = {name: value.copy() for name, value in s.params().items()}
    s.continue_(max_iterations=1)  # through iteration 1: its updates change the parameters
    s.step_into()  # iteration 2, stop 1
    params, lr = s.start_params()
    assert lr == s.spec.learning_rate
    assert any(not np.array_equal(params[n], before[n]) for n in before)
    records = s.iteration_records()
    assert [(r.iteration, r.index) for r in records] == [(2, i) for i in range(1, 15)]
    assert_steps_equal(records[0], s.current)
    first_update = records[10]
    np.testing.assert_array_equal(first_update.before, params[first_update.node])

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


# --- breakpoints and watches ---------------------------------------------------------------


def breakpoint_fields(s: Session) -> list[tuple]:
    return [
        (bp.node, bp.phase, bp.condition, bp.hit_count, bp.iteration, bp.enabled, bp.hits)
        for bp in s.breakpoints
    ]


def test_breakpoints_and_watches_are_saved_and_opened_again(tmp_path):
    s = notes()
    s.disable_breakpoint(s.breakpoints[0])  # the built-in non-finite breakpoint
    s.add_breakpoint("z[3]", "backward", condition="norm(dW[3]) >  0.01", hit_count=2)
    s.add_breakpoint(condition="loss > prev_loss", enabled=False)
    s.add_breakpoint("W[2]", "update", iteration=4)
    s.add_watch("dz[2]")
    s.add_watch("norm(dW[2])", name="gradient")
    s.run_to("a[2]", "backward")  # its temporary breakpoint is not one of the session's
    loaded, obj = reopen(s, tmp_path)
    assert obj["breakpoints"] == [
        {"condition": "nonfinite", "enabled": False},
        {
            "node": "z[3]",
            "phase": "backward",
            "condition": "norm(dW[3]) > 0.01",
            "hit_count": 2,
            "iteration": None,
            "enabled": True,
            "hits": 1,
        },
        {
            "node": None,
            "phase": None,
            "condition": "loss > prev_loss",
            "hit_count": None,
            "iteration": None,
            "enabled": False,
            "hits": 0,
        },
        {
            "node": "W[2]",
            "phase": "update",
            "condition": None,
            "hit_count": None,
            "iteration": 4,
            "enabled": True,
            "hits": 0,
        },
    ]
    assert obj["watches"] == [
        {"text": "dz[2]", "name": "dz[2]"},
        {"text": "norm(dW[2])", "name": "gradient"},
    ]
    assert breakpoint_fields(loaded) == breakpoint_fields(s)
    assert [bp.kind for bp in loaded.breakpoints] == [bp.kind for bp in s.breakpoints]
    assert [(w.text, w.name) for w in loaded.watches] == [(w.text, w.name) for w in s.watches]
    # A watch records again from the stop the session opens at.
    values = loaded.watch_values()
    np.testing.assert_array_equal(values["dz[2]"], s.watch_values()["dz[2]"])
    assert values["gradient"] is None  # dW[2] comes at backward z[2], the next stop
    assert [(k, i) for k, i, _ in loaded.watch_series("dz[2]")] == [s.position]
    # The spec keeps no copy: the session's breakpoints are what the next save writes.
    assert "breakpoints" not in loaded.spec.extra and "watches" not in loaded.spec.extra
    loaded.remove_breakpoint(loaded.breakpoints[2])
    loaded.remove_watch("gradient")
    again, obj = reopen(loaded, tmp_path, "again.json")
    assert [bp["condition"] for bp in obj["breakpoints"]] == [
        "nonfinite",
        "norm(dW[3]) > 0.01",
        None,
    ]
    assert [w.name for w in again.watches] == ["dz[2]"]


def test_a_session_without_breakpoints_or_watches_saves_the_built_in_one(tmp_path):
    loaded, obj = reopen(notes(), tmp_path)
    assert obj["breakpoints"] == [{"condition": "nonfinite", "enabled": True}]
    assert obj["watches"] == []
    assert [(bp.kind, bp.enabled) for bp in loaded.breakpoints] == [("nonfinite", True)]


def test_loaded_breakpoints_stop_continue_where_the_original_does(tmp_path):
    s = notes()
    s.add_breakpoint("z[3]", "backward", hit_count=3)
    s.add_breakpoint(condition="loss > prev_loss")
    s.add_breakpoint("W[2]", "update", iteration=4)
    s.continue_(max_iterations=20)
    assert s.position == (3, 5) and s.breakpoints[1].hits == 2
    loaded, _ = reopen(s, tmp_path)
    # The hit count carries on from 2: the third hit is in this iteration, not 3 hits later.
    stops = []
    for session in (s, loaded):
        runs = [session.continue_(max_iterations=20) for _ in range(4)]
        stops.append([(step.iteration, step.index, step.phase, step.node) for step in runs])
        stops[-1].append(str(session.stop_reason))
    assert stops[0] == stops[1]
    assert stops[0][:3] == [
        (3, 8, "backward", "z[3]"),
        (4, 13, "update", "W[2]"),
        (5, 5, "forward", "l"),
    ]


def test_a_hand_written_breakpoint_needs_only_its_own_fields(tmp_path):
    spec = notes_spec()
    spec.extra["breakpoints"] = [{"node": "a[2]"}, {"condition": "nonfinite", "enabled": False}]
    spec.extra["watches"] = [{"text": "a[3]"}]
    path = tmp_path / "hand.json"
    save_session(spec, path)
    s = Session.load(path)
    assert breakpoint_fields(s) == [
        (None, None, "nonfinite", None, None, False, 0),
        ("a[2]", None, None, None, None, True, 0),
    ]
    assert s.continue_().node == "a[2]" and s.position == (1, 2)
    assert [(w.text, w.name) for w in s.watches] == [("a[3]", "a[3]")]


BAD_MARKS = [
    ("breakpoints", {"node": "a[2]"}, "breakpoints: expected a list, got an object"),
    ("breakpoints", ["a[2]"], 'breakpoints[0]: expected an object, got "a[2]"'),
    ("breakpoints", [{"node": "a[2]"}, {"condition": "loss >"}],
     "breakpoints[1].condition: missing a value after '>' at column 6"),
    ("breakpoints", [{"condition": "foo > 1"}], "breakpoints[0].condition: unknown name 'foo'"),
    ("breakpoints", [{"condition": "dz[2]"}],
     "breakpoints[0].condition: a condition must compare something, e.g. norm(dW[2]) < 1e-4"),
    ("breakpoints", [{"node": "z[9]"}], "breakpoints[0].node: unknown node 'z[9]': this network's "
     "nodes are z[2], a[2], z[3], a[3], l, W[3], b[3], W[2], b[2]"),
    ("breakpoints", [{"node": "W[2]", "phase": "forward"}],
     "breakpoints[0].node: W[2] is not a forward stop (it is one in: update)"),
    ("breakpoints", [{"node": "a[2]", "phase": "sideways"}],
     'breakpoints[0].phase: unknown phase "sideways" (known: forward, backward, update)'),
    ("breakpoints", [{"node": 3}], "breakpoints[0].node: expected a text or null, got 3"),
    ("breakpoints", [{"node": "a[2]", "hit_count": 0}],
     "breakpoints[0].hit_count: expected a whole number ≥ 1 or null, got 0"),
    ("breakpoints", [{"iteration": 2.5}],
     "breakpoints[0].iteration: expected a whole number ≥ 1 or null, got 2.5"),
    ("breakpoints", [{"node": "a[2]", "hits": -1}],
     "breakpoints[0].hits: expected a whole number ≥ 0 or null, got -1"),
    ("breakpoints", [{"node": "a[2]", "enabled": "yes"}],
     'breakpoints[0].enabled: expected true or false, got "yes"'),
    ("breakpoints", [{"enabled": True}],
     "breakpoints[0]: a breakpoint needs a node, a phase, a condition or an iteration"),
    ("breakpoints", [{"node": "a[2]", "conditon": "loss > 1"}],
     'breakpoints[0]: unknown field "conditon" (known: node, phase, condition, hit_count, '
     "iteration, enabled, hits)"),
    ("breakpoints", [{"condition": "nonfinite", "hit_count": 2}],
     "breakpoints[0].hit_count: the built-in non-finite breakpoint has no hit count"),
    ("watches", "dz[2]", 'watches: expected a list, got "dz[2]"'),
    ("watches", [{"name": "g"}], "watches[0].text: missing: the expression to watch"),
    ("watches", [{"text": "dz[2]["}], "watches[0].text: '[' at column 6 is never closed"),
    ("watches", [{"text": "dz[2]"}, {"text": "a[2]", "name": "dz[2]"}],
     "watches[1].name: there is a watch named 'dz[2]' already"),
    ("watches", [{"text": "dz[2]"}, {"text": "dz[2]"}],
     "watches[1]: there is a watch named 'dz[2]' already"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "expected"), BAD_MARKS)
def test_a_bad_breakpoint_or_watch_names_the_file_entry_and_field(
    tmp_path, monkeypatch, key, value, expected
):
    spec = notes_spec()
    spec.extra[key] = value
    save_session(spec, tmp_path / "session.json")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as e:
        Session.load("session.json")
    assert str(e.value) == f"session.json: {expected}"


def test_a_bad_edit_nested_deep_is_named_in_a_short_line(tmp_path):
    spec = notes_spec()
    deep: object = 1.0
    for _ in range(200):
        deep = [deep]
    spec.extra["resume"] = {"edits": [{"iteration": 1, "index": 1, "name": "x", "value": deep}]}
    path = tmp_path / "deep.json"
    save_session(spec, path)
    with pytest.raises(InputError) as e:
        Session.load(path)
    message = str(e.value)
    assert message.startswith(f"{path}: resume.edits[0]: not an edit: {{") and "'at'" in message
    assert len(message) < 300 + len(str(path))

"""Session files: the demo, save/load round trips, atomic saves, CSV paths, and every
bad input with the exact one-line message a user sees."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from helpers import NOTES_PARAMS, XOR_X, XOR_Y, notes_session

from bpdebugger.engine.demos import demo_names, load_demo
from bpdebugger.engine.errors import InputError
from bpdebugger.engine.session import SessionSpec, load_session, parse_session, save_session

DELETE = object()
# JSON reads the literal 1e999 as float("inf"); json.dumps would write Infinity instead.
OVERFLOW = "<1e999>"
# A whole number beyond float64: JSON reads it as a Python int that float() refuses.
HUGE_INT = "<10**400>"
NOTES_PARAMS_ARRAYS = {k: np.array(v) for k, v in NOTES_PARAMS.items()}


def edit(obj: dict, path: str, value: object) -> None:
    """Set (or with DELETE remove) the field at a dotted path, e.g. "network.sizes"."""
    *parents, last = path.split(".")
    for key in parents:
        obj = obj[key]
    if value is DELETE:
        del obj[last]
    else:
        obj[last] = value


def write_json(path: Path, obj: object) -> Path:
    text = json.dumps(obj, indent=2).replace(f'"{OVERFLOW}"', "1e999")
    text = text.replace(f'"{HUGE_INT}"', "1" + "0" * 400)
    path.write_text(text, encoding="utf-8")
    return path


def assert_same_session(a: SessionSpec, b: SessionSpec) -> None:
    assert (a.sizes, a.activations, a.loss) == (b.sizes, b.activations, b.loss)
    assert (a.init_scheme, a.init_seed) == (b.init_scheme, b.init_seed)
    assert (a.learning_rate, a.batch_size, a.shuffle, a.momentum) == (
        b.learning_rate,
        b.batch_size,
        b.shuffle,
        b.momentum,
    )
    assert a.data == b.data
    assert (a.notes, a.view, a.extra) == (b.notes, b.view, b.extra)
    assert (a.params is None) == (b.params is None)
    if a.params is not None:
        assert list(a.params) == list(b.params)
        for name in a.params:
            np.testing.assert_array_equal(a.params[name], b.params[name])
    for part in ("x", "y", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a.dataset, part), getattr(b.dataset, part))
    net_a, net_b = a.network().params(), b.network().params()
    for name in net_a:
        np.testing.assert_array_equal(net_a[name], net_b[name])


# --- the demo ----------------------------------------------------------------------------------


def test_xor_demo_is_the_notes_network_on_the_four_xor_points():
    spec = load_demo("xor")
    assert demo_names()[0] == "xor"
    assert spec.sizes == (2, 2, 1)
    assert spec.activations == ("tanh", "sigmoid")
    assert spec.loss == "bce"
    assert len(spec.dataset) == 4
    assert sorted(map(tuple, spec.dataset.x.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for x, y in zip(spec.dataset.x, spec.dataset.y, strict=True):
        assert y == float(x[0] != x[1])
    assert spec.notes  # narration for lecture mode
    net = spec.network()
    assert net.W[2].shape == (2, 2) and net.W[3].shape == (1, 2)


def test_xor_demo_is_reproducible():
    a, b = load_demo("xor").network(), load_demo("xor").network()
    for name, value in a.params().items():
        np.testing.assert_array_equal(value, b.param(name))


# --- round trips ---------------------------------------------------------------------------------


def test_demo_round_trips_through_save_and_load(tmp_path):
    spec = load_demo("xor")
    save_session(spec, tmp_path / "xor.json")
    assert_same_session(spec, load_session(tmp_path / "xor.json"))


def test_explicit_params_round_trip_to_the_bit(tmp_path):
    spec = load_demo("xor")
    trainer = spec.trainer()
    trainer.train(1, 7)
    trained = spec.with_params(trainer.net.params())
    save_session(trained, tmp_path / "trained.json")
    loaded = load_session(tmp_path / "trained.json")
    assert_same_session(trained, loaded)
    for name, value in trainer.net.params().items():
        np.testing.assert_array_equal(loaded.network().param(name), value)


def test_hand_written_session_round_trips(tmp_path):
    path = write_json(tmp_path / "notes.json", notes_session(notes={"forward z[2]": "hi"}))
    spec = load_session(path)
    for name, value in NOTES_PARAMS.items():
        np.testing.assert_array_equal(spec.params[name], value)
    save_session(spec, tmp_path / "again.json")
    again = load_session(tmp_path / "again.json")
    assert_same_session(spec, again)
    assert again.notes == {"forward z[2]": "hi"}


def test_generated_data_set_round_trips(tmp_path):
    data = {"dataset": "circles", "n": 40, "noise": 0.1, "seed": 3, "test_fraction": 0.25}
    spec = load_session(write_json(tmp_path / "c.json", notes_session(data=data)))
    assert (len(spec.dataset), len(spec.dataset.x_test)) == (30, 10)
    save_session(spec, tmp_path / "c2.json")
    assert_same_session(spec, load_session(tmp_path / "c2.json"))


def test_unknown_top_level_fields_survive_a_round_trip(tmp_path):
    obj = notes_session(view={"zoom": 2}, future={"anything": [1, 2]})
    spec = load_session(write_json(tmp_path / "s.json", obj))
    save_session(spec, tmp_path / "t.json")
    saved = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert saved["future"] == {"anything": [1, 2]}
    assert saved["view"] == {"zoom": 2}
    assert saved["format"] == "bpdebugger-session/1"


# --- atomic saves --------------------------------------------------------------------------------


def test_save_leaves_no_temporary_file(tmp_path):
    save_session(load_demo("xor"), tmp_path / "s.json")
    save_session(load_demo("xor"), tmp_path / "s.json")  # over an existing file too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_failed_save_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "s.json"
    save_session(load_demo("xor"), target)
    old = target.read_bytes()

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    trained = load_demo("xor").with_params({k: v + 1 for k, v in NOTES_PARAMS_ARRAYS.items()})
    with pytest.raises(InputError, match="No space left on device"):
        save_session(trained, target)
    assert target.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_saved_file_gets_the_permissions_of_any_new_file(tmp_path):
    # A temporary file from tempfile is private (0600) and a rename would keep that;
    # a saved session must be as readable as any file the user creates (the umask decides).
    old = os.umask(0o022)
    try:
        (tmp_path / "ordinary.txt").write_text("x", encoding="utf-8")
        save_session(load_demo("xor"), tmp_path / "s.json")
    finally:
        os.umask(old)
    mode = (tmp_path / "s.json").stat().st_mode & 0o777
    assert mode == (tmp_path / "ordinary.txt").stat().st_mode & 0o777


def test_saving_over_a_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "s.json"
    save_session(load_demo("xor"), target)
    target.chmod(0o600)
    save_session(load_demo("xor"), target)
    assert target.stat().st_mode & 0o777 == 0o600


def test_the_contract_example_session_loads():
    spec = parse_session(CONTRACT_EXAMPLE)
    assert spec.sizes == (2, 2, 1)
    np.testing.assert_array_equal(spec.network().W[3], [[0.5, -0.6]])
    np.testing.assert_array_equal(spec.dataset.y, [0, 0])
    assert (spec.learning_rate, spec.batch_size, spec.shuffle, spec.momentum) == (0.5, 1, False, 0)


CONTRACT_EXAMPLE = json.loads("""
{
  "format": \"bpdebugger-session/1\",
  "network": {"sizes": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
  "params": {"W[2]": [[0.1, -0.2], [0.3, 0.4]], "b[2]": [0.0, 0.0],
             "W[3]": [[0.5, -0.6]], "b[3]": [0.1]},
  "init": {"scheme": "xavier", "seed": 0},
  "training": {"learning_rate": 0.5, "batch_size": 1, "shuffle": false, "momentum": 0.0},
  "data": {"x": [[0.0, 0.0], [1.0, 1.0]], "y": [0, 0]}
}
""")


# --- CSV paths relative to the session file -------------------------------------------------------

CSV_TEXT = "x1,x2,y\n0,1,1\n1,0,1\n0,0,0\n1,1,0\n"


@pytest.fixture
def csv_session(tmp_path):
    """tmp/a/session.json reading "data/pts.csv", i.e. tmp/a/data/pts.csv."""
    folder = tmp_path / "a"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "pts.csv").write_text(CSV_TEXT, encoding="utf-8")
    obj = notes_session(data={"csv": "data/pts.csv"})
    return write_json(folder / "session.json", obj)


def test_relative_csv_path_resolves_against_the_session_file(csv_session, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the session's folder
    spec = load_session(csv_session)
    np.testing.assert_array_equal(spec.dataset.x, XOR_X)
    np.testing.assert_array_equal(spec.dataset.y, XOR_Y)


def test_csv_path_is_written_relative_to_the_folder_saved_in(csv_session, tmp_path):
    spec = load_session(csv_session)
    (tmp_path / "b").mkdir()
    save_session(spec, tmp_path / "b" / "moved.json")
    save_session(spec, tmp_path / "a" / "copy.json")
    moved = json.loads((tmp_path / "b" / "moved.json").read_text(encoding="utf-8"))
    copy = json.loads((tmp_path / "a" / "copy.json").read_text(encoding="utf-8"))
    assert moved["data"]["csv"] == os.path.join("..", "a", "data", "pts.csv")
    assert copy["data"]["csv"] == os.path.join("data", "pts.csv")
    assert_same_session(spec, load_session(tmp_path / "b" / "moved.json"))


# --- bad input: one exact line each ---------------------------------------------------------------


def ce3(y):
    """A 3-class softmax classifier on the four XOR points with labels y."""

    def mutate(obj):
        obj["network"] = {"sizes": [2, 3], "activations": ["softmax"], "loss": "cross_entropy"}
        del obj["params"]
        obj["data"]["y"] = y

    return mutate


def setting(path, value):
    return lambda obj: edit(obj, path, value)


LOSS_NAMES = "bce, squared_error, cross_entropy"
DATASET_NAMES = "xor, circles, moons, spiral, gaussians, linear"
ACTIVATION_NAMES = "tanh, sigmoid, relu, leaky_relu, identity, softmax"

BAD_SESSIONS = [
    ("format missing", setting("format", DELETE),
     "format: missing; expected \"bpdebugger-session/1\""),
    ("format wrong", setting("format", "bpdebugger-session/2"),
     "format: expected \"bpdebugger-session/1\", got \"bpdebugger-session/2\""),
    ("network missing", setting("network", DELETE), "network: missing"),
    ("network not an object", setting("network", [2, 2, 1]),
     "network: expected an object, got a list of 3 values"),
    ("one layer", setting("network.sizes", [2]),
     "network.sizes: expected at least 2 layers, got [2]"),
    ("sizes not a list", setting("network.sizes", "2,2,1"),
     "network.sizes: expected a list of layer widths, got \"2,2,1\""),
    ("layer of width 0", setting("network.sizes", [2, 0, 1]),
     "network.sizes[1]: a layer needs 1 to 4096 units, got 0"),
    ("width not whole", setting("network.sizes", [2, 2.5, 1]),
     "network.sizes[1]: expected a whole number, got 2.5"),
    ("too few activations", setting("network.activations", ["sigmoid"]),
     "network.activations: expected 2 (one per layer after the input), got 1"),
    ("too many activations", setting("network.activations", ["tanh", "tanh", "sigmoid"]),
     "network.activations: expected 2 (one per layer after the input), got 3"),
    ("unknown activation", setting("network.activations", ["tanhh", "sigmoid"]),
     f"network.activations[0]: unknown activation \"tanhh\" (known: {ACTIVATION_NAMES})"),
    ("activation not a name", setting("network.activations", [["tanh"], "sigmoid"]),
     "network.activations[0]: expected an activation name, got a list of 1 value"),
    ("softmax hidden", setting("network.activations", ["softmax", "sigmoid"]),
     "network.activations[0]: softmax is allowed on the output layer only"),
    ("unknown loss", setting("network.loss", "mse"),
     f"network.loss: unknown loss \"mse\" (known: {LOSS_NAMES})"),
    ("loss missing", setting("network.loss", DELETE),
     f"network.loss: missing (known: {LOSS_NAMES})"),
    ("loss not a name", setting("network.loss", ["bce"]),
     f"network.loss: expected a loss name (known: {LOSS_NAMES}), got a list of 1 value"),
    ("bce on tanh", setting("network.activations", ["tanh", "tanh"]),
     "network.loss: bce needs one sigmoid output unit, got 1 tanh output unit(s)"),
    ("bce on two outputs",
     lambda o: (edit(o, "network.sizes", [2, 2, 2]), edit(o, "params", DELETE)),
     "network.loss: bce needs one sigmoid output unit, got 2 sigmoid output unit(s)"),
    ("cross_entropy on sigmoid",
     lambda o: (edit(o, "network.loss", "cross_entropy"), edit(o, "network.sizes", [2, 2, 3]),
                edit(o, "params", DELETE)),
     "network.loss: cross_entropy needs a softmax output of at least 2 units, got 3 sigmoid"),
    ("cross_entropy on one softmax unit",
     lambda o: (edit(o, "network.loss", "cross_entropy"),
                edit(o, "network.activations", ["tanh", "softmax"])),
     "network.loss: cross_entropy needs a softmax output of at least 2 units, got 1 softmax"),
    ("W wrong shape", setting("params.W[2]", [[0.1, 0.2]]),
     "params.W[2]: expected shape 2×2, got 1×2"),
    ("W transposed as in the notes' slip", setting("params.W[3]", [[0.5], [-0.6]]),
     "params.W[3]: expected shape 1×2, got 2×1"),
    ("b wrong shape", setting("params.b[3]", [0.1, 0.2]),
     "params.b[3]: expected shape 1, got 2"),
    ("unknown param", setting("params.W[4]", [[1.0]]),
     "params: unknown parameter \"W[4]\" (this network has W[2], b[2], W[3], b[3])"),
    ("missing param", setting("params.b[2]", DELETE),
     "params.b[2]: missing; give every W[l] and b[l], or leave params out"),
    ("param text", setting("params.W[2]", [[0.1, -0.2], ["x", 0.4]]),
     'params.W[2][1][0]: expected a number, got "x"'),
    ("param true", setting("params.b[2]", [0.0, True]),
     "params.b[2][1]: expected a number, got true"),
    ("param null", setting("params.b[2]", [0.0, None]),
     "params.b[2][1]: expected a number, got null"),
    ("param overflows to infinity", setting("params.b[3]", [OVERFLOW]),
     "params.b[3][0]: expected a finite number, got Infinity"),
    ("data missing", setting("data", DELETE), "data: missing"),
    ("sample text", setting("data.x", [[0, 1], [1, "a"], [0, 0], [1, 1]]),
     'data.x[1][1]: expected a number, got "a"'),
    ("sample overflows to infinity", setting("data.x", [[0, OVERFLOW], [1, 0], [0, 0], [1, 1]]),
     "data.x[0][1]: expected a finite number, got Infinity"),
    ("samples too wide", setting("data.x", [[0, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 0]]),
     "data.x: expected 2 numbers per sample (one per input), got 3 in every sample"),
    ("one sample too wide", setting("data.x", [[0, 1], [1, 0, 0], [0, 0], [1, 1]]),
     "data.x[1]: expected 2 numbers (one per input), got 3"),
    ("no samples", lambda o: o["data"].update(x=[], y=[]),
     "data.x: expected at least one sample, got an empty list"),
    ("labels missing", setting("data.y", DELETE),
     'data.y: missing; inline data needs "x" and "y"'),
    ("bce label 0.5", setting("data.y", [1, 0.5, 0, 0]),
     "data.y[1]: expected 0 or 1 for bce, got 0.5"),
    ("class 3 of 3", ce3([0, 1, 2, 3]),
     "data.y[3]: expected a class index, a whole number from 0 to 2, got 3"),
    ("class 1.5", ce3([0, 1.5, 2, 1]),
     "data.y[1]: expected a class index, a whole number from 0 to 2, got 1.5"),
    ("inline test fraction 1", setting("data.test_fraction", 1),
     "data.test_fraction: must be in [0, 1), got 1"),
    ("inline split seed text", setting("data.seed", "x"),
     "data.seed: expected a whole number, got \"x\""),
    ("unknown data set", setting("data", {"dataset": "donut"}),
     f"data.dataset: unknown data set \"donut\" (known: {DATASET_NAMES})"),
    ("learning rate zero", setting("training.learning_rate", 0),
     "training.learning_rate: must be positive, got 0"),
    ("learning rate negative", setting("training.learning_rate", -0.5),
     "training.learning_rate: must be positive, got -0.5"),
    ("learning rate text", setting("training.learning_rate", "0.1"),
     "training.learning_rate: expected a finite number, got \"0.1\""),
    ("batch size zero", setting("training.batch_size", 0),
     "training.batch_size: must be at least 1, got 0"),
    ("batch larger than the data", setting("training.batch_size", 5),
     "training.batch_size: 5 is larger than the 4 training samples"),
    ("batch size not whole", setting("training.batch_size", 1.5),
     "training.batch_size: expected a whole number, got 1.5"),
    ("momentum one", setting("training.momentum", 1),
     "training.momentum: must be in [0, 1), got 1"),
    ("momentum negative", setting("training.momentum", -0.1),
     "training.momentum: must be in [0, 1), got -0.1"),
    ("shuffle text", setting("training.shuffle", "yes"),
     "training.shuffle: expected true or false, got \"yes\""),
    ("shuffle number", setting("training.shuffle", 1),
     "training.shuffle: expected true or false, got 1"),
    ("unknown init scheme", setting("init.scheme", "glorot"),
     "init.scheme: unknown scheme \"glorot\" (known: xavier, he, uniform, zeros)"),
    ("negative seed", setting("init.seed", -1), "init.seed: must be at least 0, got -1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "expected"), [case[1:] for case in BAD_SESSIONS], ids=[c[0] for c in BAD_SESSIONS]
)
def test_bad_session_gives_one_exact_line(tmp_path, monkeypatch, mutate, expected):
    obj = notes_session()
    mutate(obj)
    write_json(tmp_path / "session.json", obj)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_session("session.json")
    assert str(info.value) == f"session.json: {expected}"


BEYOND_FLOAT = [
    ("learning rate", setting("training.learning_rate", HUGE_INT),
     "training.learning_rate: expected a finite number"),
    ("momentum", setting("training.momentum", HUGE_INT),
     "training.momentum: expected a finite number"),
    ("param", setting("params.b[3]", [HUGE_INT]), "params.b[3][0]: expected a finite number"),
    ("sample", setting("data.x", [[0, HUGE_INT], [1, 0], [0, 0], [1, 1]]),
     "data.x[0][1]: expected a finite number"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "expected"), [case[1:] for case in BEYOND_FLOAT], ids=[c[0] for c in BEYOND_FLOAT]
)
def test_whole_number_beyond_float64_is_bad_input_not_a_crash(
    tmp_path, monkeypatch, mutate, expected
):
    # How the 401-digit number is shown is left open; the line must name the field.
    obj = notes_session()
    mutate(obj)
    write_json(tmp_path / "session.json", obj)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_session("session.json")
    assert str(info.value).startswith(f"session.json: {expected}, got ")
    assert "\n" not in str(info.value)


BAD_TEXTS = [
    ("not JSON", '{\n  "format": ,\n}', "not valid JSON: Expecting value at line 2, column 13"),
    ("not an object", "[1, 2]", "expected a JSON object at the top level, got a list of 2 values"),
    ("empty", "", "the file is empty"),
    ("only blank lines", "\n  \n", "the file is empty"),
    ("cut after a number", '{\n  "format": "bpdebugger-session/1",\n  "network": {"sizes": [2\n',
     "the file ends early (truncated?): Expecting ',' delimiter at line 4, column 1"),
    ("cut after a comma", '{"format": "bpdebugger-session/1",',
     "the file ends early (truncated?): Expecting property name enclosed in double quotes "
     "at line 1, column 35"),
    ("cut inside a text", '{\n  "format": "bpdebugger-sess',
     "the file ends early (truncated?): Unterminated string starting at line 2, column 13"),
    ("cut inside a number", '{"params": {"b[3]": [1e',
     "the file ends early (truncated?): Expecting ',' delimiter at line 1, column 23"),
    ("cut inside true", '{"training": {"shuffle": tr',
     "the file ends early (truncated?): Expecting value at line 1, column 26"),
    ("cut inside an escape", '{"notes": {"l": "\\u20',
     "the file ends early (truncated?): Invalid \\uXXXX escape at line 1, column 19"),
    ("plain text", "hello", "not valid JSON: Expecting value at line 1, column 1"),
    ("a control character", '{"format": "bpdebugger\tsession/1"}',
     "not valid JSON: Invalid control character at line 1, column 23"),
    ("extra text after the object", '{"format": 1} x',
     "not valid JSON: Extra data at line 1, column 15"),
    ("nested too deeply", "[" * 100_000 + "]" * 100_000, "not valid JSON: nested too deeply"),
    ("NaN in params", json.dumps(notes_session()).replace("0.1, -0.2", "NaN, -0.2"),
     "params.W[2][0][0]: expected a finite number, got NaN"),
    ("Infinity in data", json.dumps(notes_session()).replace("[0.0, 1.0]", "[Infinity, 1.0]"),
     "data.x[0][0]: expected a finite number, got Infinity"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in BAD_TEXTS], ids=[c[0] for c in BAD_TEXTS]
)
def test_unparsable_session_gives_one_exact_line(tmp_path, monkeypatch, text, expected):
    (tmp_path / "session.json").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_session("session.json")
    assert str(info.value) == f"session.json: {expected}"


def test_parameters_nested_hundreds_deep_are_bad_input_not_a_crash(tmp_path, monkeypatch):
    # Deep enough to pass json's own limit yet exhaust the stack if measured recursively.
    obj = notes_session()
    obj["params"]["b[3]"] = "<deep>"
    text = json.dumps(obj).replace('"<deep>"', "[" * 900 + "]" * 900)
    (tmp_path / "session.json").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_session("session.json")
    assert str(info.value) == (
        "session.json: params.b[3]: expected numbers in nested lists of equal lengths"
    )


def test_missing_session_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_session("session.json")
    assert str(info.value) == "session.json: no such file"


def test_session_path_that_is_a_folder(tmp_path, monkeypatch):
    (tmp_path / "session.json").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_session("session.json")
    assert str(info.value) == "session.json: is a directory, not a session file"


def test_unreadable_session_file(tmp_path, monkeypatch):
    write_json(tmp_path / "session.json", notes_session())
    monkeypatch.chdir(tmp_path)

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)
    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(InputError) as info:
        load_session("session.json")
    assert str(info.value) == "session.json: cannot read: Permission denied"


def test_session_file_that_is_not_text(tmp_path, monkeypatch):
    (tmp_path / "session.json").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_session("session.json")
    assert str(info.value) == "session.json: not a text file (not UTF-8)"


def test_generated_data_set_with_the_wrong_number_of_features(tmp_path, monkeypatch):
    obj = notes_session(data={"dataset": "xor", "n": 20})
    obj["network"]["sizes"] = [3, 2, 1]
    del obj["params"]
    write_json(tmp_path / "session.json", obj)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        load_session("session.json")
    assert (
        str(info.value)
        == "session.json: data.dataset: xor has 2 features but the network has 3 inputs"
    )


def test_parse_session_without_a_file_names_only_the_field():
    obj = notes_session()
    obj["network"]["sizes"] = [2]
    with pytest.raises(InputError) as info:
        parse_session(obj)
    assert str(info.value) == "network.sizes: expected at least 2 layers, got [2]"


# --- bad CSV data: the CSV file as the session wrote it, its line and column -------------------

BAD_CSVS = [
    ("malformed number", "x1,x2,y\n0,1,1\n1,abc,0\n",
     "line 3, column 2 (x2): expected a number, got 'abc'"),
    ("non-finite number", "x1,x2,y\n0,1,1\n1,nan,0\n",
     "line 3, column 2 (x2): expected a finite number, got 'nan'"),
    ("short row", "x1,x2,y\n0,1,1\n1,0\n", "line 3: expected 3 columns, found 2"),
    ("label not 0 or 1", "x1,x2,y\n0,1,1\n1,0,0.5\n",
     "line 3, column 3 (y): expected 0 or 1 for bce, got 0.5"),
    ("too many features", "x1,x2,x3,y\n0,1,1,1\n1,0,1,0\n",
     "line 1: 3 feature columns and a label, but the network has 2 inputs: expected 3 columns"),
    ("no rows", "x1,x2,y\n", "no samples: the file has a header row but no data rows"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in BAD_CSVS], ids=[c[0] for c in BAD_CSVS]
)
def test_bad_csv_names_the_file_line_and_column(tmp_path, text, expected):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "pts.csv").write_text(text, encoding="utf-8")
    path = write_json(tmp_path / "session.json", notes_session(data={"csv": "data/pts.csv"}))
    with pytest.raises(InputError) as info:
        load_session(path)
    assert str(info.value) == f"data/pts.csv: {expected}"


def test_missing_csv_names_the_file_and_where_it_was_looked_for(tmp_path):
    path = write_json(tmp_path / "session.json", notes_session(data={"csv": "data/missing.csv"}))
    with pytest.raises(InputError) as info:
        load_session(path)
    where = tmp_path.resolve() / "data" / "missing.csv"
    assert str(info.value) == f"data/missing.csv: no such file: {where}"

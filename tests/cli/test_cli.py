"""The command line: trace in every format, train, demos, and bad input (exit 2, one line)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import notes_session

from bpdebugger.cli import main
from bpdebugger.engine.demos import load_demo
from bpdebugger.engine.session import load_session

NOTES_ORDER = [
    ("forward", "z[2]"), ("forward", "a[2]"), ("forward", "z[3]"), ("forward", "a[3]"),
    ("forward", "l"), ("backward", "l"), ("backward", "a[3]"), ("backward", "z[3]"),
    ("backward", "a[2]"), ("backward", "z[2]"), ("update", "W[3]"), ("update", "b[3]"),
    ("update", "W[2]"), ("update", "b[2]"),
]  # fmt: skip
PARAMS = ["W[2]", "b[2]", "W[3]", "b[3]"]
COLUMNS = ["iteration", "index", "phase", "node", "op", "value", "upstream", "local", "downstream"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def trace_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, "trace", "--format", "json", *argv)
    assert (code, err) == (0, "")
    return json.loads(out)


def first_pass():
    """The xor demo's first iteration computed with the engine directly."""
    spec = load_demo("xor")
    trainer = spec.trainer()
    batch = trainer.batch(1)
    return spec, batch, trainer.net.run(batch.x, batch.t)


# --- trace: table ---------------------------------------------------------------------------


def table_rows(out: str) -> list[list[str]]:
    lines = out.splitlines()
    assert lines[0].split() == COLUMNS
    assert set(lines[1].replace(" ", "")) == {"-"}
    return [line.split() for line in lines[2:]]


def test_trace_table_has_one_row_per_stop_in_order(capsys):
    code, out, err = run(capsys, "trace")
    assert (code, err) == (0, "")
    rows = table_rows(out)
    assert [(r[2], r[3]) for r in rows] == NOTES_ORDER
    assert [r[1] for r in rows] == [str(i) for i in range(1, 15)]
    assert {r[0] for r in rows} == {"1"}


def test_trace_table_of_two_iterations_numbers_each_from_one(capsys):
    code, out, _ = run(capsys, "trace", "--iterations", "2")
    rows = table_rows(out)
    assert code == 0
    assert [(r[0], r[1]) for r in rows] == [(str(k), str(i)) for k in (1, 2) for i in range(1, 15)]
    assert [(r[2], r[3]) for r in rows] == NOTES_ORDER * 2


# --- trace: JSON ------------------------------------------------------------------------------


def test_trace_json_follows_the_contract(capsys):
    trace = trace_json(capsys)
    assert trace["format"] == "bpdebugger-trace/1"
    assert trace["network"] == {
        "sizes": [2, 2, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "bce",
    }
    (it,) = trace["iterations"]
    assert it["iteration"] == 1
    assert set(it) >= {
        "iteration",
        "batch",
        "params_before",
        "loss",
        "grads",
        "params_after",
        "steps",
    }
    assert set(it["batch"]) >= {"x", "y"}
    assert len(it["batch"]["x"]) == 1 and len(it["batch"]["x"][0]) == 2  # B rows of n1 numbers
    for key in ("params_before", "grads", "params_after"):
        assert list(it[key]) == PARAMS
    steps = it["steps"]
    assert [(s["phase"], s["node"]) for s in steps] == NOTES_ORDER
    assert [s["index"] for s in steps] == list(range(1, 15))
    assert [s["op"] for s in steps] == ["linear", "tanh", "linear", "sigmoid", "bce", "bce",
                                        "sigmoid", "linear", "tanh", "linear", "sgd", "sgd", "sgd",
                                        "sgd"]  # fmt: skip
    inputs_of = {"l": ["a[3]"], "a[3]": ["z[3]"], "z[3]": ["a[2]", "W[3]", "b[3]"],
                 "a[2]": ["z[2]"], "z[2]": ["a[1]", "W[2]", "b[2]"]}  # fmt: skip
    for s in steps:
        if s["phase"] == "forward":
            assert "output" in s
        elif s["phase"] == "backward":
            assert {"upstream", "local", "downstream"} <= set(s)
            assert sorted(s["local"]) == sorted(inputs_of[s["node"]])
            assert sorted(s["downstream"]) == sorted(inputs_of[s["node"]])
        else:
            assert {"before", "after"} <= set(s)


def test_trace_json_writes_vectors_flat_and_matrices_as_rows(capsys):
    steps = {(s["phase"], s["node"]): s for s in trace_json(capsys)["iterations"][0]["steps"]}
    assert np.shape(steps["forward", "z[2]"]["output"]) == (2,)
    assert steps["backward", "l"]["upstream"] == 1.0
    assert np.shape(steps["backward", "a[3]"]["local"]["z[3]"]) == (1, 1)
    assert np.shape(steps["backward", "a[2]"]["local"]["z[2]"]) == (2, 2)  # full Jacobian
    assert steps["backward", "a[2]"]["local"]["z[2]"][0][1] == 0.0  # diagonal
    assert np.shape(steps["backward", "z[3]"]["local"]["a[2]"]) == (1, 2)  # W[3]
    assert np.shape(steps["backward", "z[3]"]["downstream"]["W[3]"]) == (1, 2)
    assert np.shape(steps["backward", "z[3]"]["downstream"]["b[3]"]) == (1,)
    assert np.shape(steps["update", "W[2]"]["before"]) == (2, 2)
    assert np.shape(steps["update", "b[2]"]["after"]) == (2,)


def test_trace_json_numbers_match_the_engine(capsys):
    it = trace_json(capsys)["iterations"][0]
    spec, batch, p = first_pass()
    net = spec.network()
    assert it["batch"]["x"] == batch.x.T.tolist()
    assert it["batch"]["y"] == batch.y.tolist()
    assert it["loss"] == p.loss
    for l in (2, 3):
        assert it["params_before"][f"W[{l}]"] == net.W[l].tolist()
        assert it["params_before"][f"b[{l}]"] == net.b[l].tolist()
        assert it["grads"][f"W[{l}]"] == p.dW[l].tolist()
        assert it["grads"][f"b[{l}]"] == p.db[l].tolist()
        np.testing.assert_allclose(
            it["params_after"][f"W[{l}]"], net.W[l] - spec.learning_rate * p.dW[l], rtol=1e-15
        )
        np.testing.assert_allclose(
            it["params_after"][f"b[{l}]"], net.b[l] - spec.learning_rate * p.db[l], rtol=1e-15
        )
    steps = {(s["phase"], s["node"]): s for s in it["steps"]}
    assert steps["forward", "z[2]"]["output"] == p.z[2][:, 0].tolist()
    assert steps["forward", "a[3]"]["output"] == p.a[3][:, 0].tolist()
    assert steps["forward", "l"]["output"] == p.loss
    assert steps["backward", "a[3]"]["downstream"]["z[3]"] == p.dz[3][:, 0].tolist()
    assert steps["backward", "z[2]"]["downstream"]["W[2]"] == p.dW[2].tolist()
    assert steps["backward", "z[2]"]["downstream"]["a[1]"] == p.da[1][:, 0].tolist()
    assert steps["update", "W[3]"]["after"] == it["params_after"]["W[3]"]


def test_trace_json_iterations_chain_their_parameters(capsys):
    iterations = trace_json(capsys, "--iterations", "3")["iterations"]
    assert [it["iteration"] for it in iterations] == [1, 2, 3]
    for before, after in itertools.pairwise(iterations):
        assert after["params_before"] == before["params_after"]
    for it in iterations:
        assert [s["index"] for s in it["steps"]] == list(range(1, 15))
    # without shuffling, iteration k takes sample k of the file
    spec = load_demo("xor")
    assert [it["batch"]["x"] for it in iterations] == [[row] for row in spec.dataset.x[:3].tolist()]


# --- trace: Markdown and CSV ------------------------------------------------------------------


def markdown_cells(line: str) -> list[str]:
    assert line.startswith("| ") and line.endswith(" |"), line
    return [c.strip() for c in re.split(r"(?<!\\)\|", line[1:-1])]


def test_trace_markdown_is_a_valid_table(capsys):
    code, out, _ = run(capsys, "trace", "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 + 14
    assert markdown_cells(lines[0]) == COLUMNS
    assert re.fullmatch(r"\|(\s*:?-{3,}:?\s*\|){9}", lines[1])
    rows = [markdown_cells(line) for line in lines[2:]]
    assert all(len(r) == 9 for r in rows)
    assert [(r[2], r[3]) for r in rows] == NOTES_ORDER


def test_trace_csv_parses_and_keeps_full_precision(capsys):
    code, out, _ = run(capsys, "trace", "--format", "csv")
    assert code == 0
    reader = csv.DictReader(io.StringIO(out))
    assert reader.fieldnames == COLUMNS
    rows = {(r["phase"], r["node"]): r for r in reader}
    assert list(rows) == NOTES_ORDER
    spec, _, p = first_pass()
    net = spec.network()
    assert float(rows["forward", "l"]["value"]) == p.loss
    assert json.loads(rows["forward", "z[2]"]["value"]) == p.z[2][:, 0].tolist()
    assert json.loads(rows["forward", "a[2]"]["value"]) == p.a[2][:, 0].tolist()
    assert json.loads(rows["backward", "z[3]"]["upstream"]) == p.dz[3][:, 0].tolist()
    before, after = rows["update", "W[3]"]["value"].split(" → ")
    assert json.loads(before) == net.W[3].tolist()
    assert json.loads(after) == (net.W[3] - spec.learning_rate * p.dW[3]).tolist()


# --- train ------------------------------------------------------------------------------------


def test_train_prints_loss_and_accuracy_and_saves_the_trained_session(capsys, tmp_path):
    out_file = tmp_path / "trained.json"
    code, out, err = run(capsys, "train", "--epochs", "3", "--out", str(out_file))
    assert (code, err) == (0, "")
    match = re.search(r"^train loss (\S+)\s+accuracy (\d+(?:\.\d+)?)%", out, re.MULTILINE)
    assert match, out
    spec = load_demo("xor")
    trainer = spec.trainer()
    trainer.train(1, 3 * len(spec.dataset))  # batch size 1: an epoch is 4 iterations
    loss, accuracy = trainer.evaluate(spec.dataset.x, spec.dataset.y)
    assert float(match.group(1)) == pytest.approx(loss, rel=1e-5)
    assert float(match.group(2)) == pytest.approx(100 * accuracy, abs=0.05)
    saved = load_session(out_file)
    assert saved.params is not None
    for name, value in trainer.net.params().items():
        np.testing.assert_array_equal(saved.params[name], value)
    assert (saved.sizes, saved.learning_rate) == (spec.sizes, spec.learning_rate)


def test_train_a_session_file_with_batches(capsys, tmp_path):
    session = tmp_path / "s.json"
    session.write_text(json.dumps(notes_session(training={"batch_size": 3})), encoding="utf-8")
    out_file = str(tmp_path / "o.json")
    code, _, err = run(
        capsys, "train", "--session", str(session), "--epochs", "2", "--out", out_file
    )
    assert (code, err) == (0, "")
    spec = load_session(session)
    trainer = spec.trainer()
    trainer.train(1, 3)  # ⌈2 epochs · 4 samples / 3⌉
    saved = load_session(tmp_path / "o.json")
    for name, value in trainer.net.params().items():
        np.testing.assert_array_equal(saved.params[name], value)


def test_diverging_training_names_the_node_and_writes_nothing(capsys, tmp_path):
    obj = notes_session(
        network={"sizes": [1, 1], "activations": ["identity"], "loss": "squared_error"},
        params={"W[2]": [[1.0]], "b[2]": [0.0]},
        training={"learning_rate": 1e200},
        data={"x": [[1.0]], "y": [0.0]},
    )
    session = tmp_path / "diverges.json"
    session.write_text(json.dumps(obj), encoding="utf-8")
    out_file = tmp_path / "out.json"
    argv = ["train", "--session", str(session), "--epochs", "5", "--out", str(out_file)]
    code, _, err = run(capsys, *argv)
    assert code != 0
    assert err.count("\n") == 1 and err.endswith("\n")
    assert "Traceback" not in err
    # w, b → −1e200 after the first update; iteration 2's loss ½(−2e200)² overflows
    assert "iteration 2, forward l" in err
    assert "not finite" in err
    assert not out_file.exists()


# --- demos ------------------------------------------------------------------------------------


def test_demos_lists_xor_first_with_its_title(capsys):
    code, out, _ = run(capsys, "demos")
    assert code == 0
    first = out.splitlines()[0]
    assert first.split()[0] == "xor"
    assert "XOR" in first


# --- bad input: exit 2, one line, no traceback ---------------------------------------------------


@pytest.fixture
def bad_session(tmp_path, monkeypatch):
    obj = notes_session()
    obj["network"]["sizes"] = [2]
    (tmp_path / "bad.json").write_text(json.dumps(obj), encoding="utf-8")
    # A file cut short, as by an interrupted copy: it stops after a number.
    text = json.dumps(notes_session(), indent=2)
    (tmp_path / "cut.json").write_text(text[: text.index("[\n") + 9], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return "bad.json"


SIZES_TOO_FEW = "bad.json: network.sizes: expected at least 2 layers, got [2]"
TRUNCATED = (
    "cut.json: the file ends early (truncated?): Expecting ',' delimiter at line 5, column 8"
)
BAD_OPTIONS = [
    (["trace", "--bogus"], "bpdebugger trace: unknown option '--bogus'"),
    (["--bogus"], "bpdebugger: unknown option '--bogus'"),
    (["trace", "--format", "yaml"], "'yaml'"),
    (["train", "--epochs", "0"], "bpdebugger train: argument --epochs: must be at least 1, got 0"),
    (["train", "--epochs", "abc"],
     "bpdebugger train: argument --epochs: expected a whole number, got 'abc'"),
    (["train"], "--epochs"),
    (["trace", "--iterations", "0"], "--iterations: must be at least 1, got 0"),
    (["trace", "--demo", "nope"], "bpdebugger: --demo: unknown demo 'nope' (known: xor"),
    (["frobnicate"], "'frobnicate'"),
    (["trace", "--session", "missing.json"], "missing.json: no such file"),
    (["trace", "--session", "bad.json"], SIZES_TOO_FEW),
    (["train", "--session", "bad.json", "--epochs", "1"], SIZES_TOO_FEW),
    (["trace", "--session", "cut.json"], TRUNCATED),
    (["train", "--session", "cut.json", "--epochs", "1"], TRUNCATED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "expected"), BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS]
)
def test_bad_input_exits_2_with_one_line_on_stderr(capsys, bad_session, argv, expected):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert expected in err


def test_bad_session_file_message_is_exactly_the_contract_example(capsys, bad_session):
    _, _, err = run(capsys, "trace", "--session", bad_session)
    assert err == SIZES_TOO_FEW + "\n"


def test_a_truncated_session_file_says_so_in_exactly_one_line(capsys, bad_session):
    code, out, err = run(capsys, "trace", "--session", "cut.json")
    assert (code, out, err) == (2, "", TRUNCATED + "\n")


def test_train_to_a_missing_folder_is_bad_input_and_trains_nothing(capsys, tmp_path):
    code, out, err = run(capsys, "train", "--epochs", "1", "--out", str(tmp_path / "no" / "t.json"))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "--out" in err


# --- the installed command, in a real process -------------------------------------------------


def test_installed_console_script_traces_and_reports_bad_input(tmp_path):
    script = Path(sys.executable).with_name("bpdebugger")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bpdebugger"]
    done = subprocess.run(
        [*command, "trace", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["format"] == "bpdebugger-trace/1"
    bad = subprocess.run(
        [*command, "trace", "--session", str(tmp_path / "missing.json")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr == f"{tmp_path / 'missing.json'}: no such file\n"


# --- trace JSON with several samples per batch ---------------------------------------------------


def write_session(path: Path, obj: dict) -> str:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return str(path)


def test_trace_json_writes_one_row_per_sample_for_a_batch(capsys, tmp_path):
    session = write_session(tmp_path / "b.json", notes_session(training={"batch_size": 2}))
    it = trace_json(capsys, "--session", session)["iterations"][0]
    assert it["batch"]["x"] == [[0.0, 1.0], [1.0, 0.0]]
    steps = {(s["phase"], s["node"]): s for s in it["steps"]}
    a2 = np.array(steps["forward", "a[2]"]["output"])
    assert a2.shape == (2, 2)  # B rows of n_l numbers
    assert np.shape(steps["forward", "z[2]"]["output"]) == (2, 2)
    tanh_local = np.array(steps["backward", "a[2]"]["local"]["z[2]"])
    np.testing.assert_allclose(tanh_local, 1 - a2**2, rtol=1e-15)  # the diagonal per sample
    assert isinstance(steps["forward", "l"]["output"], float)  # the batch mean
    assert it["loss"] == steps["forward", "l"]["output"]
    assert np.shape(steps["backward", "z[2]"]["downstream"]["W[2]"]) == (2, 2)  # mean over B


def test_trace_json_of_a_softmax_classifier_holds_a_jacobian_per_sample(capsys, tmp_path):
    obj = notes_session(
        network={"sizes": [2, 3], "activations": ["softmax"], "loss": "cross_entropy"},
        params={"W[2]": [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]], "b[2]": [0.0, 0.1, -0.1]},
        training={"batch_size": 2},
        data={"x": [[0.5, 1.0], [1.0, -1.0], [0.0, 0.0]], "y": [0, 2, 1]},
    )
    it = trace_json(capsys, "--session", write_session(tmp_path / "ce.json", obj))["iterations"][0]
    steps = {(s["phase"], s["node"]): s for s in it["steps"]}
    assert [(s["phase"], s["node"]) for s in it["steps"]] == [
        ("forward", "z[2]"), ("forward", "a[2]"), ("forward", "l"), ("backward", "l"),
        ("backward", "a[2]"), ("backward", "z[2]"), ("update", "W[2]"), ("update", "b[2]"),
    ]  # fmt: skip
    probs = np.array(steps["forward", "a[2]"]["output"])
    jacobians = np.array(steps["backward", "a[2]"]["local"]["z[2]"])
    assert jacobians.shape == (2, 3, 3)
    for s, jac in zip(probs, jacobians, strict=True):
        np.testing.assert_allclose(jac, np.diag(s) - np.outer(s, s), rtol=1e-15, atol=1e-17)
    onehot = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert steps["backward", "a[2]"]["downstream"]["z[2]"] == (probs - onehot).tolist()


def test_train_reports_the_test_split_too(capsys, tmp_path):
    data = {"dataset": "circles", "n": 40, "noise": 0.05, "seed": 1, "test_fraction": 0.25}
    session = write_session(tmp_path / "c.json", notes_session(data=data))
    argv = ["train", "--session", session, "--epochs", "1", "--out", str(tmp_path / "o.json")]
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    assert re.search(r"^train loss \S+\s+accuracy \S+%\s+\(30 samples\)", out, re.MULTILINE), out
    assert re.search(r"^test loss \S+\s+accuracy \S+%\s+\(10 samples\)", out, re.MULTILINE), out


def test_table_and_markdown_print_the_same_cells(capsys):
    _, table, _ = run(capsys, "trace", "--iterations", "2")
    _, markdown, _ = run(capsys, "trace", "--iterations", "2", "--format", "markdown")
    table_lines = table.splitlines()[2:]
    markdown_rows = [markdown_cells(line) for line in markdown.splitlines()[2:]]
    assert len(table_lines) == len(markdown_rows) == 28
    for line, cells in zip(table_lines, markdown_rows, strict=True):
        for cell in cells:
            assert cell.replace("\\|", "|") in line, (cell, line)


def test_a_malformed_field_type_is_bad_input_not_an_internal_error(capsys, tmp_path):
    obj = notes_session()
    obj["network"]["loss"] = ["bce"]  # a list where a name belongs
    session = write_session(tmp_path / "odd.json", obj)
    code, out, err = run(capsys, "trace", "--session", session)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(f"{session}: network.loss: ")


def test_trace_is_reproducible_run_to_run(capsys):
    _, first, _ = run(capsys, "trace", "--format", "json", "--iterations", "2")
    _, second, _ = run(capsys, "trace", "--format", "json", "--iterations", "2")
    assert first == second


def test_train_without_out_saves_beside_as_name_trained(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "train", "--epochs", "1")
    assert code == 0
    assert (tmp_path / "xor-trained.json").exists()
    assert "xor-trained.json" in out

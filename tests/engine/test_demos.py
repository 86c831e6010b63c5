"""The shipped demos: each loads, steps and traces, and what its notes claim about the
numbers is true (accuracies, vanishing and dead gradients, divergence, a worked example)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from bpdebugger.cli import main
from bpdebugger.debugger import Session
from bpdebugger.engine.data import read_csv, write_csv
from bpdebugger.engine.demos import demo_names, demo_path, demo_title, demos_dir, load_demo
from bpdebugger.engine.session import SessionSpec, parse_session
from bpdebugger.engine.trace import Step, iteration_steps
from bpdebugger.engine.training import Trainer

NEW_DEMOS = [
    "circles",
    "spiral",
    "vanishing",
    "diverging",
    "dying_relu",
    "iris_binary",
    "iris",
    "worked_example",
]


def trained(spec: SessionSpec, iterations: int) -> Trainer:
    trainer = spec.trainer()
    trainer.train(1, iterations)
    return trainer


def train_accuracy(spec: SessionSpec, iterations: int) -> float:
    return trained(spec, iterations).evaluate(spec.dataset.x, spec.dataset.y)[1]


def first_iteration(spec: SessionSpec) -> list[Step]:
    trainer = spec.trainer()
    return list(iteration_steps(trainer.net, trainer.optimizer, trainer.batch(1), 1))


def with_sizes(name: str, sizes: list[int]) -> SessionSpec:
    obj = json.loads(demo_path(name).read_text(encoding="utf-8"))
    obj["network"]["sizes"] = sizes
    return parse_session(obj, base_dir=demos_dir())


# --- every demo -------------------------------------------------------------------------------


def test_the_new_demos_are_listed():
    assert set(NEW_DEMOS) <= set(demo_names())


@pytest.mark.parametrize("name", demo_names())
def test_demo_loads_and_steps_its_first_iteration(name):
    spec = load_demo(name)
    assert demo_title(name).strip() and "\n" not in demo_title(name)
    stops = {f"{phase} {node}" for phase, node in Session.from_demo(name).stops}
    # Notes are keyed "phase node" and name stops this network has.
    assert set(spec.notes) <= stops
    s = Session.from_demo(name)
    n = len(s.stops)
    for index in range(1, n + 1):
        rec = s.step_into()
        assert rec.position == (1, index)
        assert rec.nonfinite() is None
    assert s.stop_reason.kind == "step"


@pytest.mark.parametrize("name", NEW_DEMOS)
def test_trace_runs_on_the_demo(capsys, name):
    code = main(["trace", "--demo", name, "--iterations", "1", "--format", "json"])
    out = capsys.readouterr()
    assert (code, out.err) == (0, "")
    trace = json.loads(out.out)
    assert len(trace["iterations"]) == 1


def test_demos_command_lists_each_demo_with_its_title(capsys):
    assert main(["demos"]) == 0
    lines = capsys.readouterr().out.splitlines()
    listed = {line.split()[0]: line for line in lines}
    for name in demo_names():
        assert demo_title(name) in listed[name]


# --- circles: two tanh units cannot enclose the inner circle ----------------------------------


def test_circles_two_hidden_units_stall_near_83_percent_and_three_separate():
    spec = load_demo("circles")
    assert spec.sizes == (2, 2, 1) and spec.data["dataset"] == "circles"
    assert "8000 iterations" in spec.notes["backward z[2]"]
    assert 500 * len(spec.dataset) // spec.batch_size == 8000
    assert 0.80 <= train_accuracy(spec, 8000) <= 0.86
    assert train_accuracy(with_sizes("circles", [2, 3, 1]), 8000) == 1.0


# --- spiral -----------------------------------------------------------------------------------


def test_spiral_reaches_over_97_percent_in_4800_iterations():
    spec = load_demo("spiral")
    assert 150 * len(spec.dataset) // spec.batch_size == 4800
    trainer = trained(spec, 4800)
    assert trainer.evaluate(spec.dataset.x, spec.dataset.y)[1] > 0.97
    assert trainer.evaluate(spec.dataset.x_test, spec.dataset.y_test)[1] > 0.95


# --- vanishing --------------------------------------------------------------------------------


def test_vanishing_first_layer_gradient_is_over_1000_times_smaller():
    spec = load_demo("vanishing")
    assert set(spec.activations) == {"sigmoid"}
    grads = {s.node: s.grad for s in first_iteration(spec) if s.phase == "update"}
    L = len(spec.sizes)
    norms = [float(np.linalg.norm(grads[f"W[{l}]"])) for l in range(2, L + 1)]
    assert norms[-1] >= 1000 * norms[0]
    # Each layer's weight gradient is smaller than the one above it.
    assert norms == sorted(norms)


# --- diverging --------------------------------------------------------------------------------


def test_diverging_stops_on_a_nonfinite_value_at_iteration_153():
    s = Session.from_demo("diverging")
    rec = s.continue_(max_iterations=1000)
    assert s.stop_reason.kind == "nonfinite"
    assert (rec.iteration, rec.phase, rec.node) == (153, "forward", "l")
    assert "forward l" in s.stop_reason.message
    assert not np.isfinite(rec.output).all()


def test_diverging_loss_grows_before_it_overflows():
    losses = load_demo("diverging").trainer().train(1, 152)
    assert np.isfinite(losses).all()
    assert losses[-1] > 1e6 * losses[:10].max()


# --- dying relu -------------------------------------------------------------------------------


def dead_units(spec: SessionSpec, trainer: Trainer) -> np.ndarray:
    _, a = trainer.net.forward(np.ascontiguousarray(spec.dataset.x.T))
    return np.flatnonzero((a[2] == 0).all(axis=1))


def test_dying_relu_seven_of_eight_units_die_and_get_no_gradient():
    spec = load_demo("dying_relu")
    assert len(spec.dataset) == 200 and spec.sizes[1] == 8
    trainer = trained(spec, 50)
    dead = dead_units(spec, trainer)
    assert len(dead) == 7
    steps = list(iteration_steps(trainer.net, trainer.optimizer, trainer.batch(51), 51))
    grads = {s.node: s.grad for s in steps if s.phase == "update"}
    assert (grads["W[2]"][dead] == 0).all() and (grads["b[2]"][dead] == 0).all()
    # They stay dead.
    trainer.train(52, 149)
    assert dead_units(spec, trainer).tolist() == dead.tolist()


# --- iris -------------------------------------------------------------------------------------


def iris_petals() -> tuple[np.ndarray, np.ndarray]:
    x, y, _ = read_csv(demos_dir().parent / "data" / "iris.csv")
    return x[:, 2:4], y


def numbers(text: str) -> list[float]:
    return [float(m.replace("−", "-")) for m in re.findall(r"[−-]?\d+\.\d+", text)]


def test_iris_binary_csv_is_the_standardised_versicolor_virginica_cut():
    petals, species = iris_petals()
    keep = species > 0
    mean, std = petals[keep].mean(axis=0), petals[keep].std(axis=0)
    spec = load_demo("iris_binary")
    x = np.concatenate([spec.dataset.x, spec.dataset.x_test])
    y = np.concatenate([spec.dataset.y, spec.dataset.y_test])
    assert len(x) == 100 and sorted(set(y.tolist())) == [0.0, 1.0]
    assert np.allclose(x.mean(axis=0), 0, atol=1e-3) and np.allclose(x.std(axis=0), 1, atol=1e-3)
    # The note's constants: (cm − mean) / std for length, then width.
    m_len, s_len, m_wid, s_wid = numbers(spec.notes["forward z[2]"])
    assert (m_len, s_len, m_wid, s_wid) == pytest.approx(
        [mean[0], std[0], mean[1], std[1]], abs=5e-4
    )
    # File order is the order of iris.csv.
    x_file, y_file, _ = read_csv(spec.data["csv"])
    assert np.allclose(x_file, (petals[keep] - mean) / std, atol=5e-5)
    assert (y_file == species[keep] - 1).all()


def test_iris_binary_learns_to_about_97_percent_and_raw_centimetres_do_not(tmp_path):
    spec = load_demo("iris_binary")
    assert 200 * len(spec.dataset) // spec.batch_size == 1600
    assert len(spec.dataset) == 80
    assert train_accuracy(spec, 1600) == pytest.approx(0.97, abs=0.01)
    petals, species = iris_petals()
    keep = species > 0
    write_csv(tmp_path / "raw.csv", petals[keep], species[keep] - 1)
    obj = json.loads(demo_path("iris_binary").read_text(encoding="utf-8"))
    obj["data"]["csv"] = "raw.csv"
    raw = parse_session(obj, base_dir=tmp_path)
    assert train_accuracy(raw, 1600) < 0.6


def test_iris_csv_is_the_standardised_petals_of_all_species():
    petals, species = iris_petals()
    mean, std = petals.mean(axis=0), petals.std(axis=0)
    spec = load_demo("iris")
    x_file, y_file, _ = read_csv(spec.data["csv"])
    assert np.allclose(x_file, (petals - mean) / std, atol=5e-5)
    assert (y_file == species).all()
    assert numbers(spec.notes["forward z[2]"]) == pytest.approx(
        [mean[0], std[0], mean[1], std[1]], abs=5e-4
    )


def test_iris_learns_to_about_97_percent_with_errors_only_between_versicolor_and_virginica():
    spec = load_demo("iris")
    assert 100 * len(spec.dataset) // spec.batch_size == 1200
    assert len(spec.dataset) == 120
    trainer = spec.trainer()
    # Setosa separates at once: right after the first epoch.
    trainer.train(1, 12)
    setosa = spec.dataset.y == 0
    assert trainer.evaluate(spec.dataset.x[setosa], spec.dataset.y[setosa])[1] == 1.0
    trainer.train(13, 1200 - 12)
    assert trainer.evaluate(spec.dataset.x, spec.dataset.y)[1] == pytest.approx(0.97, abs=0.01)
    predicted = trainer.net.output(np.ascontiguousarray(spec.dataset.x.T)).argmax(axis=0)
    wrong = predicted != spec.dataset.y
    assert wrong.any()
    assert set(spec.dataset.y[wrong].tolist()) <= {1.0, 2.0}
    assert set(predicted[wrong].tolist()) <= {1, 2}


# --- worked example ---------------------------------------------------------------------------


def worked_example_values() -> dict[str, list[float]]:
    """Every number the notes work out (3 or more decimals), in the order written."""
    stop = {(s.phase, s.node): s for s in first_iteration(load_demo("worked_example"))}

    def col(a) -> list[float]:
        return np.asarray(a).ravel().tolist()

    a2 = col(stop["forward", "a[2]"].output)
    z3 = col(stop["forward", "z[3]"].output)[0]
    y_hat = col(stop["forward", "a[3]"].output)[0]
    loss = stop["forward", "l"].loss
    dl_dy = col(stop["backward", "l"].downstream["a[3]"])[0]
    sig_prime = col(stop["backward", "a[3]"].local["z[3]"])[0]
    d3 = col(stop["backward", "a[3]"].downstream["z[3]"])[0]
    z3_down = stop["backward", "z[3]"].downstream
    da2 = col(z3_down["a[2]"])
    tanh_prime = col(stop["backward", "a[2]"].local["z[2]"])
    d2 = col(stop["backward", "a[2]"].downstream["z[2]"])
    after = {s.node: col(s.after) for s in stop.values() if s.phase == "update"}
    return {
        "forward a[2]": a2,
        "forward z[3]": [a2[0], a2[1], z3],
        "forward a[3]": [z3, -z3, y_hat],
        "forward l": [y_hat, loss],
        "backward l": [y_hat, dl_dy],
        "backward a[3]": [sig_prime, dl_dy, sig_prime, d3],
        "backward z[3]": [*col(z3_down["W[3]"]), *col(z3_down["b[3]"]), *da2],
        "backward a[2]": [*tanh_prime, da2[0], tanh_prime[0], da2[1], tanh_prime[1], *d2],
        "backward z[2]": col(stop["backward", "z[2]"].downstream["W[2]"]),
        "update W[3]": after["W[3]"],
        "update b[3]": [d3, *after["b[3]"]],
        "update W[2]": after["W[2]"],
        "update b[2]": after["b[2]"],
    }


def test_worked_example_is_one_sample_with_round_weights():
    spec = load_demo("worked_example")
    assert len(spec.dataset) == 1 and spec.batch_size == 1 and spec.learning_rate == 1.0
    assert spec.dataset.x.tolist() == [[1.0, 2.0]] and spec.dataset.y.tolist() == [1.0]
    for value in spec.params.values():
        assert np.isin(value, [-1.0, -0.5, 0.0, 0.5, 1.0]).all()
    z2 = first_iteration(spec)[0].output.ravel().tolist()
    assert z2 == [-0.5, 1.0]
    assert "(−0.5, 1)" in spec.notes["forward z[2]"]


@pytest.mark.parametrize("key", list(worked_example_values()))
def test_worked_example_notes_match_the_engine_to_the_rounding_shown(key):
    note = load_demo("worked_example").notes[key]
    written = re.findall(r"[−-]?\d+\.\d{3,}", note)
    engine = worked_example_values()[key]
    assert len(written) == len(engine), note
    for text, value in zip(written, engine, strict=True):
        decimals = len(text.split(".")[1])
        shown = float(text.replace("−", "-"))
        assert abs(value - shown) <= 0.5 * 10.0**-decimals + 1e-12, (key, text, value)

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


def numbers(text: str) -> list[float]:
    return [float(m.replace("−", "-")) for m in re.findall(r"[−-]?\d+\.\d+", text)]


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


@pytest.mark.parametrize("name", demo_names())
def test_every_demo_has_notes_in_each_phase(name):
    spec = load_demo(name)
    assert spec.notes, name
    # The notes are read at every iteration: a note with the numbers of one iteration says so.
    iteration_bound = [k for k, v in spec.notes.items() if "Iteration 1:" in v]
    assert iteration_bound in ([], list(spec.notes))
    phases = {key.split()[0] for key in spec.notes}
    assert phases == {"forward", "backward", "update"}, name


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


# --- xor -------------------------------------------------------------------------------------


def test_xor_a_zero_input_gets_no_first_layer_gradient_as_its_note_says():
    spec = load_demo("xor")
    assert (
        "a weight whose input is 0 in this sample gets no gradient" in spec.notes["backward z[2]"]
    )
    trainer = spec.trainer()
    for k in range(1, 5):  # each of the four points once
        batch = trainer.batch(k)
        steps = {
            (s.phase, s.node): s for s in iteration_steps(trainer.net, trainer.optimizer, batch, k)
        }
        dW = steps["backward", "z[2]"].downstream["W[2]"]
        x = batch.x[:, 0]
        assert (dW[:, x == 0] == 0).all()
        assert (dW[:, x != 0] != 0).all()


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


def test_vanishing_output_error_and_shrinking_signal_are_as_the_notes_say():
    spec = load_demo("vanishing")
    stop = {(s.phase, s.node): s for s in first_iteration(spec)}
    y_hat = stop["forward", "a[7]"].output[0]
    y = stop["forward", "l"].inputs["y"][0]
    # "ŷ ≈ 0.86 for every sample, so δ[7] = ŷ − y is about 0.86 (y = 0) or −0.14 (y = 1)"
    y_hat_note, d0, d1 = numbers(spec.notes["backward a[7]"])
    assert y_hat == pytest.approx(y_hat_note, abs=0.005)
    delta = stop["backward", "a[7]"].downstream["z[7]"][0]
    assert delta[y == 0] == pytest.approx(d0, abs=0.005)
    assert delta[y == 1] == pytest.approx(d1, abs=0.005)
    # "∂l/∂a[4] is more than 100 times smaller than ∂l/∂a[7]" (batch means, as the card shows)
    assert "more than 100 times smaller" in spec.notes["backward a[4]"]
    up = {l: np.linalg.norm(stop["backward", f"a[{l}]"].upstream_mean) for l in range(2, 8)}
    assert up[7] > 100 * up[4]
    assert [up[l] for l in range(2, 8)] == sorted(up[l] for l in range(2, 8))
    # "its change is more than 1000 times smaller"
    assert "more than 1000 times smaller" in spec.notes["update W[2]"]
    change = {p: np.linalg.norm(stop["update", p].change) for p in ("W[2]", "W[7]")}
    assert change["W[7]"] > 1000 * change["W[2]"]


# --- diverging --------------------------------------------------------------------------------


def test_diverging_stops_on_a_nonfinite_value_where_its_note_says():
    note = load_demo("diverging").notes["update b[2]"]
    iteration, node = re.search(r"stops at iteration (\d+), at forward (\S+),", note).groups()
    assert (iteration, node) == ("153", "l")
    s = Session.from_demo("diverging")
    rec = s.continue_(max_iterations=1000)
    assert s.stop_reason.kind == "nonfinite"
    assert (rec.iteration, rec.phase, rec.node) == (int(iteration), "forward", node)
    assert f"forward {node}" in s.stop_reason.message
    # "where the loss has overflowed to inf": inf, not NaN
    assert "overflowed to inf" in note
    assert np.isposinf(rec.output).all() and np.isposinf(rec.loss)


def test_diverging_first_iteration_overshoots_as_its_note_says():
    spec = load_demo("diverging")
    before, after = numbers(spec.notes["update b[2]"])
    trainer = spec.trainer()
    batch = trainer.batch(1)
    steps = list(iteration_steps(trainer.net, trainer.optimizer, batch, 1))
    error = float(steps[3].output[0, 0] - batch.t[0, 0])  # forward a[3]: ŷ − y
    assert steps[3].node == "a[3]" and error == pytest.approx(before, abs=5e-5)
    new_error = float(trainer.net.output(batch.x)[0, 0] - batch.t[0, 0])
    assert new_error == pytest.approx(after, abs=5e-4)
    assert abs(new_error) > 5 * abs(error)


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


def test_dying_relu_no_unit_is_dead_at_the_start_and_one_after_the_first_iteration():
    spec = load_demo("dying_relu")
    assert "at the start there are none" in spec.notes["forward a[2]"]
    assert "1 of the 8 units is 0 on all 200 samples" in spec.notes["update b[2]"]
    trainer = spec.trainer()
    assert len(dead_units(spec, trainer)) == 0
    trainer.train(1, 1)
    assert len(dead_units(spec, trainer)) == 1


def test_dying_relu_dead_units_get_zero_gradient_from_every_sample():
    spec = load_demo("dying_relu")
    note = spec.notes["update W[2]"]
    found = re.search(r"after (\d+) iterations (\d+) of the (\d+) hidden units are dead", note)
    iterations, count, total = (int(g) for g in found.groups())
    trainer = trained(spec, iterations)
    dead = dead_units(spec, trainer)
    assert len(dead) == count and spec.sizes[1] == total
    # Per sample, over the whole data set: δ[2] of a dead unit is 0 for each of the 200.
    x = np.ascontiguousarray(spec.dataset.x.T)
    p = trainer.net.run(x, trainer.net.loss.targets(spec.dataset.y, 1))
    assert p.dz[2].shape == (8, 200)
    assert (p.dz[2][dead] == 0).all()
    alive = np.setdiff1d(np.arange(8), dead)
    assert (p.dz[2][alive] != 0).any(axis=1).all()


# --- iris -------------------------------------------------------------------------------------


def iris_petals() -> tuple[np.ndarray, np.ndarray]:
    x, y, _ = read_csv(demos_dir().parent / "data" / "iris.csv")
    return x[:, 2:4], y


def test_the_shipped_iris_csv_is_fishers_data():
    # The copy in resources/ (from ../shared/data/iris.csv): 150 flowers, 50 per species, and
    # the species' published petal means in cm (length, width).
    petals, species = iris_petals()
    assert petals.shape == (150, 2)
    assert np.bincount(species.astype(int)).tolist() == [50, 50, 50]
    means = [petals[species == k].mean(axis=0) for k in range(3)]
    published = [[1.462, 0.246], [4.260, 1.326], [5.552, 2.026]]
    assert np.allclose(means, published, atol=5e-4)


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

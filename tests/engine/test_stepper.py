"""The stepper: the order of stops, the values at each stop, and agreement with the fast path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import NOTES_ORDER, NOTES_PARAMS, XOR_X, XOR_Y, notes_network, notes_session
from hypothesis import given, settings
from hypothesis import strategies as st

from bpdebugger.engine.network import Network
from bpdebugger.engine.session import parse_session
from bpdebugger.engine.trace import Step, iteration_steps, stop_names
from bpdebugger.engine.training import SGD, Batch

DEEP_ORDER = [
    ("forward", "z[2]"),
    ("forward", "a[2]"),
    ("forward", "z[3]"),
    ("forward", "a[3]"),
    ("forward", "z[4]"),
    ("forward", "a[4]"),
    ("forward", "z[5]"),
    ("forward", "a[5]"),
    ("forward", "l"),
    ("backward", "l"),
    ("backward", "a[5]"),
    ("backward", "z[5]"),
    ("backward", "a[4]"),
    ("backward", "z[4]"),
    ("backward", "a[3]"),
    ("backward", "z[3]"),
    ("backward", "a[2]"),
    ("backward", "z[2]"),
    ("update", "W[5]"),
    ("update", "b[5]"),
    ("update", "W[4]"),
    ("update", "b[4]"),
    ("update", "W[3]"),
    ("update", "b[3]"),
    ("update", "W[2]"),
    ("update", "b[2]"),
]


def make_batch(x, y, t, indices=None) -> Batch:
    x = np.asarray(x, dtype=np.float64)
    idx = np.arange(x.shape[1]) if indices is None else np.asarray(indices)
    return Batch(idx, x, np.asarray(y, dtype=np.float64), np.asarray(t, dtype=np.float64), 1)


def one_iteration(net, batch, learning_rate=0.5, momentum=0.0) -> list[Step]:
    return list(iteration_steps(net, SGD(learning_rate, momentum), batch, 1))


def by_node(steps: list[Step]) -> dict[tuple[str, str], Step]:
    return {(s.phase, s.node): s for s in steps}


def notes_sample(x=(1.0, 0.0), y=1.0) -> tuple[Network, Batch]:
    return notes_network(), make_batch(np.array([x]).T, [y], [[y]])


# --- the order of stops -------------------------------------------------------------------


def test_notes_network_stops_in_the_contract_order_with_indices_from_one():
    net, batch = notes_sample()
    steps = one_iteration(net, batch)
    assert [(s.phase, s.node) for s in steps] == NOTES_ORDER
    assert [s.index for s in steps] == list(range(1, 15))
    assert {s.iteration for s in steps} == {1}


def test_stop_names_lists_the_contract_order_for_the_notes_network():
    assert stop_names(notes_network()) == NOTES_ORDER


def test_deeper_network_stops_in_order_and_stop_names_agree():
    net = Network(
        [3, 4, 4, 2, 3],
        ["relu", "tanh", "leaky_relu", "softmax"],
        "cross_entropy",
    )
    batch = make_batch(np.ones((3, 2)), [0, 2], [[1, 0], [0, 0], [0, 1]])
    steps = list(iteration_steps(net, SGD(0.1), batch, 7))
    assert [(s.phase, s.node) for s in steps] == DEEP_ORDER
    assert stop_names(net) == DEEP_ORDER
    assert [s.index for s in steps] == list(range(1, len(DEEP_ORDER) + 1))
    assert {s.iteration for s in steps} == {7}


def test_ops_name_the_node_kind():
    net, batch = notes_sample()
    ops = [(s.node, s.op) for s in one_iteration(net, batch)]
    assert ops == [
        ("z[2]", "linear"), ("a[2]", "tanh"), ("z[3]", "linear"), ("a[3]", "sigmoid"), ("l", "bce"),
        ("l", "bce"), ("a[3]", "sigmoid"), ("z[3]", "linear"), ("a[2]", "tanh"), ("z[2]", "linear"),
        ("W[3]", "sgd"), ("b[3]", "sgd"), ("W[2]", "sgd"), ("b[2]", "sgd"),
    ]  # fmt: skip


# --- the numbers at each stop, by the notes' formulas ---------------------------------------


@pytest.fixture
def notes_stops():
    """The notes' network on x = (1, 0), y = 1, η = 0.5: its stops and the hand computation."""
    x, y, eta = np.array([1.0, 0.0]), 1.0, 0.5
    W2, b2 = np.array(NOTES_PARAMS["W[2]"]), np.array(NOTES_PARAMS["b[2]"])
    W3, b3 = np.array(NOTES_PARAMS["W[3]"]), np.array(NOTES_PARAMS["b[3]"])
    z2 = W2 @ x + b2  # z[2] = W[2]x + b[2]
    a2 = np.tanh(z2)
    z3 = W3 @ a2 + b3  # z[3] = W[3]a[2] + b[3]
    yhat = 1 / (1 + np.exp(-z3))
    hand = {
        "x": x, "y": y, "eta": eta, "W2": W2, "b2": b2, "W3": W3, "b3": b3,
        "z2": z2, "a2": a2, "z3": z3, "yhat": yhat,
        "loss": float(-(y * np.log(yhat) + (1 - y) * np.log(1 - yhat))[0]),
    }  # fmt: skip
    net, batch = notes_sample(tuple(x), y)
    return by_node(one_iteration(net, batch, eta)), hand


def test_forward_values_follow_the_corrected_notes(notes_stops):
    stops, h = notes_stops
    np.testing.assert_allclose(stops["forward", "z[2]"].output[:, 0], h["z2"], rtol=1e-15)
    np.testing.assert_allclose(stops["forward", "a[2]"].output[:, 0], h["a2"], rtol=1e-15)
    np.testing.assert_allclose(stops["forward", "z[3]"].output[:, 0], h["z3"], rtol=1e-15)
    np.testing.assert_allclose(stops["forward", "a[3]"].output[:, 0], h["yhat"], rtol=1e-14)
    assert stops["forward", "l"].loss == pytest.approx(h["loss"], rel=1e-13)
    assert stops["forward", "l"].output[0] == pytest.approx(h["loss"], rel=1e-13)


def test_forward_linear_stop_shows_its_inputs(notes_stops):
    stops, h = notes_stops
    inputs = stops["forward", "z[3]"].inputs
    np.testing.assert_array_equal(inputs["W[3]"], h["W3"])
    np.testing.assert_array_equal(inputs["b[3]"], h["b3"])
    np.testing.assert_allclose(inputs["a[2]"][:, 0], h["a2"], rtol=1e-15)
    np.testing.assert_array_equal(stops["forward", "z[2]"].inputs["a[1]"][:, 0], h["x"])


def test_backward_loss_stop_starts_from_one_with_dl_dyhat(notes_stops):
    stops, h = notes_stops
    s = stops["backward", "l"]
    assert s.upstream == 1.0
    dl_dyhat = -h["y"] / h["yhat"] + (1 - h["y"]) / (1 - h["yhat"])
    np.testing.assert_allclose(s.downstream["a[3]"][:, 0], dl_dyhat, rtol=1e-13)


def test_output_activation_stop_uses_the_shortcut_and_shows_the_chain(notes_stops):
    stops, h = notes_stops
    s = stops["backward", "a[3]"]
    yhat = stops["forward", "a[3]"].output
    np.testing.assert_array_equal(s.downstream["z[3]"], yhat - h["y"])  # ∂l/∂z[3] = ŷ − y exactly
    sigma_prime = h["yhat"] * (1 - h["yhat"])
    np.testing.assert_allclose(s.local["z[3]"][:, 0], sigma_prime, rtol=1e-13)
    chain = s.chain["z[3]"]  # ∂l/∂ŷ · σ′(z), the full chain beside the shortcut
    np.testing.assert_allclose(chain, s.upstream * s.local["z[3]"], rtol=1e-15)
    np.testing.assert_allclose(chain[:, 0], h["yhat"] - h["y"], rtol=0, atol=1e-12)
    assert s.shortcut == "ŷ − y"
    assert s.diagonal


def test_output_linear_stop_gives_the_parameter_gradients_as_outer_products(notes_stops):
    stops, h = notes_stops
    s = stops["backward", "z[3]"]
    delta = h["yhat"] - h["y"]
    np.testing.assert_allclose(s.upstream[:, 0], delta, rtol=1e-14)
    np.testing.assert_allclose(s.downstream["W[3]"], np.outer(delta, h["a2"]), rtol=1e-15)
    np.testing.assert_allclose(s.downstream["b[3]"], delta, rtol=1e-15)
    np.testing.assert_allclose(s.downstream["a[2]"][:, 0], h["W3"].T @ delta, rtol=1e-15)
    np.testing.assert_array_equal(s.local["a[2]"], h["W3"])
    np.testing.assert_allclose(s.local["W[3]"][:, 0], h["a2"], rtol=1e-15)
    np.testing.assert_array_equal(s.local["b[3]"], np.eye(1))


def test_hidden_tanh_stop_multiplies_by_one_minus_a_squared(notes_stops):
    stops, h = notes_stops
    s = stops["backward", "a[2]"]
    np.testing.assert_allclose(s.local["z[2]"][:, 0], 1 - h["a2"] ** 2, rtol=1e-15)
    np.testing.assert_array_equal(s.upstream, stops["backward", "z[3]"].downstream["a[2]"])
    np.testing.assert_allclose(
        s.downstream["z[2]"][:, 0], (1 - h["a2"] ** 2) * s.upstream[:, 0], rtol=1e-15
    )
    assert s.chain == {}
    assert s.shortcut is None


def test_first_linear_stop_gradients_use_the_input(notes_stops):
    stops, h = notes_stops
    s = stops["backward", "z[2]"]
    delta2 = stops["backward", "a[2]"].downstream["z[2]"][:, 0]
    np.testing.assert_array_equal(s.upstream[:, 0], delta2)
    np.testing.assert_allclose(s.downstream["W[2]"], np.outer(delta2, h["x"]), rtol=1e-15)
    np.testing.assert_allclose(s.downstream["b[2]"], delta2, rtol=1e-15)
    np.testing.assert_array_equal(s.local["a[1]"], h["W2"])
    np.testing.assert_array_equal(s.local["b[2]"], np.eye(2))


@pytest.mark.parametrize("name", ["W[3]", "b[3]", "W[2]", "b[2]"])
def test_update_stop_is_gradient_descent(notes_stops, name):
    stops, h = notes_stops
    s = stops["update", name]
    l = name[2]
    linear = stops["backward", f"z[{l}]"]
    np.testing.assert_array_equal(s.grad, linear.downstream[name])
    np.testing.assert_array_equal(s.before, np.array(NOTES_PARAMS[name]))
    np.testing.assert_allclose(s.after, s.before - h["eta"] * s.grad, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(s.change, -h["eta"] * s.grad)
    assert s.learning_rate == h["eta"]


def test_each_update_stop_applies_its_own_update_and_no_other():
    net, batch = notes_sample()
    before = {k: v.copy() for k, v in net.params().items()}
    updated = set()
    for s in iteration_steps(net, SGD(0.5), batch, 1):
        if s.phase == "update":
            updated.add(s.node)
            np.testing.assert_array_equal(net.param(s.node), s.after)
        for name, value in before.items():
            if name not in updated:
                np.testing.assert_array_equal(net.param(name), value, err_msg=f"at {s.node}")
    assert updated == set(before)


def test_batch_parameter_gradients_are_the_mean_of_per_sample_outer_products():
    net = notes_network()
    x = np.array(XOR_X).T
    batch = make_batch(x, XOR_Y, [XOR_Y])
    stops = by_node(one_iteration(net, batch))
    for l, a_prev in ((3, stops["forward", "a[2]"].output), (2, x)):
        s = stops["backward", f"z[{l}]"]
        delta = s.upstream  # (n_l, B): one column per sample
        assert delta.shape[1] == 4
        per_sample = [np.outer(delta[:, i], a_prev[:, i]) for i in range(4)]
        np.testing.assert_allclose(s.downstream[f"W[{l}]"], np.mean(per_sample, axis=0), rtol=1e-14)
        np.testing.assert_allclose(s.downstream[f"b[{l}]"], delta.mean(axis=1), rtol=1e-14)
    losses = stops["forward", "l"].output
    assert losses.shape == (4,)
    assert stops["forward", "l"].loss == pytest.approx(losses.mean(), rel=1e-15)


# --- records are immutable snapshots ---------------------------------------------------------


def every_array(step: Step):
    for group in (step.inputs, step.local, step.downstream, step.chain):
        yield from group.values()
    for name in ("output", "upstream", "before", "change", "after", "grad"):
        value = getattr(step, name)
        if isinstance(value, np.ndarray):
            yield value


def test_record_arrays_are_read_only():
    net = notes_network()
    steps = one_iteration(net, make_batch(np.array(XOR_X).T[:, :2], XOR_Y[:2], [XOR_Y[:2]]))
    for step in steps:
        for value in every_array(step):
            assert not value.flags.writeable, (step.phase, step.node)
            with pytest.raises(ValueError, match="read-only"):
                value.flat[0] = 1.0


def test_record_batch_arrays_are_read_only():
    net = notes_network()
    spec = parse_session(notes_session(training={"batch_size": 2}))
    trainer = spec.trainer(net)
    steps = list(iteration_steps(net, trainer.optimizer, trainer.batch(1), 1))
    batch = steps[0].batch
    writeable = [
        name for name in ("indices", "x", "y", "t") if getattr(batch, name).flags.writeable
    ]
    assert writeable == [], f"Step.batch arrays that can be written: {writeable}"


def test_records_are_frozen_dataclasses():
    net, batch = notes_sample()
    step = one_iteration(net, batch)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.node = "z[3]"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.batch.x = None  # type: ignore[misc]


def test_records_keep_their_values_after_the_updates_change_the_network():
    net, batch = notes_sample()
    steps = one_iteration(net, batch)
    first = steps[0]
    np.testing.assert_array_equal(first.inputs["W[2]"], np.array(NOTES_PARAMS["W[2]"]))
    assert not np.array_equal(net.W[2], np.array(NOTES_PARAMS["W[2]"]))
    net.W[2][...] = 99.0
    np.testing.assert_array_equal(first.inputs["W[2]"], np.array(NOTES_PARAMS["W[2]"]))
    np.testing.assert_array_equal(steps[-2].after, by_node(steps)["update", "W[2]"].after)
    assert steps[-2].after[0, 0] != 99.0


# --- stepper and fast path give the same numbers ---------------------------------------------

HIDDEN = ("tanh", "sigmoid", "relu", "leaky_relu", "identity")
small = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)


@st.composite
def session_objects(draw):
    """A session file's object: random network, inline data, training options."""
    loss = draw(st.sampled_from(["bce", "squared_error", "cross_entropy"]))
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    acts = [draw(st.sampled_from(HIDDEN)) for _ in sizes[2:]]
    if loss == "bce":
        sizes[-1] = 1
        acts.append("sigmoid")
    elif loss == "cross_entropy":
        sizes[-1] = draw(st.integers(2, 4))
        acts.append("softmax")
    else:
        acts.append(draw(st.sampled_from([*HIDDEN, "softmax"])))
    n = draw(st.integers(1, 8))
    x = draw(
        st.lists(st.lists(small, min_size=sizes[0], max_size=sizes[0]), min_size=n, max_size=n)
    )
    n_out = sizes[-1]
    if loss == "bce":
        label = st.sampled_from([0, 1])
    elif loss == "cross_entropy":
        label = st.integers(0, n_out - 1)
    elif n_out == 1:
        label = small
    else:
        label = st.lists(small, min_size=n_out, max_size=n_out)
    y = draw(st.lists(label, min_size=n, max_size=n))
    return {
        "format": "bpdebugger-session/1",
        "network": {"sizes": sizes, "activations": acts, "loss": loss},
        "init": {
            "scheme": draw(st.sampled_from(["xavier", "he", "uniform", "zeros"])),
            "seed": draw(st.integers(0, 2**16)),
        },
        "training": {
            "learning_rate": draw(st.floats(0.01, 0.8)),
            "batch_size": draw(st.integers(1, n)),
            "shuffle": draw(st.booleans()),
            "momentum": draw(st.sampled_from([0.0, 0.5, 0.9])),
        },
        "data": {"x": x, "y": y},
    }


def step_through(spec, iterations: int) -> dict[str, np.ndarray]:
    trainer = spec.trainer()
    for k in range(1, iterations + 1):
        for _ in iteration_steps(trainer.net, trainer.optimizer, trainer.batch(k), k):
            pass
    return {k: v.copy() for k, v in trainer.net.params().items()}


def train_fast(spec, iterations: int) -> dict[str, np.ndarray]:
    trainer = spec.trainer()
    trainer.train(1, iterations)
    return {k: v.copy() for k, v in trainer.net.params().items()}


def assert_same_params(stepped, trained):
    assert list(stepped) == list(trained)
    for name in stepped:
        np.testing.assert_allclose(stepped[name], trained[name], rtol=0, atol=1e-12, err_msg=name)


@settings(max_examples=60, deadline=None)
@given(session_objects(), st.integers(1, 10))
def test_stepping_every_stop_and_fast_training_give_the_same_parameters(obj, iterations):
    spec = parse_session(obj)
    assert_same_params(step_through(spec, iterations), train_fast(spec, iterations))


def test_stepping_and_fast_training_agree_with_momentum_shuffle_and_batches():
    obj = notes_session(
        training={"learning_rate": 0.3, "batch_size": 3, "shuffle": True, "momentum": 0.9}
    )
    spec = parse_session(obj)
    stepped, trained = step_through(spec, 9), train_fast(spec, 9)
    assert_same_params(stepped, trained)
    assert not np.array_equal(stepped["W[2]"], np.array(NOTES_PARAMS["W[2]"]))


def test_stepping_the_same_iteration_twice_from_the_same_state_gives_identical_records():
    spec = parse_session(notes_session(training={"batch_size": 2, "momentum": 0.5}))
    trainer = spec.trainer()
    trainer.train(1, 3)  # some velocity, some history
    runs = []
    for _ in range(2):
        net = trainer.net.copy()
        optimizer = SGD(trainer.optimizer.learning_rate, trainer.optimizer.momentum)
        optimizer.load_state(trainer.optimizer.state())
        runs.append(list(iteration_steps(net, optimizer, trainer.batch(4), 4)))
    first, second = runs
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        assert (a.iteration, a.index, a.phase, a.node, a.op) == (
            b.iteration,
            b.index,
            b.phase,
            b.node,
            b.op,
        )
        assert a.loss == b.loss
        labels_a = [label for label, _ in a.arrays()]
        assert labels_a == [label for label, _ in b.arrays()]
        for (label, va), (_, vb) in zip(a.arrays(), b.arrays(), strict=True):
            np.testing.assert_array_equal(va, vb, err_msg=f"{a.node} {label}")


# --- non-finite values ------------------------------------------------------------------------


def diverging_network() -> tuple[Network, SGD, Batch]:
    """ŷ = w·x + b with w = 1, b = 0, x = 1, y = 0 and η = 1e200: the first update sends
    w and b to −1e200, so iteration 2's ŷ = −2e200 and its loss ½ŷ² overflows to inf."""
    net = Network([1, 1], ["identity"], "squared_error", {"W[2]": [[1.0]], "b[2]": [0.0]})
    return net, SGD(1e200), make_batch([[1.0]], [0.0], [[0.0]])


def test_nonfinite_is_none_while_every_value_is_finite():
    net, optimizer, batch = diverging_network()
    for step in iteration_steps(net, optimizer, batch, 1):
        assert step.nonfinite() is None
    np.testing.assert_array_equal(net.W[2], [[-1e200]])


def test_nonfinite_names_the_first_array_that_overflowed():
    net, optimizer, batch = diverging_network()
    list(iteration_steps(net, optimizer, batch, 1))
    steps = list(iteration_steps(net, optimizer, batch, 2))
    flagged = [(s.phase, s.node, s.nonfinite()) for s in steps if s.nonfinite() is not None]
    assert flagged[0] == ("forward", "l", "output")
    assert [(s.phase, s.node) for s in steps[:2]] == [("forward", "z[2]"), ("forward", "a[2]")]
    assert all(s.nonfinite() is None for s in steps[:2])
    assert steps[2].loss == np.inf


def test_momentum_updates_follow_the_velocity():
    spec = parse_session(notes_session(training={"learning_rate": 0.5, "momentum": 0.9}))
    trainer = spec.trainer()
    first = by_node(list(iteration_steps(trainer.net, trainer.optimizer, trainer.batch(1), 1)))
    second = by_node(list(iteration_steps(trainer.net, trainer.optimizer, trainer.batch(2), 2)))
    for name in ("W[3]", "b[3]", "W[2]", "b[2]"):
        g1, g2 = first["update", name].grad, second["update", name].grad
        np.testing.assert_array_equal(first["update", name].change, -0.5 * g1)  # v = g at first
        np.testing.assert_allclose(
            second["update", name].change, -0.5 * (0.9 * g1 + g2), rtol=1e-15, atol=1e-17
        )  # v ← μv + g; p ← p − ηv
        np.testing.assert_array_equal(second["update", name].before, first["update", name].after)


def test_softmax_cross_entropy_stop_shows_the_jacobian_and_the_shortcut():
    net = Network([2, 3], ["softmax"], "cross_entropy")
    net.W[2][...] = [[0.2, -0.4], [0.7, 0.1], [-0.3, 0.5]]
    x = np.array([[0.5, 1.0], [1.0, -1.0]])
    t = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    stops = by_node(one_iteration(net, make_batch(x, [0, 2], t)))
    s = stops["backward", "a[2]"]
    probs = stops["forward", "a[2]"].output
    assert not s.diagonal
    jacobians = s.local["z[2]"]
    assert jacobians.shape == (2, 3, 3)  # one full Jacobian per sample
    for i in range(2):
        expected = np.diag(probs[:, i]) - np.outer(probs[:, i], probs[:, i])
        np.testing.assert_allclose(jacobians[i], expected, rtol=1e-15, atol=1e-17)
    np.testing.assert_array_equal(s.downstream["z[2]"], probs - t)  # s − onehot(y) exactly
    np.testing.assert_allclose(s.chain["z[2]"], probs - t, rtol=0, atol=1e-12)
    assert s.shortcut == "s − onehot(y)"


def test_a_batch_loss_that_overflows_only_in_the_mean_is_non_finite():
    """Per-sample losses near 1e308 are finite while their mean is inf: the stop says so."""
    net, batch = notes_sample()
    loss_stop = next(s for s in iteration_steps(net, SGD(0.5), batch, 1) if s.node == "l")
    assert loss_stop.nonfinite() is None
    assert dataclasses.replace(loss_stop, loss=float("inf")).nonfinite() == "loss"

"""Backpropagation against finite differences, and the numerically delicate ends."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import (
    NOTES_PARAMS,
    XOR_X,
    XOR_Y,
    assert_grads_match,
    away_from_kinks,
    notes_network,
    onehot,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpdebugger.engine import gradcheck as gradcheck_module
from bpdebugger.engine.gradcheck import gradcheck, grade, numerical_gradient, relative_error
from bpdebugger.engine.network import Network, param_names
from bpdebugger.engine.trace import iteration_steps
from bpdebugger.engine.training import SGD, Batch

HIDDEN = ("tanh", "sigmoid", "relu", "leaky_relu", "identity")
LOSSES = ("bce", "squared_error", "cross_entropy")


def random_case(
    sizes: list[int], activations: list[str], loss: str, batch: int, seed: int
) -> tuple[Network, np.ndarray, np.ndarray]:
    """A network with parameters of moderate scale, inputs and targets that fit the loss."""
    rng = np.random.default_rng(seed)
    params = {}
    for name in param_names(len(sizes)):
        l = int(name[2:-1])
        shape = (sizes[l - 1], sizes[l - 2]) if name[0] == "W" else (sizes[l - 1],)
        params[name] = rng.uniform(-1.5, 1.5, shape)
    net = Network(sizes, activations, loss, params)
    x = rng.uniform(-2, 2, (sizes[0], batch))
    n_out = sizes[-1]
    if loss == "bce":
        t = rng.integers(0, 2, (1, batch)).astype(np.float64)
    elif loss == "cross_entropy":
        t = onehot(rng.integers(0, n_out, batch), n_out)
    else:
        t = rng.uniform(-1, 1, (n_out, batch))
    away_from_kinks(net, x)
    return net, x, t


# --- one line per case: every activation in a hidden layer, every loss ------------------


def output_for(loss: str) -> tuple[int, str]:
    return {"bce": (1, "sigmoid"), "cross_entropy": (3, "softmax")}.get(loss, (2, "tanh"))


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_finite_differences_for_each_hidden_activation(hidden, loss):
    n_out, out = output_for(loss)
    assert_grads_match(*random_case([3, 4, 3, n_out], [hidden, hidden, out], loss, 4, seed=1))


@pytest.mark.parametrize("out", [*HIDDEN, "softmax"])
def test_gradients_match_finite_differences_for_each_output_activation_with_squared_error(out):
    assert_grads_match(*random_case([2, 3, 3], ["tanh", out], "squared_error", 3, seed=2))


def test_gradients_match_on_the_notes_network_with_one_sample():
    net = notes_network()
    assert_grads_match(net, np.array([[1.0], [0.0]]), np.array([[1.0]]))


def test_gradients_match_on_the_notes_network_with_the_whole_xor_batch():
    net = notes_network()
    assert_grads_match(net, np.array(XOR_X).T, np.array([XOR_Y], dtype=np.float64))


def test_gradients_match_for_a_single_layer_softmax_classifier():
    assert_grads_match(*random_case([2, 5], ["softmax"], "cross_entropy", 6, seed=3))


def test_gradients_match_for_width_one_layers():
    assert_grads_match(*random_case([1, 1, 1, 1], ["tanh", "relu", "sigmoid"], "bce", 1, seed=4))


# --- hypothesis: many random networks ---------------------------------------------------

moderate = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def networks(draw):
    """(net, x, t): 2–4 layers of width 1–5, any activations and loss the engine accepts."""
    loss = draw(st.sampled_from(LOSSES))
    sizes = draw(st.lists(st.integers(1, 5), min_size=2, max_size=4))
    activations = [draw(st.sampled_from(HIDDEN)) for _ in sizes[2:]]
    if loss == "bce":
        sizes[-1], out = 1, "sigmoid"
    elif loss == "cross_entropy":
        sizes[-1], out = draw(st.integers(2, 5)), "softmax"
    else:
        out = draw(st.sampled_from([*HIDDEN, "softmax"]))
    activations.append(out)
    batch = draw(st.integers(1, 6))
    params = {}
    for name in param_names(len(sizes)):
        l = int(name[2:-1])
        shape = (sizes[l - 1], sizes[l - 2]) if name[0] == "W" else (sizes[l - 1],)
        params[name] = draw(hnp.arrays(np.float64, shape, elements=moderate))
    net = Network(sizes, activations, loss, params)
    x = draw(hnp.arrays(np.float64, (sizes[0], batch), elements=st.floats(-2, 2)))
    n_out = sizes[-1]
    if loss == "bce":
        t = draw(hnp.arrays(np.float64, (1, batch), elements=st.sampled_from([0.0, 1.0])))
    elif loss == "cross_entropy":
        t = onehot(draw(st.lists(st.integers(0, n_out - 1), min_size=batch, max_size=batch)), n_out)
    else:
        t = draw(hnp.arrays(np.float64, (n_out, batch), elements=st.floats(-1, 1)))
    away_from_kinks(net, x)
    return net, x, t


@settings(max_examples=150, deadline=None)
@given(networks())
def test_gradients_match_finite_differences_on_random_networks(case):
    assert_grads_match(*case)


# --- bce and cross-entropy where ŷ rounds to exactly 0 or 1 -----------------------------


@pytest.mark.parametrize("logit", [800.0, -800.0, 40.0, -40.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_bce_stays_finite_and_exact_where_the_output_saturates(logit, y):
    params = {**NOTES_PARAMS, "W[3]": [[0.0, 0.0]], "b[3]": [logit]}
    net = notes_network(params)
    x, t = np.array([[0.5], [-1.0]]), np.array([[y]])
    p = net.run(x, t)
    assert p.a[3][0, 0] == (1.0 if logit > 0 else pytest.approx(0.0, abs=1e-17))
    assert np.isfinite(p.loss)
    for group in (p.da, p.dz, p.dW, p.db):
        for l, value in group.items():
            assert np.isfinite(value).all(), (l, value)
    np.testing.assert_array_equal(p.dz[3], p.a[3] - t)  # ∂l/∂z[L] = ŷ − y exactly
    # The loss is right, not merely finite: −log σ(±z) ≈ |z| on the wrong side, ≈ 0 otherwise.
    wrong = (logit > 0) != (y == 1.0)
    assert p.loss == pytest.approx(abs(logit) if wrong else 0.0, abs=1e-15 if not wrong else 1e-9)


@pytest.mark.parametrize("y", [0.0, 1.0])
def test_bce_stepper_stops_are_all_finite_where_the_output_saturates(y):
    net = notes_network({**NOTES_PARAMS, "W[3]": [[0.0, 0.0]], "b[3]": [800.0]})
    x, t = np.array([[0.5], [-1.0]]), np.array([[y]])
    batch = Batch(np.array([0]), x, np.array([y]), t, 1)
    for step in iteration_steps(net, SGD(0.1), batch, 1):
        assert step.nonfinite() is None, (step.phase, step.node, step.nonfinite())


@pytest.mark.parametrize("label", [0, 1, 2])
def test_cross_entropy_with_logits_far_apart_is_finite_and_exact(label):
    net = Network(
        [2, 3],
        ["softmax"],
        "cross_entropy",
        {"W[2]": np.zeros((3, 2)), "b[2]": [1000.0, -1000.0, 0.0]},
    )
    t = onehot([label], 3)
    p = net.run(np.zeros((2, 1)), t)
    np.testing.assert_array_equal(p.a[2][:, 0], [1.0, 0.0, 0.0])
    assert p.loss == [0.0, 2000.0, 1000.0][label]
    for group in (p.da, p.dz, p.dW, p.db):
        for l, value in group.items():
            assert np.isfinite(value).all(), (l, value)
    np.testing.assert_array_equal(p.dz[2], p.a[2] - t)  # ∂l/∂z = s − onehot(y) exactly


def test_cross_entropy_stepper_stops_are_all_finite_with_logits_far_apart():
    net = Network(
        [2, 3],
        ["softmax"],
        "cross_entropy",
        {"W[2]": np.zeros((3, 2)), "b[2]": [1000.0, -1000.0, 0.0]},
    )
    t = onehot([1], 3)
    batch = Batch(np.array([0]), np.zeros((2, 1)), np.array([1.0]), t, 1)
    for step in iteration_steps(net, SGD(0.1), batch, 1):
        assert step.nonfinite() is None, (step.phase, step.node, step.nonfinite())


# --- the gradient check the gradient card shows ------------------------------------------


def test_gradcheck_grades_the_notes_network_good():
    net = notes_network()
    checks = gradcheck(net, np.array(XOR_X).T, np.array([XOR_Y], dtype=np.float64))
    assert list(checks) == ["W[2]", "b[2]", "W[3]", "b[3]"]
    for name, check in checks.items():
        assert check.grade == "good", (name, check.max_error)
        assert check.numeric.shape == check.analytic.shape == net.param(name).shape


def nudged_one_at_a_time(net: Network, x: np.ndarray, t: np.ndarray, name: str) -> np.ndarray:
    """The textbook stencil: each entry nudged in place by ±h, the whole loss run twice."""
    p, h = net.param(name), gradcheck_module.STEP
    out = np.empty_like(p)
    for i in np.ndindex(p.shape):
        kept = p[i]
        p[i] = kept + h
        plus = net.loss_value(x, t)
        p[i] = kept - h
        minus = net.loss_value(x, t)
        p[i] = kept
        out[i] = (plus - minus) / (2 * h)
    return out


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=2),
    activation=st.sampled_from(HIDDEN),
    loss=st.sampled_from(LOSSES),
    batch=st.integers(1, 4),
    seed=st.integers(0, 10_000),
    chunked=st.booleans(),
)
def test_the_batched_stencil_is_the_one_entry_at_a_time_stencil(
    hidden, activation, loss, batch, seed, chunked
):
    """All nudged copies run side by side from the nudged layer on; the numbers are those
    of nudging each entry in place and running the whole network, chunks or not."""
    n_out, out_activation = output_for(loss)
    sizes = [2, *hidden, n_out]
    activations = [activation] * len(hidden) + [out_activation]
    net, x, t = random_case(sizes, activations, loss, batch, seed)
    with pytest.MonkeyPatch.context() as patch:
        if chunked:
            patch.setattr(gradcheck_module, "BATCH_NUMBERS", 1)  # one entry a chunk
        for name in net.params():
            expected = nudged_one_at_a_time(net, x, t, name)
            np.testing.assert_allclose(
                numerical_gradient(net, x, t, name), expected, rtol=1e-6, atol=1e-9, err_msg=name
            )


def test_an_empty_batch_has_no_numerical_gradient():
    """No sample, no loss: NaN for every entry, as before the batched stencil (not a
    division by the batch size)."""
    net = notes_network()
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning, match="empty slice"):
        grad = numerical_gradient(net, np.zeros((2, 0)), np.zeros((1, 0)), "W[2]")
    assert grad.shape == (2, 2) and np.isnan(grad).all()


def test_gradcheck_leaves_the_network_as_it_found_it():
    net = notes_network()
    before = {k: v.copy() for k, v in net.params().items()}
    gradcheck(net, np.array(XOR_X).T, np.array([XOR_Y], dtype=np.float64))
    for name, value in net.params().items():
        np.testing.assert_array_equal(value, before[name])


def test_relative_error_is_difference_over_the_larger_magnitude_and_zero_where_both_are_zero():
    analytic = np.array([0.0, 1.0, -2.0, 0.0, 3.0])
    numeric = np.array([0.0, 1.5, -2.0, 1e-3, -3.0])
    np.testing.assert_array_equal(
        relative_error(analytic, numeric), [0.0, 0.5 / 1.5, 0.0, 1.0, 2.0]
    )


def test_a_non_finite_gradient_is_never_graded_good():
    analytic = np.array([np.nan, 1.0, np.inf, np.inf])
    numeric = np.array([1.0, np.nan, 1.0, np.inf])
    errors = relative_error(analytic, numeric)
    assert np.isinf(errors).all()
    assert grade(float(errors.max())) == "bad"


@pytest.mark.parametrize(
    ("error", "expected"),
    [(0.0, "good"), (9e-8, "good"), (1e-7, "fair"), (9e-5, "fair"), (1e-4, "bad"), (1.0, "bad")],
)
def test_grade_uses_the_usual_thresholds(error, expected):
    assert grade(error) == expected


# --- the helper itself fails on a wrong gradient ----------------------------------------------


def test_helper_rejects_a_slightly_wrong_local_gradient():
    net, x, t = random_case([2, 3, 1], ["tanh", "sigmoid"], "bce", 3, seed=5)
    net.f[2] = dataclasses.replace(net.f[2], local=lambda z, a: 1.0 - 1.001 * a**2)
    with pytest.raises(AssertionError, match=r"dW\[2\]"):
        assert_grads_match(net, x, t)


def test_helper_rejects_a_gradient_that_forgets_the_batch_mean():
    net, x, t = random_case([2, 3, 2], ["relu", "identity"], "squared_error", 4, seed=6)
    run = net.run

    def summed(x, t, *args, **kwargs):
        p = run(x, t, *args, **kwargs)
        p.dW[3] = p.dW[3] * x.shape[1]
        return p

    net.run = summed
    with pytest.raises(AssertionError, match=r"dW\[3\]"):
        assert_grads_match(net, x, t)

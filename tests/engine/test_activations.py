"""The sigmoid's two stable forms: for training's small arrays and for a plot's grid."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bpdebugger.engine.activations import LARGE, sigmoid


def reference(z: float) -> float:
    """σ(z) by Python's own floats: 1/(1+e^−z) for z ≥ 0, e^z/(1+e^z) below."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@given(st.lists(st.floats(-750.0, 740.0), min_size=1, max_size=20))
def test_both_forms_are_sigmoid_over_the_whole_range(values):
    """The grid's form to a few ulps; the training form exp(−log(1 + e^−z)) loses about
    |z| ulps in the far negative tail (e^x of a rounded x), still 1e-13 relative at −700."""
    small = sigmoid(np.array(values))
    large = sigmoid(np.resize(np.array(values), LARGE + 1))[: len(values)]
    for s, g, v in zip(small, large, values, strict=True):
        want = reference(v)
        assert abs(g - want) <= 4 * np.spacing(want)
        assert abs(s - want) <= (4 + 2 * abs(v)) * np.spacing(want)


def test_the_large_form_keeps_the_limits_and_nan():
    z = np.resize(np.array([np.inf, -np.inf, np.nan, 0.0, -1000.0, 1000.0]), LARGE)
    out = sigmoid(z)[:6]
    assert out[0] == 1.0 and out[1] == 0.0 and np.isnan(out[2]) and out[3] == 0.5
    assert out[4] == 0.0 and out[5] == 1.0

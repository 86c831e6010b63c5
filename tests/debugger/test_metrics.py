"""Gradient norms in the metrics: exact where the squares would overflow or underflow."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpdebugger.debugger import metrics
from bpdebugger.debugger.metrics import _Growing, gradient_norms, row_norms

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


def exact_norm(row: np.ndarray) -> float:
    """The norm by Python's own scaled hypot over all elements (correctly rounded sums)."""
    return math.hypot(*(float(v) for v in row))


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 7)), elements=finite))
def test_row_norms_match_a_scaled_reference_over_the_whole_float_range(rows):
    for got, row in zip(row_norms(rows), rows, strict=True):
        want = exact_norm(row)
        if math.isinf(want):  # the norm itself can exceed the largest float
            assert got == np.inf
        else:
            assert got == want or abs(got - want) <= 4e-16 * want


def test_huge_and_tiny_gradients_keep_their_norm_and_non_finite_ones_say_so():
    dW = {2: np.array([[3e200, 4e200]]), 3: np.array([[3e-200, -4e-200]])}
    np.testing.assert_allclose(gradient_norms([dW], [2, 3]), [[5e200, 5e-200]], rtol=1e-15)
    rows = np.array([[np.inf, 1.0], [np.nan, 1.0], [np.nan, np.inf], [0.0, 0.0]])
    norms = row_norms(rows)
    assert norms[0] == np.inf and np.isnan(norms[1]) and norms[3] == 0.0


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("extend"), st.integers(0, 300)),
            st.tuples(st.just("truncate"), st.integers(0, 2000)),
        ),
        max_size=60,
    ),
    st.integers(1, 64),
)
def test_the_growing_buffer_always_holds_exactly_the_rows_kept(operations, migrate_rows):
    """Whatever the sizes of extends and truncations, while rows move across to a grown
    buffer and after, the columns are exactly the rows appended and not truncated."""
    table, model, counter = _Growing(2), np.empty((0, 2)), 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(metrics, "MIGRATE_ROWS", migrate_rows)
        for verb, size in operations:
            if verb == "extend":
                rows = np.arange(counter, counter + 2 * size, dtype=np.float64).reshape(-1, 2)
                counter += 2 * size
                table.extend(rows)
                model = np.concatenate([model, rows])
            else:
                table.truncate(size)
                model = model[:size]
            np.testing.assert_array_equal(table.column(slice(None)), model)

"""The input grid the plots evaluate the network on: points, ranges, held features, values."""

from __future__ import annotations

import numpy as np
import pytest

from bpdebugger.engine.grid import GridValues, InputGrid, evaluate
from bpdebugger.engine.network import Network


def test_points_run_row_by_row_over_the_two_ranges():
    grid = InputGrid((-1.0, 1.0), (0.0, 2.0), resolution=3)
    assert grid.shape == (3, 3)
    assert grid.points.shape == (2, 9)
    # point i·R + j is (xs[j], ys[i]): x varies fastest, y grows with the row
    assert grid.points[:, 0].tolist() == [-1.0, 0.0]
    assert grid.points[:, 2].tolist() == [1.0, 0.0]
    assert grid.points[:, 3].tolist() == [-1.0, 1.0]
    assert grid.points[:, 8].tolist() == [1.0, 2.0]
    assert grid.step == (1.0, 1.0)


def test_points_are_built_once_and_read_only():
    grid = InputGrid((0.0, 1.0), (0.0, 1.0), resolution=10)
    assert grid.points is grid.points
    with pytest.raises(ValueError):
        grid.points[0, 0] = 5.0


def test_other_features_are_held_at_their_mean():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 4)) + np.array([1.0, 2.0, 3.0, 4.0])
    grid = InputGrid.around(x, features=(3, 1), resolution=5)
    means = x.mean(axis=0)
    assert grid.n_inputs == 4
    np.testing.assert_array_equal(grid.points[0], means[0])
    np.testing.assert_array_equal(grid.points[2], means[2])
    # the chosen features span the grid: feature 3 along x, feature 1 along y
    assert set(grid.points[3]) == set(grid.xs)
    assert set(grid.points[1]) == set(grid.ys)
    assert grid.features == (3, 1)


def test_ranges_come_from_the_data_with_a_margin():
    x = np.array([[0.0, 10.0], [2.0, 14.0], [1.0, 12.0]])
    grid = InputGrid.around(x, margin=0.25, resolution=7)
    assert grid.x_range == (-0.5, 2.5)  # span 2, a quarter of it on each side
    assert grid.y_range == (9.0, 15.0)  # span 4
    assert grid.xs[0] == -0.5 and grid.xs[-1] == 2.5
    assert grid.ys[0] == 9.0 and grid.ys[-1] == 15.0


def test_a_feature_with_one_value_still_gets_a_window():
    x = np.array([[1.0, 3.0], [2.0, 3.0]])
    grid = InputGrid.around(x, margin=0.5, resolution=4)
    assert grid.y_range == (2.5, 3.5)


def test_grid_arguments_are_checked():
    with pytest.raises(ValueError, match="two different features"):
        InputGrid((0, 1), (0, 1), features=(1, 1))
    with pytest.raises(ValueError, match="out of range"):
        InputGrid((0, 1), (0, 1), features=(0, 2), means=[0.0, 0.0])
    with pytest.raises(ValueError, match="resolution"):
        InputGrid((0, 1), (0, 1), resolution=1)
    with pytest.raises(ValueError, match="samples as rows"):
        InputGrid.around(np.zeros((0, 2)))


def _net(sizes, activations, loss, seed=0) -> Network:
    return Network.initialised(sizes, activations, loss, "xavier", seed)


@pytest.mark.parametrize(
    ("sizes", "activations", "loss"),
    [
        ((2, 2, 1), ("tanh", "sigmoid"), "bce"),
        ((2, 5, 3, 3), ("relu", "tanh", "softmax"), "cross_entropy"),
        ((3, 4, 1), ("sigmoid", "identity"), "squared_error"),
    ],
)
def test_values_equal_the_forward_pass_on_the_same_points(sizes, activations, loss):
    net = _net(sizes, activations, loss)
    rng = np.random.default_rng(2)
    grid = InputGrid.around(rng.normal(size=(30, sizes[0])), resolution=23)
    values = evaluate(net, grid)
    assert isinstance(values, GridValues)
    assert values.grid is grid
    _, a = net.forward(np.array(grid.points))
    R = grid.resolution
    assert values.output.shape == (sizes[-1], R, R)
    assert sorted(values.hidden) == list(range(2, len(sizes)))
    for l, h in values.hidden.items():
        assert h.shape == (sizes[l - 1], R, R)
        # image[i, j] is grid point i·R + j
        np.testing.assert_array_equal(h.reshape(sizes[l - 1], -1), a[l])
    np.testing.assert_array_equal(values.output.reshape(sizes[-1], -1), a[len(sizes)])
    # spot check the layout: row i, column j is the point (xs[j], ys[i])
    i, j = 7, 15
    point = grid.means.copy()
    point[list(grid.features)] = [grid.xs[j], grid.ys[i]]
    np.testing.assert_allclose(values.output[:, i, j], net.output(point[:, None])[:, 0])


@pytest.mark.parametrize("changed", ["W[4]", "b[4]", "b[3]", "W[2]", None])
def test_values_after_a_change_reuse_only_the_layers_before_it(changed):
    net = _net((2, 4, 3, 2), ("tanh", "relu", "softmax"), "cross_entropy")
    grid = InputGrid((-2.0, 2.0), (-1.0, 3.0), resolution=17)
    before = evaluate(net, grid)
    if changed is not None:
        net.param(changed)[...] += 0.25
    after = evaluate(net, grid, before)
    full = evaluate(net, grid)
    # exactly a full pass: the kept layers hold the same numbers a full pass computes
    np.testing.assert_array_equal(after.output, full.output)
    for l, h in full.hidden.items():
        np.testing.assert_array_equal(after.hidden[l], h)
    first = int(changed[2]) if changed is not None else 4
    for l in range(2, 4):
        assert (after.hidden[l] is before.hidden[l]) == (l < first)
    # the values remember their own copy of the network, not the one still being changed
    assert after.net is not net
    net.param("W[2]")[...] += 1.0
    assert not np.array_equal(after.net.W[2], net.W[2])
    np.testing.assert_array_equal(evaluate(net, grid, after).output, evaluate(net, grid).output)


def test_values_on_another_grid_or_network_are_not_reused():
    net = _net((2, 3, 1), ("tanh", "sigmoid"), "bce")
    grid = InputGrid((0.0, 1.0), (0.0, 1.0), resolution=9)
    before = evaluate(net, grid)
    other_grid = InputGrid((0.0, 2.0), (0.0, 1.0), resolution=9)
    np.testing.assert_array_equal(
        evaluate(net, other_grid, before).hidden[2], evaluate(net, other_grid).hidden[2]
    )
    relu = Network(net.sizes, ("relu", "sigmoid"), "bce", net.params())
    np.testing.assert_array_equal(
        evaluate(relu, grid, before).hidden[2], evaluate(relu, grid).hidden[2]
    )


def test_evaluate_checks_the_input_width():
    net = _net((3, 2, 1), ("tanh", "sigmoid"), "bce")
    with pytest.raises(ValueError, match="2 inputs, the network 3"):
        evaluate(net, InputGrid((0, 1), (0, 1), resolution=4))


def test_a_diverged_network_gives_values_without_warnings():
    net = _net((2, 2, 1), ("tanh", "sigmoid"), "bce")
    net.W[2][0, 0] = np.inf
    net.W[2][1, 0] = np.nan
    values = evaluate(net, InputGrid((-1, 1), (-1, 1), resolution=8))
    assert values.output.shape == (1, 8, 8)

"""engine.data.merge (split's inverse) and read_samples (a CSV file for a network)."""

from __future__ import annotations

import numpy as np
import pytest

from bpdebugger.engine.data import merge, read_samples, split
from bpdebugger.engine.errors import InputError


@pytest.mark.parametrize(("n_train", "n_test", "seed"), [(7, 3, 0), (40, 10, 5), (5, 0, 2)])
def test_split_takes_back_what_merge_put_together(n_train, n_test, seed):
    rng = np.random.default_rng(99)
    x_train, x_test = rng.normal(size=(n_train, 2)), rng.normal(size=(n_test, 2))
    y_train, y_test = rng.integers(0, 2, n_train) * 1.0, rng.integers(0, 2, n_test) * 1.0
    x, y, fraction = merge(x_train, y_train, x_test, y_test, seed)
    assert len(x) == n_train + n_test
    back = split(x, y, fraction, seed)
    for got, want in zip(back, (x_train, y_train, x_test, y_test), strict=True):
        assert np.array_equal(got, want)


def test_merge_of_two_dimensional_targets():
    x, y, fraction = merge([[1.0], [2.0]], [[0.0, 1.0], [1.0, 0.0]], [[3.0]], [[0.5, 0.5]], 1)
    assert fraction == 1 / 3
    _, _, x_test, y_test = split(x, y, fraction, 1)
    assert x_test.tolist() == [[3.0]] and y_test.tolist() == [[0.5, 0.5]]


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_samples_are_shaped_for_the_loss(tmp_path):
    path = write(tmp_path, "a,b,t\n1,2,0.5\n3,4,1\n")
    x, y = read_samples(path, 2, "squared_error", 1)
    assert x.tolist() == [[1, 2], [3, 4]] and y.tolist() == [[0.5], [1.0]]
    path = write(tmp_path, "a,b,class\n1,2,2\n3,4,0\n")
    x, y = read_samples(path, 2, "cross_entropy", 3)
    assert y.tolist() == [2.0, 0.0]


@pytest.mark.parametrize(
    ("text", "loss", "message"),
    [
        (
            "a,b,c,y\n1,2,3,0\n",
            "bce",
            "line 1: 3 feature columns and a label, but the network "
            "has 2 inputs: expected 3 columns",
        ),
        (
            "a,y\n1,0\n",
            "bce",
            "line 1: 1 feature column and a label, but the network has 2 "
            "inputs: expected 3 columns",
        ),
        (
            "a,b,y\n1,2,0\n3,4,0.5\n",
            "bce",
            "line 3, column 3 (y): expected 0 or 1 for bce, got 0.5",
        ),
        (
            "a,b,k\n1,2,3\n",
            "cross_entropy",
            "line 2, column 3 (k): expected a class index, a whole number from 0 to 2, got 3",
        ),
    ],
)
def test_what_the_network_cannot_take_names_the_line_and_column(tmp_path, text, loss, message):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as e:
        read_samples(path, 2, loss, 3 if loss == "cross_entropy" else 1)
    assert str(e.value) == f"data.csv: {message}"


def test_the_source_names_the_file_as_the_caller_wrote_it(tmp_path):
    path = write(tmp_path, "a,b,y\n1,x,0\n")
    with pytest.raises(InputError) as e:
        read_samples(path, 2, "bce", 1, source="my/data.csv")
    assert str(e.value) == "my/data.csv: line 2, column 2 (b): expected a number, got 'x'"

"""Tests for bpdebugger.engine.data: generated sets, CSV, validation, batches."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpdebugger.engine import data
from bpdebugger.engine.data import (
    DATASETS,
    Dataset,
    batch_indices,
    check_features,
    check_labels,
    epoch_of,
    generate,
    read_csv,
    split,
    write_csv,
)
from bpdebugger.engine.errors import InputError

IRIS = Path(__file__).resolve().parents[2] / "resources" / "data" / "iris.csv"


def refused(exc: pytest.ExceptionInfo[InputError]) -> str:
    return str(exc.value)


def classes_for(name: str) -> int:
    return 3 if name in ("spiral", "gaussians") else 2


# --------------------------------------------------------------------------- generate


def test_dataset_names() -> None:
    assert DATASETS == ("xor", "circles", "moons", "spiral", "gaussians", "linear")


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_numbers_other_seed_other_numbers(name: str) -> None:
    a = generate(name, n=50, seed=3, test_fraction=0.2)
    b = generate(name, n=50, seed=3, test_fraction=0.2)
    c = generate(name, n=50, seed=4, test_fraction=0.2)
    for field in ("x", "y", "x_test", "y_test"):
        assert getattr(a, field).tobytes() == getattr(b, field).tobytes()
    assert not np.array_equal(a.x, c.x)


def test_pinned_numbers() -> None:
    # Sessions name a data set by its arguments: these numbers must never change.
    xor = generate("xor", n=4, seed=0)
    expected = [
        [-0.3362508208966438, -0.456293974537535],
        [-0.8590435558644283, 0.8036319881621888],
        [-1.0426440468529172, -1.040171464413287],
        [-0.2676974498200907, 0.4273631063310813],
    ]
    np.testing.assert_allclose(xor.x, expected, rtol=0, atol=1e-12)
    assert xor.y.tolist() == [0.0, 1.0, 0.0, 1.0]
    spiral = generate("spiral", n=3, seed=1, classes=3, noise=0)
    expected = [
        [-0.2013643553575119, 0.9339564575167868],
        [-0.5590936097078913, -0.04160459341951072],
        [0.08568212731221488, -0.2131682866651652],
    ]
    np.testing.assert_allclose(spiral.x, expected, rtol=0, atol=1e-12)
    assert spiral.y.tolist() == [1.0, 0.0, 2.0]


@pytest.mark.parametrize("name", DATASETS)
def test_shapes_dtypes_and_read_only(name: str) -> None:
    d = generate(name, n=30, classes=classes_for(name))
    assert isinstance(d, Dataset)
    assert d.x.shape == (30, 2) and d.y.shape == (30,)
    assert d.x_test.shape == (0, 2) and d.y_test.shape == (0,)
    assert len(d) == 30 and d.n_features == 2
    for a in (d.x, d.y, d.x_test, d.y_test):
        assert a.dtype == np.float64
        assert not a.flags.writeable
    with pytest.raises(ValueError):
        d.x[0, 0] = 1.0
    assert set(np.unique(d.y)) <= set(range(classes_for(name)))


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("n", [1, 2, 7, 200])
def test_classes_are_balanced(name: str, n: int) -> None:
    k = classes_for(name)
    d = generate(name, n=n, classes=k, test_fraction=0.25 if n > 1 else 0.0)
    y = np.concatenate([d.y, d.y_test])
    counts = np.bincount(y.astype(int), minlength=k)
    assert counts.sum() == n
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", DATASETS)
def test_samples_come_shuffled(name: str) -> None:
    y = generate(name, n=200, classes=classes_for(name)).y
    # Sorted by class, the first batch would hold one class only.
    assert len(np.unique(y[:20])) > 1
    assert np.any(np.diff(y) < 0)


@pytest.mark.parametrize("name", DATASETS)
def test_inputs_fit_a_tanh_network(name: str) -> None:
    d = generate(name, n=500, classes=classes_for(name), noise=0.1)
    limit = 2.5 if name == "gaussians" else 1.5  # blobs have Gaussian tails
    assert np.abs(d.x).max() <= limit
    assert np.abs(d.x.mean(axis=0)).max() < 0.2


def test_xor_geometry() -> None:
    d = generate("xor", n=400, noise=0.0)
    assert np.abs(d.x).max() <= 1.0
    np.testing.assert_array_equal(d.y, (d.x[:, 0] * d.x[:, 1] < 0).astype(float))


def test_linear_geometry() -> None:
    d = generate("linear", n=400, noise=0.0)
    assert np.abs(d.x).max() <= 1.0
    np.testing.assert_array_equal(d.y, (d.x[:, 1] > 0.5 * d.x[:, 0]).astype(float))


def test_circles_geometry() -> None:
    clean = generate("circles", n=400, noise=0.0)
    r = np.hypot(clean.x[:, 0], clean.x[:, 1])
    np.testing.assert_allclose(r[clean.y == 1], 0.5)
    np.testing.assert_allclose(r[clean.y == 0], 1.0)
    noisy = generate("circles", n=400, noise=0.1)
    r = np.hypot(noisy.x[:, 0], noisy.x[:, 1])
    assert r[noisy.y == 1].mean() < r[noisy.y == 0].mean() - 0.3


def test_moons_geometry() -> None:
    d = generate("moons", n=400, noise=0.0)
    # Undo the centring and scaling: sklearn's moons, upper (label 0) and lower (label 1).
    u = d.x / (2.0 / 3.0) + [0.5, 0.25]
    upper, lower = u[d.y == 0], u[d.y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 0.5 + 1e-12).all()
    assert np.abs(d.x[:, 0]).max() <= 1.0 + 1e-12 and np.abs(d.x[:, 1]).max() <= 0.5 + 1e-12


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_spiral_geometry(classes: int) -> None:
    d = generate("spiral", n=300, noise=0.0, classes=classes)
    r = np.hypot(d.x[:, 0], d.x[:, 1])
    assert r.min() >= 0.1 - 1e-12 and r.max() <= 1.0 + 1e-12
    # Arm c: angle = 2π(c/C + s) with radius 0.1 + 0.9 s, up to whole turns.
    s = (r - 0.1) / 0.9
    expected = 2 * np.pi * (d.y / classes + s)
    turns = (np.arctan2(d.x[:, 1], d.x[:, 0]) - expected) / (2 * np.pi)
    np.testing.assert_allclose(turns, np.round(turns), atol=1e-9)


@pytest.mark.parametrize("classes", [2, 4])
def test_gaussians_geometry(classes: int) -> None:
    noise = 0.2
    d = generate("gaussians", n=4000, noise=noise, classes=classes)
    for c in range(classes):
        a = 2 * np.pi * c / classes + np.pi / 4
        blob = d.x[d.y == c]
        np.testing.assert_allclose(blob.mean(axis=0), [np.cos(a), np.sin(a)], atol=0.05)
        np.testing.assert_allclose(blob.std(axis=0), np.hypot(0.3, noise), rtol=0.1)


@pytest.mark.parametrize("name", DATASETS)
def test_noise_is_jitter_on_the_clean_points(name: str) -> None:
    clean = generate(name, n=2000, noise=0.0, classes=classes_for(name))
    noisy = generate(name, n=2000, noise=0.2, classes=classes_for(name))
    np.testing.assert_array_equal(clean.y, noisy.y)
    jitter = noisy.x - clean.x
    assert abs(jitter.std() - 0.2) < 0.01
    assert abs(jitter.mean()) < 0.02


def test_test_fraction_splits_the_n_samples() -> None:
    d = generate("moons", n=101, test_fraction=0.3, seed=5)
    assert len(d) == 71 and len(d.x_test) == 30 and d.y_test.shape == (30,)
    everything = np.concatenate([d.x, d.x_test])
    whole = generate("moons", n=101, seed=5)
    # The same samples, only divided: as sets of rows.
    assert sorted(map(tuple, everything.tolist())) == sorted(map(tuple, whole.x.tolist()))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"name": "spirals"},
            'dataset: unknown data set "spirals"; '
            "known: xor, circles, moons, spiral, gaussians, linear",
        ),
        ({"name": 3}, "dataset: unknown data set 3; known: "),
        ({"n": 0}, "n: expected a whole number of samples from 1 to 1000000, got 0"),
        ({"n": 2.5}, "n: expected a whole number of samples from 1 to 1000000, got 2.5"),
        ({"n": True}, "n: expected a whole number of samples from 1 to 1000000, got true"),
        ({"noise": -0.1}, "noise: expected a number ≥ 0, got -0.1"),
        ({"noise": float("nan")}, "noise: expected a number ≥ 0, got NaN"),
        ({"noise": float("inf")}, "noise: expected a number ≥ 0, got Infinity"),
        ({"noise": "0.1"}, 'noise: expected a number ≥ 0, got "0.1"'),
        ({"seed": -1}, "seed: expected a whole number ≥ 0, got -1"),
        ({"seed": 1.5}, "seed: expected a whole number ≥ 0, got 1.5"),
        (
            {"test_fraction": 1.0},
            "test_fraction: expected a number from 0 up to (not including) 1, got 1.0",
        ),
        (
            {"test_fraction": -0.5},
            "test_fraction: expected a number from 0 up to (not including) 1, got -0.5",
        ),
        (
            {"n": 1, "test_fraction": 0.6},
            "test_fraction: 0.6 of 1 sample leaves no training sample (1 would go to the test set)",
        ),
        (
            {"n": 3, "test_fraction": 0.9},
            "test_fraction: 0.9 of 3 samples leaves no training sample "
            "(3 would go to the test set)",
        ),
        ({"n": 10**9}, "n: expected a whole number of samples from 1 to 1000000, got 1000000000"),
        (
            {"name": "spiral", "classes": 101},
            "classes: expected a whole number of classes from 2 to 100, got 101",
        ),
        ({"classes": 1}, "classes: expected a whole number of classes from 2 to 100, got 1"),
        (
            {"classes": 3},
            "classes: 'xor' has exactly 2 classes, got 3; only spiral and gaussians take more",
        ),
    ],
)
def test_generate_refusals(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"name": "xor", **kwargs}
    with pytest.raises(InputError) as exc:
        generate(**args)  # type: ignore[arg-type]
    assert refused(exc).startswith(message)
    if not message.endswith(": "):
        assert refused(exc) == message


def test_generate_accepts_numpy_scalars() -> None:
    d = generate("spiral", n=np.int64(10), noise=np.float64(0.0), seed=np.int32(2), classes=4)
    assert len(d) == 10


# --------------------------------------------------------------------------- split


def test_split_sizes_disjoint_and_ordered() -> None:
    x = np.arange(20.0).reshape(10, 2)
    y = np.arange(10.0)
    x_train, y_train, x_test, y_test = split(x, y, 0.3, seed=0)
    assert len(x_test) == 3 and len(x_train) == 7
    assert set(y_train) | set(y_test) == set(y) and not set(y_train) & set(y_test)
    # Rows stay together and keep their relative order.
    np.testing.assert_array_equal(x_train[:, 0], 2 * y_train)
    np.testing.assert_array_equal(x_test[:, 0], 2 * y_test)
    assert (np.diff(y_train) > 0).all() and (np.diff(y_test) > 0).all()
    # The test part is the head of the seeded permutation.
    expected = np.sort(np.random.default_rng(0).permutation(10)[:3])
    np.testing.assert_array_equal(y_test, expected)


def test_split_is_seeded_and_rounds() -> None:
    x, y = np.zeros((50, 1)), np.arange(50.0)
    assert split(x, y, 0.2, 1)[3].tolist() == split(x, y, 0.2, 1)[3].tolist()
    assert split(x, y, 0.2, 1)[3].tolist() != split(x, y, 0.2, 2)[3].tolist()
    assert len(split(x, y, 0.01, 0)[3]) == 0  # round(0.5) == 0, ties to even
    assert len(split(x, y, 0.03, 0)[3]) == 2  # round(1.5) == 2
    x_train, _, x_test, y_test = split(x, y, 0.0, 0)
    assert x_train.shape == (50, 1) and x_test.shape == (0, 1) and y_test.shape == (0,)


def test_split_of_several_targets_keeps_them() -> None:
    x = np.arange(8.0).reshape(4, 2)
    y = np.arange(12.0).reshape(4, 3)
    _, y_train, _, y_test = split(x, y, 0.5, 0)
    assert y_train.shape == (2, 3) and y_test.shape == (2, 3)


def test_split_refuses_no_training_sample() -> None:
    with pytest.raises(InputError) as exc:
        split(np.zeros((2, 1)), np.zeros(2), 0.75, 0)
    assert refused(exc) == (
        "test_fraction: 0.75 of 2 samples leaves no training sample (2 would go to the test set)"
    )


# --------------------------------------------------------------------------- Dataset


def test_dataset_copies_and_defaults() -> None:
    x = np.zeros((3, 2))
    d = Dataset(x, [0, 1, 0])
    assert x.flags.writeable  # the caller's array is left alone
    assert d.x is not x and d.y.dtype == np.float64
    assert d.x_test.shape == (0, 2) and d.y_test.shape == (0,)
    targets = Dataset(x, np.zeros((3, 2)))
    assert targets.y_test.shape == (0, 2)
    with pytest.raises(ValueError):
        Dataset(x, [0, 1])


# --------------------------------------------------------------------------- CSV: reading


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def csv_error(path: Path, **kwargs: str) -> str:
    with pytest.raises(InputError) as exc:
        read_csv(path, **kwargs)
    return refused(exc)


def test_reads_iris() -> None:
    x, y, header = read_csv(IRIS)
    assert x.shape == (150, 4) and y.shape == (150,)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert header == [
        "sepal_length_cm",
        "sepal_width_cm",
        "petal_length_cm",
        "petal_width_cm",
        "species",
    ]
    assert np.bincount(y.astype(int)).tolist() == [50, 50, 50]
    np.testing.assert_array_equal(x[0], [5.1, 3.5, 1.4, 0.2])


def test_reads_bom_spaces_quotes_crlf_and_trailing_blank_lines(tmp_path: Path) -> None:
    text = '\ufeff "a" , b ,label\r\n 1.5 , -2e-3,1\r\n+.5,3.,0\r\n\r\n  \n'
    x, y, header = read_csv(write(tmp_path / "d.csv", text))
    assert header == ["a", "b", "label"]
    np.testing.assert_array_equal(x, [[1.5, -0.002], [0.5, 3.0]])
    np.testing.assert_array_equal(y, [1.0, 0.0])


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.csv"
    assert csv_error(path) == f"missing.csv: no such file: {path}"


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    path = tmp_path / "folder.csv"
    path.mkdir()
    assert csv_error(path) == f"folder.csv: is a directory, not a file: {path}"


def test_source_names_the_file_as_the_user_wrote_it(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "a,b\n1,x\n")
    assert csv_error(path, source="data/d.csv") == (
        "data/d.csv: line 2, column 2 (b): expected a number, got 'x'"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty; expected a header row, then one row per sample"),
        ("\n \n\n", "the file is empty; expected a header row, then one row per sample"),
        ("a,b\n", "no samples: the file has a header row but no data rows"),
        ("a,b\n\n\n", "no samples: the file has a header row but no data rows"),
        (
            "label\n1\n",
            "line 1: expected at least 2 columns (features, then the label), found 1",
        ),
        ("a,,c\n1,2,3\n", "line 1, column 2: empty column name"),
        ("1,2,0\n3,4,1\n", "line 1: expected a header row of column names, found only numbers"),
        ("a,b,c\n1,2,3\n4,5\n", "line 3: expected 3 columns, found 2"),
        ("a,b,c\n1,2,3,\n", "line 2: expected 3 columns, found 4"),
        ("a,b,c\n1,2,3\n\n4,5,6\n", "line 3: empty line, expected 3 columns"),
        ("a,b,c,d\n1,2,,3\n", "line 2, column 3 (c): expected a number, got an empty cell"),
        ("a,b,c\n1,2,3\n4,5,   \n", "line 3, column 3 (c): expected a number, got an empty cell"),
        ("a,b,c\n1,nan,3\n", "line 2, column 2 (b): expected a finite number, got 'nan'"),
        (
            "a,b,c\n1,2,-Infinity\n",
            "line 2, column 3 (c): expected a finite number, got '-Infinity'",
        ),
        ("a,b,c\n1, inf ,3\n", "line 2, column 2 (b): expected a finite number, got 'inf'"),
        ("a,b,c\n1e999,2,3\n", "line 2, column 1 (a): number too large for float64, got '1e999'"),
        ("a,b,c\n1_000,2,3\n", "line 2, column 1 (a): expected a number, got '1_000'"),
        ("a,b,c\n1,0x10,3\n", "line 2, column 2 (b): expected a number, got '0x10'"),
        ("a,b,c\n1;2;3\n", "line 2: expected 3 columns, found 1"),
        (
            "a,b\n1," + "z" * 50 + "\n",
            "line 2, column 2 (b): expected a number, got '" + "z" * 40 + "…'",
        ),
    ],
)
def test_csv_refusals(tmp_path: Path, text: str, message: str) -> None:
    assert csv_error(write(tmp_path / "data.csv", text)) == f"data.csv: {message}"


def test_csv_refusal_names_line_column_and_header(tmp_path: Path) -> None:
    rows = ["sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm,species"]
    rows += ["5.1,3.5,1.4,0.2,0"] * 5 + ["5.1,3.5,abc,0.2,0"]
    path = write(tmp_path / "iris.csv", "\n".join(rows) + "\n")
    assert (
        csv_error(path)
        == "iris.csv: line 7, column 3 (petal_length_cm): expected a number, got 'abc'"
    )


def test_csv_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path / "latin.csv", b"a,b\n1,2\n\xe9,3\n")
    assert csv_error(path) == (
        "latin.csv: line 3: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    )


# --------------------------------------------------------------------------- CSV: writing


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 4)),
        elements=finite,
    ),
    data_=st.data(),
)
def test_csv_round_trip_is_exact(
    tmp_path_factory: pytest.TempPathFactory, x: np.ndarray, data_: st.DataObject
) -> None:
    labels = st.one_of(finite, st.integers(-(2**60), 2**60).map(float))
    y = data_.draw(hnp.arrays(np.float64, (len(x),), elements=labels))
    path = tmp_path_factory.mktemp("roundtrip") / "r.csv"
    write_csv(path, x, y)
    x2, y2, header = read_csv(path)
    # Bit for bit, so -0.0 and the last digit of every double survive.
    assert x2.tobytes() == x.tobytes()
    assert y2.tobytes() == y.tobytes()
    assert header == [f"x{j + 1}" for j in range(x.shape[1])] + ["y"]


def test_write_csv_text(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, [[0.1, -2.0], [1e-20, 3.0]], [[1.0], [0.5]], header=["a", "b", "label"])
    assert path.read_text() == "a,b,label\n0.1,-2.0,1\n1e-20,3.0,0.5\n"
    write_csv(path, np.zeros((1, 1)), [-0.0])
    assert path.read_text() == "x1,y\n0.0,-0.0\n"


def test_write_csv_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, np.ones((3, 2)), np.zeros(3))
    write_csv(path, np.ones((4, 2)), np.ones(4))  # replaces the old file
    assert os.listdir(tmp_path) == ["out.csv"]
    assert len(read_csv(path)[0]) == 4


def test_write_csv_into_a_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "out.csv"
    with pytest.raises(InputError) as exc:
        write_csv(path, np.ones((2, 2)), np.zeros(2))
    assert refused(exc) == f"out.csv: cannot write: no such directory: {path.parent}"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, np.ones((2, 2)), np.zeros(2))
    before = path.read_bytes()

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data.os, failing, fail)
    with pytest.raises(InputError) as exc:
        write_csv(path, np.full((5, 2), 7.0), np.ones(5))
    monkeypatch.undo()
    assert refused(exc) == f"out.csv: cannot write {path}: No space left on device"
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["out.csv"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_write_csv_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, np.ones((1, 1)), [0])
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o640)
    write_csv(path, np.ones((1, 1)), [1])
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("x", "y", "header"),
    [
        (np.ones((2, 2)), np.ones(3), None),
        (np.ones(2), np.ones(2), None),
        (np.ones((2, 2)), np.ones((2, 2)), None),
        (np.zeros((0, 2)), np.zeros(0), None),
        (np.array([[np.nan, 1.0]]), np.ones(1), None),
        (np.ones((1, 1)), np.array([np.inf]), None),
        (np.ones((1, 2)), np.ones(1), ["a", "y"]),
        (np.ones((1, 1)), np.ones(1), ["a,b", "y"]),
        (np.ones((1, 1)), np.ones(1), ["a", " "]),
        (np.ones((1, 1)), np.ones(1), ["1", "2"]),
    ],
)
def test_write_csv_refuses_bad_arrays(
    tmp_path: Path, x: np.ndarray, y: np.ndarray, header: list[str] | None
) -> None:
    with pytest.raises(ValueError):
        write_csv(tmp_path / "bad.csv", x, y, header)
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- check_features


def test_check_features_accepts_lists_tuples_and_arrays() -> None:
    out = check_features([[0, 1], (2.5, -3)], 2)
    assert out.dtype == np.float64 and out.shape == (2, 2)
    np.testing.assert_array_equal(out, [[0, 1], [2.5, -3]])
    np.testing.assert_array_equal(check_features(np.arange(6).reshape(3, 2), 2), out_of(3))
    assert check_features([[np.float32(1.5)]], 1).tolist() == [[1.5]]


def out_of(n: int) -> np.ndarray:
    return np.arange(2 * n, dtype=np.float64).reshape(n, 2)


@pytest.mark.parametrize(
    ("x", "n_inputs", "message"),
    [
        (5, 2, "x: expected a list of samples, each a list of 2 numbers, got 5"),
        ("abc", 2, 'x: expected a list of samples, each a list of 2 numbers, got "abc"'),
        ({"a": 1}, 1, "x: expected a list of samples, each a list of 1 number, got an object"),
        ([], 2, "x: expected at least one sample, got an empty list"),
        ([[1, 2], [3]], 2, "x[1]: expected 2 numbers (one per input), got 1"),
        ([[1, 2], 3], 2, "x[1]: expected a list of 2 numbers, got 3"),
        (
            [[1, 2, 3], [4, 5, 6]],
            2,
            "x: expected 2 numbers per sample (one per input), got 3 in every sample",
        ),
        ([[1, True]], 2, "x[0][1]: expected a number, got true"),
        ([[1, 2], [3, "4"]], 2, 'x[1][1]: expected a number, got "4"'),
        ([[None, 2]], 2, "x[0][0]: expected a number, got null"),
        ([[1, [2]]], 2, "x[0][1]: expected a number, got a list of 1 value"),
        ([[1, float("nan")]], 2, "x[0][1]: expected a finite number, got NaN"),
        ([[10**400]], 1, "x[0][0]: expected a finite number, got 100000… (401 digits)"),
        ([[float("-inf"), 1]], 2, "x[0][0]: expected a finite number, got -Infinity"),
        (
            np.array([[1.0, 2.0], [3.0, np.inf]]),
            2,
            "x[1][1]: expected a finite number, got Infinity",
        ),
        (
            np.ones((2, 3)),
            2,
            "x: expected 2 numbers per sample (one per input), got 3 in every sample",
        ),
        (np.array([[True, False]]), 2, "x[0][0]: expected a number, got true"),
        (np.array([1.0, 2.0]), 2, "x[0]: expected a list of 2 numbers, got 1.0"),
    ],
)
def test_check_features_refusals(x: object, n_inputs: int, message: str) -> None:
    with pytest.raises(InputError) as exc:
        check_features(x, n_inputs)
    assert refused(exc) == message


def test_check_features_field_prefix() -> None:
    with pytest.raises(InputError) as exc:
        check_features([[1, 2], [3, "a"]], 2, field="data.x")
    assert refused(exc) == 'data.x[1][1]: expected a number, got "a"'
    # And the engine's own nesting helper agrees with the field names.
    assert (
        str(exc.value.within(source="s.json")) == 's.json: data.x[1][1]: expected a number, got "a"'
    )


# --------------------------------------------------------------------------- check_labels


def test_check_labels_shapes() -> None:
    bce = check_labels([0, 1, 1.0, [0]], "bce", 1)
    assert bce.shape == (4,) and bce.tolist() == [0, 1, 1, 0]
    se1 = check_labels([0.5, [1.5], -2], "squared_error", 1)
    assert se1.shape == (3, 1) and se1[:, 0].tolist() == [0.5, 1.5, -2]
    se2 = check_labels([[1, 2], (3, 4.5)], "squared_error", 2)
    assert se2.shape == (2, 2) and se2.tolist() == [[1, 2], [3, 4.5]]
    ce = check_labels([0, 2, 1.0], "cross_entropy", 3)
    assert ce.shape == (3,) and ce.tolist() == [0, 2, 1]
    for out in (bce, se1, se2, ce):
        assert out.dtype == np.float64


def test_check_labels_accepts_arrays_from_csv() -> None:
    y = np.array([0.0, 1.0, 2.0])
    np.testing.assert_array_equal(check_labels(y, "cross_entropy", 3), y)
    assert check_labels(np.array([1, 0]), "bce", 1).tolist() == [1.0, 0.0]
    assert check_labels(np.ones((2, 3)), "squared_error", 3).shape == (2, 3)
    assert check_labels(np.ones(2), "squared_error", 1).shape == (2, 1)


@pytest.mark.parametrize(
    ("y", "loss", "n_outputs", "message"),
    [
        (1, "bce", 1, "y: expected a list of labels: a number per sample, got 1"),
        ([], "bce", 1, "y: expected at least one sample, got an empty list"),
        ([0, 1, 1, 0, 1, 0.5], "bce", 1, "y[5]: expected 0 or 1 for bce, got 0.5"),
        ([0, 2], "bce", 1, "y[1]: expected 0 or 1 for bce, got 2"),
        ([0, -1.0], "bce", 1, "y[1]: expected 0 or 1 for bce, got -1"),
        ([True], "bce", 1, "y[0]: expected a number, got true"),
        (["1"], "bce", 1, 'y[0]: expected a number, got "1"'),
        ([[0, 1]], "bce", 1, "y[0]: expected a number, got a list of 2 values"),
        ([float("nan")], "bce", 1, "y[0]: expected a finite number, got NaN"),
        (np.array([0.0, np.nan]), "bce", 1, "y[1]: expected a finite number, got NaN"),
        ([[1.0, 2.0]], "squared_error", 1, "y[0]: expected a number, got a list of 2 values"),
        (
            [[1, 2], [3]],
            "squared_error",
            2,
            "y[1]: expected 2 numbers (one per output), got a list of 1 value",
        ),
        (
            [[1, 2], 3],
            "squared_error",
            2,
            "y[1]: expected a list of 2 numbers (one per output), got 3",
        ),
        ([[1, "a"]], "squared_error", 2, 'y[0][1]: expected a number, got "a"'),
        (
            [[1, float("inf")]],
            "squared_error",
            2,
            "y[0][1]: expected a finite number, got Infinity",
        ),
        (
            [0, 3],
            "cross_entropy",
            3,
            "y[1]: expected a class index, a whole number from 0 to 2, got 3",
        ),
        (
            [-1],
            "cross_entropy",
            3,
            "y[0]: expected a class index, a whole number from 0 to 2, got -1",
        ),
        (
            [0, 1, 1.5, 7],
            "cross_entropy",
            3,
            "y[2]: expected a class index, a whole number from 0 to 2, got 1.5",
        ),
        ([None], "cross_entropy", 3, "y[0]: expected a number, got null"),
    ],
)
def test_check_labels_refusals(y: object, loss: str, n_outputs: int, message: str) -> None:
    with pytest.raises(InputError) as exc:
        check_labels(y, loss, n_outputs)
    assert refused(exc) == message


def test_check_labels_counts_samples() -> None:
    with pytest.raises(InputError) as exc:
        check_labels([0, 1], "bce", 1, field="data.y", n_samples=3)
    assert refused(exc) == "data.y: expected 3 labels (one per sample in x), got 2"


def test_check_labels_caller_mistakes_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        check_labels([0], "mse", 1)
    with pytest.raises(ValueError, match="bce has one output"):
        check_labels([0], "bce", 2)


# --------------------------------------------------------------------------- batches


def test_batches_in_file_order_wrap_around() -> None:
    got = [batch_indices(4, 3, k, shuffle=False, seed=0).tolist() for k in range(1, 6)]
    assert got == [[0, 1, 2], [3, 0, 1], [2, 3, 0], [1, 2, 3], [0, 1, 2]]
    assert batch_indices(2, 5, 1, False, 0).tolist() == [0, 1, 0, 1, 0]
    assert batch_indices(2, 5, 2, False, 0).tolist() == [1, 0, 1, 0, 1]
    assert batch_indices(5, 1, 7, False, 0).tolist() == [1]
    assert batch_indices(3, 3, 10**12, False, 0).tolist() == [0, 1, 2]


def test_shuffled_batches_follow_the_seeded_permutations() -> None:
    n, b, seed = 5, 2, 7
    stream = np.concatenate([np.random.default_rng([seed, e]).permutation(n) for e in range(4)])
    for k in range(1, 10):
        expected = stream[(k - 1) * b : k * b]
        np.testing.assert_array_equal(batch_indices(n, b, k, True, seed), expected)
    # A batch larger than the data spans several epochs.
    np.testing.assert_array_equal(batch_indices(n, 12, 1, True, seed), stream[:12])
    assert batch_indices(n, b, 1, True, seed).tolist() != batch_indices(n, b, 1, True, 8).tolist()


def test_batches_are_random_access_and_private_copies() -> None:
    forward = [batch_indices(7, 3, k, True, 1).tolist() for k in range(1, 30)]
    backward = [batch_indices(7, 3, k, True, 1).tolist() for k in range(29, 0, -1)]
    assert forward == backward[::-1]
    b = batch_indices(7, 3, 1, True, 1)
    b[:] = -1  # must not corrupt the cached permutation
    assert batch_indices(7, 3, 1, True, 1).tolist() == forward[0]
    assert b.dtype == np.int64


def stream(n: int, b: int, shuffle: bool, seed: int, length: int) -> np.ndarray:
    """The first `length` stream positions, batch after batch."""
    k_max = -(-length // b)
    batches = [batch_indices(n, b, k, shuffle, seed) for k in range(1, k_max + 1)]
    return np.concatenate(batches)[:length]


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 40),
    b=st.integers(1, 50),
    epoch=st.integers(0, 5),
    seed=st.integers(0, 2**32),
)
def test_every_sample_once_per_epoch(n: int, b: int, epoch: int, seed: int) -> None:
    shuffled = stream(n, b, True, seed, (epoch + 1) * n)[epoch * n :]
    assert sorted(shuffled.tolist()) == list(range(n))
    # Without shuffling any n consecutive positions hold every sample once.
    window = stream(n, b, False, seed, (epoch + 1) * n + b)[epoch * n + b % n :][:n]
    assert sorted(window.tolist()) == list(range(n))


def test_epoch_of() -> None:
    assert [epoch_of(4, 3, k) for k in range(1, 6)] == [1, 1, 2, 3, 4]
    assert [epoch_of(4, 2, k) for k in range(1, 6)] == [1, 1, 2, 2, 3]
    assert epoch_of(10, 10, 1) == 1 and epoch_of(10, 10, 2) == 2


@pytest.mark.parametrize("args", [(0, 1, 1), (3, 0, 1), (3, 1, 0)])
def test_batch_arguments_are_checked(args: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        batch_indices(*args, shuffle=False, seed=0)
    with pytest.raises(ValueError):
        epoch_of(*args)

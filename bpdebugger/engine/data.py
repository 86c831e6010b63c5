"""Data: generated toy sets, CSV in and out, validation of user data, and batching.

Samples are rows here, as in files: x is (N, n_features) and y is (N,) or (N, k). The
engine turns them into columns when it builds a batch. Everything is float64.

Errors in user data raise :class:`InputError`, naming the place (``line 7, column 3
(petal_length_cm)`` in a CSV, ``x[3][1]`` in a session) and what was found there.
Programming errors (a wrong argument from our own code) raise ``ValueError``.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import InputError
from .files import write_atomic
from .values import finite_number, is_int, is_real, plural, show

Array = npt.NDArray[np.float64]

DATASETS: tuple[str, ...] = ("xor", "circles", "moons", "spiral", "gaussians", "linear")

# Only these may have more than two classes.
MULTICLASS = ("spiral", "gaussians")

# Standard deviation of each blob of "gaussians" before the noise jitter is added.
_BLOB_STD = 0.3

LOSS_NAMES = ("bce", "squared_error", "cross_entropy")

# Generous caps, so that a typo in a session file ("n": 2000000000) is an error message
# rather than a frozen window.
_MAX_N = 1_000_000
_MAX_CLASSES = 100


# --------------------------------------------------------------------------- Dataset


def _frozen(a: Any, ndim: tuple[int, ...], name: str) -> Array:
    # A private read-only float64 copy: setting the flag on the caller's array would
    # surprise them, and a view of it could still be written through the original.
    out = np.array(a, dtype=np.float64)
    if out.ndim not in ndim:
        raise ValueError(
            f"Dataset.{name}: expected {' or '.join(map(str, ndim))}-D, got {out.shape}"
        )
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class Dataset:
    """Training samples and held-out test samples, as read-only float64 arrays.

    x (N, n_features); y (N,) labels or (N, k) targets; x_test (N_test, n_features) and
    y_test likewise, N_test may be 0 (the default when they are not given). Compared by
    identity (``eq=False``): element-wise ``==`` on arrays has no single truth value.
    """

    x: Array
    y: Array
    x_test: Array | None = None
    y_test: Array | None = None

    def __post_init__(self) -> None:
        x = _frozen(self.x, (2,), "x")
        y = _frozen(self.y, (1, 2), "y")
        if len(y) != len(x):
            raise ValueError(f"Dataset: x has {len(x)} samples but y has {len(y)}")
        empty_x = np.empty((0, x.shape[1]))
        empty_y = np.empty((0, *y.shape[1:]))
        x_test = _frozen(empty_x if self.x_test is None else self.x_test, (2,), "x_test")
        y_test = _frozen(empty_y if self.y_test is None else self.y_test, (1, 2), "y_test")
        if x_test.shape[1:] != x.shape[1:] or y_test.shape[1:] != y.shape[1:]:
            raise ValueError("Dataset: test samples are not shaped like the training samples")
        if len(y_test) != len(x_test):
            raise ValueError(
                f"Dataset: x_test has {len(x_test)} samples but y_test has {len(y_test)}"
            )
        # Frozen dataclass: the normalised arrays go in through object.__setattr__.
        for name, value in (("x", x), ("y", y), ("x_test", x_test), ("y_test", y_test)):
            object.__setattr__(self, name, value)

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    def __len__(self) -> int:
        return int(self.x.shape[0])


# --------------------------------------------------------------------------- describing values


# --------------------------------------------------------------------------- generated sets


def _check_int(value: Any, field: str, minimum: int, what: str, maximum: int | None = None) -> int:
    if not is_int(value) or value < minimum or (maximum is not None and value > maximum):
        raise InputError(f"expected {what}, got {show(value)}", field=field)
    return int(value)


def _check_generate_args(
    name: Any, n: Any, noise: Any, seed: Any, test_fraction: Any, classes: Any
) -> None:
    if not isinstance(name, str) or name not in DATASETS:
        raise InputError(
            f"unknown data set {show(name)}; known: {', '.join(DATASETS)}", field="dataset"
        )
    _check_int(n, "n", 1, f"a whole number of samples from 1 to {_MAX_N}", _MAX_N)
    if not is_real(noise) or not math.isfinite(noise) or noise < 0:
        raise InputError(f"expected a number ≥ 0, got {show(noise)}", field="noise")
    _check_int(seed, "seed", 0, "a whole number ≥ 0")
    if not is_real(test_fraction) or not 0 <= test_fraction < 1:
        raise InputError(
            f"expected a number from 0 up to (not including) 1, got {show(test_fraction)}",
            field="test_fraction",
        )
    _check_int(
        classes, "classes", 2, f"a whole number of classes from 2 to {_MAX_CLASSES}", _MAX_CLASSES
    )
    if classes != 2 and name not in MULTICLASS:
        raise InputError(
            f"{name!r} has exactly 2 classes, got {classes}; "
            f"only {' and '.join(MULTICLASS)} take more",
            field="classes",
        )


def _class_counts(n: int, classes: int) -> list[int]:
    """Balanced class sizes: the first n % classes classes get one sample more."""
    return [n // classes + (1 if c < n % classes else 0) for c in range(classes)]


def _xor(rng: np.random.Generator, counts: list[int]) -> list[Array]:
    out = []
    for label, m in enumerate(counts):
        p = rng.uniform(-1.0, 1.0, (m, 2))
        # Mirroring x1 moves a point to the other class and keeps the square uniform, so each
        # class is exactly as large as asked without rejection sampling.
        wrong = (p[:, 0] * p[:, 1] < 0) != bool(label)
        p[wrong, 0] *= -1.0
        out.append(p)
    return out


def _circles(rng: np.random.Generator, counts: list[int]) -> list[Array]:
    # As sklearn's make_circles(factor=0.5): class 0 on the unit circle, class 1 on the
    # circle of radius 0.5; angles uniform at random rather than evenly spaced.
    out = []
    for label, m in enumerate(counts):
        t = rng.uniform(0.0, 2 * np.pi, m)
        r = 1.0 if label == 0 else 0.5
        out.append(np.column_stack([r * np.cos(t), r * np.sin(t)]))
    return out


def _moons(rng: np.random.Generator, counts: list[int]) -> list[Array]:
    # sklearn's make_moons spans x1 ∈ [-1, 2], x2 ∈ [-0.5, 1]: centre it on the origin and
    # scale by 2/3, so the moons fill [-1, 1] × [-0.5, 0.5].
    out = []
    for label, m in enumerate(counts):
        t = rng.uniform(0.0, np.pi, m)
        if label == 0:
            p = np.column_stack([np.cos(t), np.sin(t)])
        else:
            p = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
        out.append((p - [0.5, 0.25]) * (2.0 / 3.0))
    return out


def _spiral(rng: np.random.Generator, counts: list[int]) -> list[Array]:
    # Arm c starts at angle 2πc/C and makes one full turn while the radius grows from 0.1
    # to 1; the arms are then 0.9/C apart along any ray.
    classes = len(counts)
    out = []
    for label, m in enumerate(counts):
        s = rng.uniform(0.0, 1.0, m)
        r = 0.1 + 0.9 * s
        t = 2 * np.pi * (label / classes + s)
        out.append(np.column_stack([r * np.cos(t), r * np.sin(t)]))
    return out


def _gaussians(rng: np.random.Generator, counts: list[int]) -> list[Array]:
    # Centres evenly on the unit circle, the first at 45° (so two blobs sit on a diagonal,
    # not on an axis); each blob has std 0.3 before the common noise jitter.
    classes = len(counts)
    out = []
    for label, m in enumerate(counts):
        a = 2 * np.pi * label / classes + np.pi / 4
        centre = np.array([np.cos(a), np.sin(a)])
        out.append(centre + _BLOB_STD * rng.standard_normal((m, 2)))
    return out


def _linear(rng: np.random.Generator, counts: list[int]) -> list[Array]:
    out = []
    for label, m in enumerate(counts):
        p = rng.uniform(-1.0, 1.0, (m, 2))
        # The line passes through the origin, so p → −p swaps sides and keeps the square
        # uniform: each class gets exactly its count.
        wrong = (p[:, 1] > 0.5 * p[:, 0]) != bool(label)
        p[wrong] *= -1.0
        out.append(p)
    return out


_GENERATORS = {
    "xor": _xor,
    "circles": _circles,
    "moons": _moons,
    "spiral": _spiral,
    "gaussians": _gaussians,
    "linear": _linear,
}


def generate(
    name: str,
    n: int = 200,
    noise: float = 0.1,
    seed: int = 0,
    test_fraction: float = 0.0,
    classes: int = 2,
) -> Dataset:
    """A generated two-feature data set of n samples in all (training + test).

    x (N, 2) with inputs roughly in [-1.5, 1.5]; y (N,) class indices 0 … classes−1 as
    float64. Classes are as balanced as n allows and the samples come shuffled. ``noise`` is
    the std of Gaussian jitter added to every point after labelling (for "gaussians" on top
    of the blobs' own std 0.3, so the total std is √(0.3² + noise²)). Then
    ``round(n · test_fraction)`` samples go to the test set, as :func:`split` does.
    The same arguments give the same numbers (``np.random.default_rng(seed)``).
    """
    _check_generate_args(name, n, noise, seed, test_fraction, classes)
    n_test = round(n * test_fraction)
    if n_test >= n:
        raise InputError(
            f"{test_fraction} of {plural(n, 'sample')} leaves no training sample "
            f"({n_test} would go to the test set)",
            field="test_fraction",
        )
    rng = np.random.default_rng(seed)
    counts = _class_counts(n, classes)
    parts = _GENERATORS[name](rng, counts)
    x = np.concatenate(parts)
    y = np.repeat(np.arange(classes, dtype=np.float64), counts)
    # Shuffled, so that batches taken in file order mix the classes.
    order = rng.permutation(n)
    x, y = x[order], y[order]
    if noise > 0:
        x = x + noise * rng.standard_normal(x.shape)
    x_train, y_train, x_test, y_test = split(x, y, test_fraction, seed)
    return Dataset(x_train, y_train, x_test, y_test)


def split(
    x: npt.ArrayLike, y: npt.ArrayLike, test_fraction: float, seed: int
) -> tuple[Array, Array, Array, Array]:
    """(x_train, y_train, x_test, y_test) from samples x (N, …) and y (N, …).

    A permutation from ``np.random.default_rng(seed)`` picks the test samples: its first
    ``round(N · test_fraction)`` entries (Python's round, halves to even). Both parts keep
    the samples' relative order, so a split of file-ordered data stays in file order.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) != len(y):
        raise ValueError(f"split: x has {len(x)} samples but y has {len(y)}")
    if not is_real(test_fraction) or not 0 <= test_fraction < 1:
        raise InputError(
            f"expected a number from 0 up to (not including) 1, got {show(test_fraction)}",
            field="test_fraction",
        )
    _check_int(seed, "seed", 0, "a whole number ≥ 0")
    n = len(x)
    n_test = round(n * test_fraction)
    if n > 0 and n_test >= n:
        raise InputError(
            f"{test_fraction} of {plural(n, 'sample')} leaves no training sample "
            f"({n_test} would go to the test set)",
            field="test_fraction",
        )
    is_test = _test_rows(n, n_test, seed)
    return x[~is_test], y[~is_test], x[is_test], y[is_test]


def _test_rows(n: int, n_test: int, seed: int) -> npt.NDArray[np.bool_]:
    """Which of n samples :func:`split` holds out: the first n_test of a seeded permutation."""
    is_test = np.zeros(n, dtype=bool)
    if n_test:
        is_test[np.random.default_rng(seed).permutation(n)[:n_test]] = True
    return is_test


def merge(
    x_train: npt.ArrayLike,
    y_train: npt.ArrayLike,
    x_test: npt.ArrayLike,
    y_test: npt.ArrayLike,
    seed: int,
) -> tuple[Array, Array, float]:
    """The inverse of :func:`split`: (x, y, test_fraction) such that
    ``split(x, y, test_fraction, seed)`` gives back exactly these four arrays, in order.

    This is how a session holds training and test samples that did not come from a split
    (points added by hand to a split set): inline data with a test fraction and a seed.
    """
    x_train, y_train = np.asarray(x_train, np.float64), np.asarray(y_train, np.float64)
    x_test, y_test = np.asarray(x_test, np.float64), np.asarray(y_test, np.float64)
    n_test = len(x_test)
    n = len(x_train) + n_test
    if n_test and not len(x_train):
        raise ValueError("merge: no training sample")
    is_test = _test_rows(n, n_test, seed)
    x = np.empty((n, *x_train.shape[1:]))
    y = np.empty((n, *y_train.shape[1:]))
    x[~is_test], y[~is_test] = x_train, y_train
    x[is_test], y[is_test] = x_test, y_test
    # round(n · n_test/n) is n_test again: the product is within an ulp of a whole number.
    return x, y, n_test / n if n else 0.0


# --------------------------------------------------------------------------- CSV

# A plain decimal number as spreadsheets write them. float() alone would also take
# "1_000", "١٢" (Arabic-Indic digits) and "infinity", which are not CSV numbers.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def _cell(text: str) -> str:
    text = text.strip()
    # Spreadsheets and R quote header names ("Sepal.Length"); a comma inside quotes is not
    # supported and shows up as a wrong number of columns, never as silently shifted data.
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return text


def _lines(path: str | os.PathLike[str], source: str) -> list[str]:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"no such file: {os.fspath(path)}", source=source) from None
    except IsADirectoryError:
        raise InputError(f"is a directory, not a file: {os.fspath(path)}", source=source) from None
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise InputError(f"cannot read {os.fspath(path)}: {reason}", source=source) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(
            f"line {line}: not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8",
            source=source,
        ) from None
    # Universal newlines, as an editor counts lines (\r\n, \r, \n); not str.splitlines,
    # which also breaks at form feeds and other rare separators.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _csvfinite_number(text: str, line: int, column: int, name: str, source: str) -> float:
    where = f"line {line}, column {column} ({name})"
    if _NUMBER.fullmatch(text):
        value = float(text)
        if math.isfinite(value):
            return value
        raise InputError(f"{where}: number too large for float64, got {text!r}", source=source)
    if _NONFINITE.fullmatch(text):
        raise InputError(f"{where}: expected a finite number, got {text!r}", source=source)
    if not text:
        raise InputError(f"{where}: expected a number, got an empty cell", source=source)
    # A long cell (a stray paragraph, a binary file) is cut so the message stays one line.
    shown = repr(text if len(text) <= 40 else text[:40] + "…")
    raise InputError(f"{where}: expected a number, got {shown}", source=source)


def read_csv(
    path: str | os.PathLike[str], *, source: str | None = None
) -> tuple[Array, Array, list[str]]:
    """Samples from a CSV file: a header row, the feature columns, the label column last.

    Returns x (N, n_features) float64, y (N,) float64 and the header names (n_features + 1).
    Cells are comma separated, may have surrounding spaces and double quotes; blank lines at
    the end are ignored; UTF-8 with or without BOM. Errors name ``source``, by default the
    file's name (``iris.csv``): callers that know how the user wrote the path (a session's
    ``"csv": "data/iris.csv"``) pass that instead. Lines count from 1 = the header, as in an
    editor; columns from 1.
    """
    source = Path(path).name if source is None else source
    lines = _lines(path, source)
    if not lines:
        raise InputError(
            "the file is empty; expected a header row, then one row per sample", source=source
        )
    header = [_cell(c) for c in lines[0].split(",")]
    width = len(header)
    if width < 2:
        raise InputError(
            f"line 1: expected at least 2 columns (features, then the label), found {width}",
            source=source,
        )
    for j, name in enumerate(header, start=1):
        if not name:
            raise InputError(f"line 1, column {j}: empty column name", source=source)
    if all(_NUMBER.fullmatch(name) for name in header):
        # Without this check a file with no header would quietly lose its first sample.
        raise InputError(
            "line 1: expected a header row of column names, found only numbers", source=source
        )
    if len(lines) == 1:
        raise InputError("no samples: the file has a header row but no data rows", source=source)
    data = np.empty((len(lines) - 1, width))
    for i, text in enumerate(lines[1:]):
        line = i + 2
        if not text.strip():
            raise InputError(f"line {line}: empty line, expected {width} columns", source=source)
        cells = text.split(",")
        if len(cells) != width:
            raise InputError(
                f"line {line}: expected {width} columns, found {len(cells)}", source=source
            )
        for j, cell in enumerate(cells):
            data[i, j] = _csvfinite_number(_cell(cell), line, j + 1, header[j], source)
    return np.ascontiguousarray(data[:, :-1]), data[:, -1].copy(), header


def read_samples(
    path: str | os.PathLike[str],
    n_inputs: int,
    loss: str,
    n_outputs: int,
    *,
    source: str | None = None,
) -> tuple[Array, Array]:
    """Samples for a network from a CSV file (:func:`read_csv`): x (N, n_inputs) and the
    labels as :func:`check_labels` shapes them for the loss.

    Every refusal is an InputError that names the file (``source``, by default its name)
    and the line and column to fix: a file with the wrong number of feature columns is
    refused at its header, a label that does not fit the loss at its cell.
    """
    source = Path(path).name if source is None else source
    x, y, header = read_csv(path, source=source)
    if x.shape[1] != n_inputs:
        raise InputError(
            f"line 1: {plural(x.shape[1], 'feature column')} and a label, but the network has "
            f"{plural(n_inputs, 'input')}: expected {n_inputs + 1} columns",
            source=source,
        )
    try:
        labels = check_labels(y, loss, n_outputs)
    except InputError as e:
        # y[i] is data row i, which is line i + 2 of the file (the header is line 1).
        m = re.match(r"y\[(\d+)\]", e.field or "")
        where = f"line {int(m.group(1)) + 2}, " if m else ""
        raise InputError(
            f"{where}column {len(header)} ({header[-1]}): {e.problem}", source=source
        ) from None
    return x, labels


def _label_text(value: float) -> str:
    # Whole labels as integers ("1", not "1.0"); below 2**53 the conversion is exact, and
    # -0.0 stays "-0.0" so that the round trip is exact to the bit.
    if value.is_integer() and abs(value) < 2.0**53 and math.copysign(1.0, value) > 0:
        return str(int(value))
    return repr(value)


def write_csv(
    path: str | os.PathLike[str],
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    header: Sequence[str] | None = None,
) -> None:
    """Write samples x (N, n_features) and labels y (N,) or (N, 1) in the project's layout.

    Numbers are written with ``repr(float)``, which round-trips through :func:`read_csv`
    exactly; labels that are whole numbers are written as integers (``1``, not ``1.0``).
    ``header`` defaults to x1 … xn, y. Atomic: the rows go to a temporary file in the same
    directory, which is flushed, fsynced and then renamed over ``path``, so a reader never
    sees half a file and a failure leaves any old file as it was. A file that cannot be
    written raises :class:`InputError` (source = the file's name); bad arrays, ValueError.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(
            f"write_csv: expected x (N, n) and y (N,) or (N, 1), got {x.shape} and {y.shape}"
        )
    if len(x) == 0:
        raise ValueError("write_csv: no samples; read_csv refuses a file without data rows")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("write_csv: non-finite values cannot be read back")
    names = [f"x{j + 1}" for j in range(x.shape[1])] + ["y"] if header is None else list(header)
    if len(names) != x.shape[1] + 1:
        raise ValueError(f"write_csv: {len(names)} header names for {x.shape[1] + 1} columns")
    for name in names:
        if not isinstance(name, str) or not name.strip() or any(c in name for c in ',"\r\n'):
            raise ValueError(f"write_csv: header name {name!r} cannot be written to a CSV")
    if all(_NUMBER.fullmatch(name.strip()) for name in names):
        raise ValueError("write_csv: a header of numbers only would be refused by read_csv")
    rows = [",".join(names)]
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        rows.append(",".join([*map(repr, xi), _label_text(yi)]))
    payload = ("\n".join(rows) + "\n").encode("utf-8")
    write_atomic(Path(path), payload)


# --------------------------------------------------------------------------- validation


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim >= 1)


def _samples(value: Any, field: str, what: str) -> list[Any] | np.ndarray:
    if not _is_sequence(value):
        raise InputError(f"expected {what}, got {show(value)}", field=field)
    if len(value) == 0:
        raise InputError("expected at least one sample, got an empty list", field=field)
    return value


def _numeric_array(value: Any) -> np.ndarray | None:
    """value as a float64 array when it already is a numeric (not bool) ndarray."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
        return value.astype(np.float64)
    return None


def _first_nonfinite(a: np.ndarray, field: str) -> None:
    bad = np.argwhere(~np.isfinite(a))
    if len(bad):
        where = "".join(f"[{int(k)}]" for k in bad[0])
        raise InputError(
            f"expected a finite number, got {show(a[tuple(bad[0])])}", field=field + where
        )


def check_features(x: Any, n_inputs: int, field: str = "x") -> Array:
    """User samples (a list of lists, or an array) → float64 (N, n_inputs).

    Refuses with InputError: not a list of lists, rows of the wrong length (``x[3]``),
    entries that are not numbers (booleans and strings are not) or not finite
    (``x[3][1]``), no samples at all (``x``).
    """
    what = f"a list of samples, each a list of {plural(n_inputs, 'number')}"
    rows = _samples(x, field, what)
    arr = _numeric_array(rows)
    if arr is not None and arr.ndim == 2:
        if arr.shape[1] != n_inputs:
            raise InputError(
                f"expected {plural(n_inputs, 'number')} per sample (one per input), "
                f"got {arr.shape[1]} in every sample",
                field=field,
            )
        _first_nonfinite(arr, field)
        return arr
    widths = [len(r) if _is_sequence(r) else None for r in rows]
    if None not in widths and len(set(widths)) == 1 and widths[0] != n_inputs:
        # The same wrong width everywhere: a network/data mismatch, not a typo in one row.
        raise InputError(
            f"expected {plural(n_inputs, 'number')} per sample (one per input), "
            f"got {widths[0]} in every sample",
            field=field,
        )
    out = np.empty((len(rows), n_inputs))
    for i, row in enumerate(rows):
        here = f"{field}[{i}]"
        if widths[i] is None:
            raise InputError(
                f"expected a list of {plural(n_inputs, 'number')}, got {show(row)}", field=here
            )
        if widths[i] != n_inputs:
            raise InputError(
                f"expected {plural(n_inputs, 'number')} (one per input), got {widths[i]}",
                field=here,
            )
        for j, v in enumerate(row):
            out[i, j] = finite_number(v, f"{here}[{j}]")
    return out


def check_labels(
    y: Any, loss: str, n_outputs: int, field: str = "y", *, n_samples: int | None = None
) -> Array:
    """User labels → float64, shaped for the loss.

    - "bce": one number per sample, exactly 0 or 1 (a one-element list also does) → (N,).
    - "squared_error": → (N, n_outputs); with one output a number per sample (or a
      one-element list), with several a list of n_outputs numbers per sample.
    - "cross_entropy": a class index per sample, a whole number in [0, n_outputs) → (N,).

    ``n_samples``, when given, is the number of samples in x that y must match. Errors name
    the sample (``y[5]``) or the element (``y[5][1]``). An unknown loss name or bce with
    more than one output is the caller's mistake: ValueError.
    """
    if loss not in LOSS_NAMES:
        raise ValueError(f"check_labels: unknown loss {loss!r}")
    if loss == "bce" and n_outputs != 1:
        raise ValueError(f"check_labels: bce has one output, got n_outputs={n_outputs}")
    per_sample = loss == "squared_error" and n_outputs > 1
    if per_sample:
        what = f"a list of {plural(n_outputs, 'number')} per sample (one per output)"
    elif loss == "cross_entropy":
        what = f"a class index (0 to {n_outputs - 1}) per sample"
    else:
        what = "a number per sample"
    labels = _samples(y, field, f"a list of labels: {what}")
    if n_samples is not None and len(labels) != n_samples:
        raise InputError(
            f"expected {plural(n_samples, 'label')} (one per sample in x), got {len(labels)}",
            field=field,
        )
    width = n_outputs if per_sample else 1
    out = _label_matrix(labels, width, field)
    if loss == "bce":
        _check_values(
            out[:, 0], (out[:, 0] == 0) | (out[:, 0] == 1), "expected 0 or 1 for bce", field
        )
        return out[:, 0].copy()
    if loss == "cross_entropy":
        v = out[:, 0]
        ok = (v == np.floor(v)) & (v >= 0) & (v < n_outputs)
        _check_values(
            v, ok, f"expected a class index, a whole number from 0 to {n_outputs - 1}", field
        )
        return v.copy()
    return out


def _check_values(v: Array, ok: npt.NDArray[np.bool_], problem: str, field: str) -> None:
    bad = np.flatnonzero(~ok)
    if len(bad):
        i = int(bad[0])
        f = float(v[i])
        shown = str(int(f)) if f.is_integer() else repr(f)
        raise InputError(f"{problem}, got {shown}", field=f"{field}[{i}]")


def _label_matrix(labels: Any, width: int, field: str) -> Array:
    """Labels → (N, width) float64; with width 1 a bare number or a one-element list."""
    arr = _numeric_array(labels)
    if arr is not None and (
        (arr.ndim == 1 and width == 1) or (arr.ndim == 2 and arr.shape[1] == width)
    ):
        arr = arr.reshape(len(arr), width)
        # With one output an element is named by its sample alone (y[5], not y[5][0]).
        _first_nonfinite(arr[:, 0] if width == 1 else arr, field)
        return arr
    out = np.empty((len(labels), width))
    for i, label in enumerate(labels):
        here = f"{field}[{i}]"
        if width == 1 and not _is_sequence(label):
            out[i, 0] = finite_number(label, here)
            continue
        if not _is_sequence(label):
            raise InputError(
                f"expected a list of {plural(width, 'number')} (one per output), got {show(label)}",
                field=here,
            )
        if len(label) != width:
            expected = "a number" if width == 1 else f"{plural(width, 'number')} (one per output)"
            raise InputError(f"expected {expected}, got {show(label)}", field=here)
        for j, v in enumerate(label):
            out[i, j] = finite_number(v, f"{here}[{j}]" if width > 1 else here)
    return out


# --------------------------------------------------------------------------- batches


@functools.lru_cache(maxsize=4)
def _permutation(n: int, seed: int, epoch: int) -> npt.NDArray[np.int64]:
    # Read-only: the cached array is shared by every caller.
    p = np.random.default_rng([seed, epoch]).permutation(n).astype(np.int64)
    p.flags.writeable = False
    return p


def batch_indices(
    n: int, batch_size: int, iteration: int, shuffle: bool, seed: int
) -> npt.NDArray[np.int64]:
    """The sample indices (batch_size,) of iteration ``iteration`` (from 1).

    The samples form one endless stream: epoch e (from 0) is range(n) in order, or with
    ``shuffle`` the permutation ``np.random.default_rng([seed, e]).permutation(n)``; batch k
    takes stream positions (k−1)·B … k·B−1. So without shuffling batches are in file order
    and wrap around (n=4, B=3: [0 1 2], [3 0 1], [2 3 0], …). No state: any iteration can be
    computed directly, which lets the debugger jump around in time.
    """
    if n < 1 or batch_size < 1 or iteration < 1:
        raise ValueError(
            f"batch_indices: need n, batch_size, iteration ≥ 1, got {n}, {batch_size}, {iteration}"
        )
    start = (iteration - 1) * batch_size
    first_epoch, offset = divmod(start, n)
    if not shuffle:
        positions = np.arange(offset, offset + batch_size, dtype=np.int64)
        # The modulo only when the batch wraps past the end of the data.
        return positions % n if offset + batch_size > n else positions
    if offset + batch_size <= n:  # the common case: inside one epoch
        return _permutation(n, seed, first_epoch)[offset : offset + batch_size].copy()
    out = np.empty(batch_size, dtype=np.int64)
    filled, epoch = 0, first_epoch
    while filled < batch_size:
        take = min(n - offset, batch_size - filled)
        out[filled : filled + take] = _permutation(n, seed, epoch)[offset : offset + take]
        filled, epoch, offset = filled + take, epoch + 1, 0
    return out


def epoch_of(n: int, batch_size: int, iteration: int) -> int:
    """The epoch (from 1) that the first sample of iteration ``iteration`` belongs to."""
    if n < 1 or batch_size < 1 or iteration < 1:
        raise ValueError(
            f"epoch_of: need n, batch_size, iteration ≥ 1, got {n}, {batch_size}, {iteration}"
        )
    return (iteration - 1) * batch_size // n + 1

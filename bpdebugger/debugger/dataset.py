"""Changing a session's data by hand: a point added or deleted, a generated set drawn again
with a new seed, samples imported from a CSV file; and the training samples exported to one.

A data change keeps the network as it is now: the parameters and learning rate at the start
of the current iteration (what Session.save writes), so a lecturer can add a point to a half
trained network and watch it adapt. The new session starts at iteration 1 on the new data,
with the old session's breakpoints and watches. It is built as a session file would be (its
JSON validated by parse_session, the one validator), so saving it and opening the file gives
the same session.

Points added, deleted or imported make the data the session's own inline data. Test samples
(of a split set) stay test samples: inline data holds them with the test fraction and seed
that split them off again exactly (data.merge). A refused change raises ValueError (an
InputError naming the file, line and column for a CSV) and leaves the session untouched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bpdebugger.engine.data import merge, read_samples, write_csv
from bpdebugger.engine.network import Array
from bpdebugger.engine.session import SessionSpec, parse_session
from bpdebugger.engine.values import plural

from .carry_over import carry_over
from .session import Session


@dataclass(frozen=True)
class DataChange:
    """The session on the new data, and one line saying what changed."""

    session: Session
    message: str


# --- what the session holds now ------------------------------------------------------------


def training_data(session: Session) -> tuple[Array, Array]:
    """The training samples as they are at the current stop: the session's data set with
    the x and y edits made up to here (Session.save keeps the same ones). x (N, n1), y in
    the loss's layout ((N,) labels or (N, k) targets)."""
    spec, history = session.spec, session.history
    x, y = np.array(spec.dataset.x), np.array(spec.dataset.y)
    edits = [
        *history.initial_data_edits,
        *(e for e in history.edits if e.changes_data and e.time <= session.position),
    ]
    for e in edits:
        if e.name == "x":
            x[e.row, e.at[0]] = e.value
        else:
            y[(e.row, *e.at)] = e.value
    return x, y


def point_classes(session: Session) -> int:
    """How many classes a click on the plane can add a point of; ValueError saying why
    not where points cannot be added (more than two inputs, targets that are not classes)."""
    spec = session.spec
    n1 = spec.sizes[0]
    if n1 != 2:
        raise ValueError(
            f"Points can be added on a plane of two inputs; this network has {n1}, "
            "and a point needs a value for every input"
        )
    if spec.loss == "cross_entropy":
        return spec.sizes[-1]
    if spec.loss == "bce":
        return 2
    labels = np.concatenate([training_data(session)[1], spec.dataset.y_test]).ravel()
    if spec.sizes[-1] == 1 and np.isin(labels, (0.0, 1.0)).all():
        return 2
    raise ValueError(
        "Points can be added to class data only; this squared_error session's targets "
        "are not all 0 or 1"
    )


# --- the changes ---------------------------------------------------------------------------


def add_point(session: Session, point: Any, label: int) -> DataChange:
    """A training sample at ``point`` (x₁, x₂) of class ``label``, after the others."""
    classes = point_classes(session)
    if not (isinstance(label, (int, np.integer)) and 0 <= label < classes):
        raise ValueError(f"class {label!r} is not one of this session's 0 to {classes - 1}")
    p = np.asarray(point, dtype=np.float64).reshape(1, -1)
    if p.shape[1] != 2 or not np.isfinite(p).all():
        raise ValueError(f"a point needs two finite coordinates, got {point!r}")
    x, y = training_data(session)
    new_y = np.full((1, *y.shape[1:]), float(label))
    change = _with_samples(
        session, np.concatenate([x, p]), np.concatenate([y, new_y]), keep_test=True
    )
    where = ", ".join(f"{v:.3g}" for v in p[0])
    return DataChange(
        change.session, f"Added a point of class {label} at ({where}). {change.message}"
    )


def delete_point(session: Session, row: int) -> DataChange:
    """Without training sample ``row`` (its row in the training data)."""
    x, y = training_data(session)
    if not 0 <= row < len(x):
        raise ValueError(f"no training sample {row}: there are {len(x)}")
    if len(x) == 1:
        raise ValueError("The last training sample cannot be deleted: training needs one")
    gone = ", ".join(f"{v:.3g}" for v in x[row])
    change = _with_samples(
        session, np.delete(x, row, axis=0), np.delete(y, row, axis=0), keep_test=True
    )
    return DataChange(change.session, f"Deleted the point at ({gone}). {change.message}")


def regenerate(session: Session) -> DataChange:
    """The generated data set drawn again with the next seed (n, noise and the test
    fraction as they were); data edits go with the old samples."""
    spec = session.spec
    if "dataset" not in spec.data:
        kind = f"from {Path(spec.data['csv']).name}" if "csv" in spec.data else "inline"
        raise ValueError(
            f"Only a generated data set (xor, circles, …) can be drawn again; this "
            f"session's data is {kind}"
        )
    seed = int(spec.data.get("seed", 0))
    data = {**spec.data, "seed": seed + 1}
    new = _rebuilt(session, data, len(spec.dataset))
    counts = _counts(new.session.spec)
    return DataChange(
        new.session,
        f"Drew {spec.data['dataset']} again with seed {seed + 1}: {counts}. {new.message}",
    )


def import_csv(session: Session, path: str | os.PathLike[str]) -> DataChange:
    """The samples of a CSV file (features, then the label; engine.data.read_csv) as the
    training data; the old samples, test samples included, are replaced. InputError names
    the file, line and column of anything the network or its loss cannot take."""
    spec = session.spec
    x, y = read_samples(path, spec.sizes[0], spec.loss, spec.sizes[-1])
    change = _with_samples(session, x, y, keep_test=False)
    had_test = len(spec.dataset.x_test) > 0
    note = " (all for training: the test samples went with the old data)" if had_test else ""
    return DataChange(
        change.session,
        f"Imported {plural(len(x), 'sample')} from {Path(path).name}{note}. {change.message}",
    )


def export_csv(session: Session, path: str | os.PathLike[str]) -> int:
    """Write the training samples (as edited up to the current stop) to a CSV file that
    import_csv reads back exactly; atomic. The number of samples written. ValueError for a
    session whose targets need more than one label column; InputError if the file cannot
    be written."""
    x, y = training_data(session)
    if y.ndim == 2 and y.shape[1] > 1:
        raise ValueError(
            f"A CSV file holds one label per sample; this session has {y.shape[1]} targets "
            "per sample"
        )
    write_csv(path, x, y)
    return len(x)


# --- building the new session ----------------------------------------------------------------


def _with_samples(session: Session, x: Array, y: Array, *, keep_test: bool) -> DataChange:
    """The session on training samples x, y as inline data, with its test samples or none."""
    spec = session.spec
    x_test, y_test = spec.dataset.x_test, spec.dataset.y_test
    if not keep_test:
        x_test, y_test = x_test[:0], y_test[:0]
    seed = int(spec.data.get("seed", 0))
    x_all, y_all, fraction = merge(x, y, x_test, y_test, seed)
    data: dict[str, Any] = {"x": x_all.tolist(), "y": _labels_json(y_all, spec.loss)}
    if fraction:
        data.update(test_fraction=fraction, seed=seed)
    return _rebuilt(session, data, len(x))


def _labels_json(y: Array, loss: str) -> list[Any]:
    """Labels as a session file writes them: a number per sample where there is one, whole
    class labels as whole numbers."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if loss in ("bce", "cross_entropy"):
        return [int(v) for v in y]
    return y.tolist()


def _batch_size(spec: SessionSpec, n_train: int) -> int:
    """A full-batch session stays full batch; a smaller batch fits within the new data."""
    if spec.batch_size == len(spec.dataset):
        return n_train
    return min(spec.batch_size, n_train)


def _rebuilt(session: Session, data: dict[str, Any], n_train: int) -> DataChange:
    """The session with ``data``, starting at iteration 1 from the parameters and learning
    rate at the start of the current iteration; its breakpoints and watches carried over."""
    spec = session.spec
    k = session.position[0]
    params, lr = session.start_params()
    obj = spec.with_params(params).to_json()
    obj["training"]["learning_rate"] = lr
    obj["training"]["batch_size"] = _batch_size(spec, n_train)
    obj["data"] = data
    # It starts again: no resume point (momentum starts from zero), no saved position.
    obj.pop("resume", None)
    if "view" in obj:
        obj["view"] = {key: v for key, v in obj["view"].items() if key != "position"}
    new_spec = parse_session(obj)
    new_spec.path = spec.path  # the same document, changed
    new = Session(new_spec)
    notes = carry_over(session, new)
    origin = "its starting parameters" if k == 1 else f"its parameters of iteration {k}"
    message = " ".join([f"Restarted at iteration 1 with {origin}.", *notes])
    return DataChange(new, message)


def _counts(spec: SessionSpec) -> str:
    n_test = len(spec.dataset.x_test)
    train = plural(len(spec.dataset), "training sample")
    return f"{train}, {n_test} test" if n_test else train

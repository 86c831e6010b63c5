"""Session files (CONTRACTS.md): load, validate, build, save.

A session file says which network, which parameters (or how to draw them),
how to train and on which data. Every problem is reported as one InputError
that names the file, the field and what is wrong; nothing half-read escapes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .data import DATASETS, Dataset, check_features, check_labels, generate, read_samples, split
from .errors import InputError
from .files import write_atomic
from .losses import LOSSES
from .network import INIT_SCHEMES, Array, Network, param_names
from .training import SGD, Trainer
from .values import finite_number, is_int, show

FORMAT = "bpdebugger-session/1"

# A step-debugger shows every unit; wider layers are a typo, not a network to step through.
MAX_WIDTH = 4096

# Deeper than any parameter: json reads lists nested almost to Python's recursion limit, and
# measuring one recursively must stop well before that limit.
_MAX_NESTING = 32

# The rest of a JSON token: no blank, no punctuation, no quote.
_TOKEN = re.compile(r'[^\s,:\[\]{}"]*')

# Keys of the data spec for each way of giving data.
_GENERATED_KEYS = ("dataset", "n", "noise", "seed", "test_fraction", "classes")


@dataclass
class SessionSpec:
    """A validated session: everything needed to rebuild the same run, number for number."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    data: dict[str, Any]
    dataset: Dataset
    params: dict[str, Array] | None = None
    init_scheme: str = "xavier"
    init_seed: int = 0
    learning_rate: float = 0.5
    batch_size: int = 1
    shuffle: bool = False
    momentum: float = 0.0
    notes: dict[str, str] = field(default_factory=dict)
    view: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def network(self) -> Network:
        """The network at the start of training: explicit params, or drawn from the seed."""
        if self.params is not None:
            return Network(self.sizes, self.activations, self.loss, self.params)
        return Network.initialised(
            self.sizes, self.activations, self.loss, self.init_scheme, self.init_seed
        )

    def trainer(self, net: Network | None = None) -> Trainer:
        """A Trainer on the training samples; shuffling is seeded by the init seed."""
        return Trainer(
            net if net is not None else self.network(),
            SGD(self.learning_rate, self.momentum),
            self.dataset.x,
            self.dataset.y,
            self.batch_size,
            self.shuffle,
            self.init_seed,
        )

    def with_params(self, params: Mapping[str, Array]) -> SessionSpec:
        """The same session starting from these parameters (e.g. after training)."""
        return replace(self, params={k: np.array(v, dtype=np.float64) for k, v in params.items()})

    def to_json(self, base_dir: Path | None = None) -> dict[str, Any]:
        """The session as a JSON object; CSV paths relative to ``base_dir`` where possible."""
        out: dict[str, Any] = {
            "format": FORMAT,
            "network": {
                "sizes": list(self.sizes),
                "activations": list(self.activations),
                "loss": self.loss,
            },
        }
        if self.params is not None:
            out["params"] = {k: v.tolist() for k, v in self.params.items()}
        out["init"] = {"scheme": self.init_scheme, "seed": self.init_seed}
        out["training"] = {
            "learning_rate": self.learning_rate,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "momentum": self.momentum,
        }
        data = dict(self.data)
        if "csv" in data and base_dir is not None:
            data["csv"] = _relative_to(Path(data["csv"]), base_dir)
        out["data"] = data
        if self.notes:
            out["notes"] = dict(self.notes)
        if self.view:
            out["view"] = dict(self.view)
        out.update(self.extra)
        return out


# --- loading ----------------------------------------------------------------------------


def load_session(path: str | os.PathLike[str]) -> SessionSpec:
    """Read and validate a session file; InputError names the file, field and problem. A
    file that cannot be read, is empty, ends early or is not JSON is one line too."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", source=source) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a session file", source=source) from None
    except UnicodeDecodeError:
        raise InputError("not a text file (not UTF-8)", source=source) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}", source=source) from None
    if not text.strip():
        raise InputError("the file is empty", source=source)
    try:
        # NaN and Infinity parse as numbers, so the field checks can name where they are.
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(_json_problem(text, e), source=source) from None
    except RecursionError:  # json's parser recurses once per level of nesting
        raise InputError("not valid JSON: nested too deeply", source=source) from None
    try:
        spec = parse_session(obj, base_dir=path.resolve().parent)
    except InputError as e:
        raise e.within(source=source) from None
    spec.path = path
    return spec


def _json_problem(text: str, e: json.JSONDecodeError) -> str:
    """What is wrong with text that is not JSON. Where the parser gave up at the end of the
    text, or in its last token (a string never closed, "1e", "tru", "\\u20"), the file was
    most likely cut short (a copy or a save interrupted): say so rather than only which
    comma the parser wanted."""
    # Some of json's messages end in "at" ("Unterminated string starting at").
    where = f"{e.msg.removesuffix(' at')} at line {e.lineno}, column {e.colno}"
    in_last_token = e.pos > 0 and e.msg != "Extra data" and _TOKEN.fullmatch(text.rstrip()[e.pos :])
    if in_last_token or e.msg.startswith("Unterminated string"):
        return f"the file ends early (truncated?): {where}"
    return f"not valid JSON: {where}"


def parse_session(obj: Any, base_dir: Path | None = None) -> SessionSpec:
    """Validate a session object (parsed JSON). Relative CSV paths resolve against base_dir."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object at the top level, got {show(obj)}")
    fmt = obj.get("format")
    if fmt is None:
        raise InputError(f"missing; expected {show(FORMAT)}", field="format")
    if fmt != FORMAT:
        raise InputError(f"expected {show(FORMAT)}, got {show(fmt)}", field="format")

    network = _object(obj, "network")
    sizes = _sizes(network)
    activations = _activations(network, len(sizes))
    loss = _loss(network, sizes, activations)

    params = None
    if "params" in obj:
        params = _params(_object(obj, "params"), sizes)
    init = _object(obj, "init", required=False)
    scheme = init.get("scheme", "xavier")
    if scheme not in INIT_SCHEMES:
        raise InputError(
            f"unknown scheme {show(scheme)} (known: {', '.join(INIT_SCHEMES)})", field="init.scheme"
        )
    seed = _integer(init, "seed", "init", default=0, minimum=0)

    training = _object(obj, "training", required=False)
    learning_rate = _number(training, "learning_rate", "training", default=0.5)
    if not learning_rate > 0:
        raise InputError(f"must be positive, got {learning_rate:g}", field="training.learning_rate")
    momentum = _number(training, "momentum", "training", default=0.0)
    if not 0 <= momentum < 1:
        raise InputError(f"must be in [0, 1), got {momentum:g}", field="training.momentum")
    shuffle = training.get("shuffle", False)
    if not isinstance(shuffle, bool):
        raise InputError(f"expected true or false, got {show(shuffle)}", field="training.shuffle")

    data_spec, dataset = _data(_object(obj, "data"), sizes, loss, base_dir)
    batch_size = _integer(training, "batch_size", "training", default=1, minimum=1)
    if batch_size > len(dataset):
        raise InputError(
            f"{batch_size} is larger than the {len(dataset)} training samples",
            field="training.batch_size",
        )

    notes = obj.get("notes", {})
    if not isinstance(notes, dict) or not all(isinstance(v, str) for v in notes.values()):
        raise InputError("expected an object of texts keyed by node", field="notes")
    view = obj.get("view", {})
    if not isinstance(view, dict):
        raise InputError(f"expected an object, got {show(view)}", field="view")
    known = {"format", "network", "params", "init", "training", "data", "notes", "view"}
    extra = {k: v for k, v in obj.items() if k not in known}

    return SessionSpec(
        sizes=sizes,
        activations=activations,
        loss=loss,
        data=data_spec,
        dataset=dataset,
        params=params,
        init_scheme=scheme,
        init_seed=seed,
        learning_rate=learning_rate,
        batch_size=batch_size,
        shuffle=shuffle,
        momentum=momentum,
        notes=dict(notes),
        view=dict(view),
        extra=extra,
    )


def _sizes(network: dict[str, Any]) -> tuple[int, ...]:
    sizes = network.get("sizes")
    if not isinstance(sizes, list):
        raise InputError(
            f"expected a list of layer widths, got {show(sizes)}", field="network.sizes"
        )
    for i, n in enumerate(sizes):
        if not is_int(n):
            raise InputError(f"expected a whole number, got {show(n)}", field=f"network.sizes[{i}]")
        if not 1 <= n <= MAX_WIDTH:
            raise InputError(
                f"a layer needs 1 to {MAX_WIDTH} units, got {n}", field=f"network.sizes[{i}]"
            )
    if len(sizes) < 2:
        raise InputError(f"expected at least 2 layers, got {sizes}", field="network.sizes")
    return tuple(sizes)


def _activations(network: dict[str, Any], n_layers: int) -> tuple[str, ...]:
    acts = network.get("activations")
    want = n_layers - 1
    if not isinstance(acts, list):
        raise InputError(
            f"expected a list of {want} names, got {show(acts)}", field="network.activations"
        )
    if len(acts) != want:
        raise InputError(
            f"expected {want} (one per layer after the input), got {len(acts)}",
            field="network.activations",
        )
    for i, name in enumerate(acts):
        if not isinstance(name, str):
            raise InputError(
                f"expected an activation name, got {show(name)}", field=f"network.activations[{i}]"
            )
        if name not in ACTIVATIONS:
            raise InputError(
                f"unknown activation {show(name)} (known: {', '.join(ACTIVATIONS)})",
                field=f"network.activations[{i}]",
            )
        if ACTIVATIONS[name].output_only and i != want - 1:
            raise InputError(
                f"{name} is allowed on the output layer only", field=f"network.activations[{i}]"
            )
    return tuple(acts)


def _loss(network: dict[str, Any], sizes: tuple[int, ...], acts: tuple[str, ...]) -> str:
    loss = network.get("loss")
    known = f"(known: {', '.join(LOSSES)})"
    if loss is None:
        raise InputError(f"missing {known}", field="network.loss")
    if not isinstance(loss, str):
        raise InputError(f"expected a loss name {known}, got {show(loss)}", field="network.loss")
    if loss not in LOSSES:
        raise InputError(f"unknown loss {show(loss)} {known}", field="network.loss")
    n_out, out = sizes[-1], acts[-1]
    if loss == "bce" and (n_out != 1 or out != "sigmoid"):
        raise InputError(
            f"bce needs one sigmoid output unit, got {n_out} {out} output unit(s)",
            field="network.loss",
        )
    if loss == "cross_entropy" and (n_out < 2 or out != "softmax"):
        raise InputError(
            f"cross_entropy needs a softmax output of at least 2 units, got {n_out} {out}",
            field="network.loss",
        )
    return loss


def _params(params: dict[str, Any], sizes: tuple[int, ...]) -> dict[str, Array]:
    names = param_names(len(sizes))
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise InputError(
            f"unknown parameter {show(unknown[0])} (this network has {', '.join(names)})",
            field="params",
        )
    out: dict[str, Array] = {}
    for name in names:
        where = f"params.{name}"
        if name not in params:
            raise InputError("missing; give every W[l] and b[l], or leave params out", field=where)
        l = int(name[2:-1])
        shape = (sizes[l - 1], sizes[l - 2]) if name[0] == "W" else (sizes[l - 1],)
        out[name] = _array(params[name], shape, where)
    return out


def _array(value: Any, shape: tuple[int, ...], where: str) -> Array:
    """A nested list of finite numbers of exactly this shape."""
    got = _shape_of(value)
    if got is None:
        raise InputError("expected numbers in nested lists of equal lengths", field=where)
    if got != shape:
        raise InputError(
            f"expected shape {_shape_text(shape)}, got {_shape_text(got)}", field=where
        )
    out = np.empty(shape)
    for at in np.ndindex(shape):
        v = value
        for i in at:
            v = v[i]
        out[at] = finite_number(v, where + "".join(f"[{i}]" for i in at), "a number")
    return out


def _shape_of(value: Any, depth: int = 0) -> tuple[int, ...] | None:
    """The shape of a regular nested list (anything else at the leaves), or None if ragged
    or nested deeper than _MAX_NESTING."""
    if not isinstance(value, list):
        return ()
    if depth == _MAX_NESTING:
        return None
    shapes = {_shape_of(v, depth + 1) for v in value}
    if len(shapes) > 1 or None in shapes:
        return None
    return (len(value), *(shapes.pop() if shapes else ()))


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "a single number"


def _data(
    spec: dict[str, Any], sizes: tuple[int, ...], loss: str, base_dir: Path | None
) -> tuple[dict[str, Any], Dataset]:
    ways = [k for k in ("x", "dataset", "csv") if k in spec]
    if len(ways) != 1:
        raise InputError(
            'give exactly one of inline "x" and "y", a generated "dataset", or a "csv" file',
            field="data",
        )
    way = ways[0]
    test_fraction = spec.get("test_fraction", 0.0)
    try:
        if way == "dataset":
            unknown = sorted(set(spec) - set(_GENERATED_KEYS))
            if unknown:
                raise InputError(f"unknown field {show(unknown[0])} for a generated data set")
            if spec["dataset"] not in DATASETS:
                raise InputError(
                    f"unknown data set {show(spec['dataset'])} (known: {', '.join(DATASETS)})",
                    field="dataset",
                )
            kwargs = {k: spec[k] for k in _GENERATED_KEYS[1:] if k in spec}
            dataset = generate(spec["dataset"], **kwargs)
            x_all = np.concatenate([dataset.x, dataset.x_test])
            if x_all.shape[1] != sizes[0]:
                raise InputError(
                    f"{spec['dataset']} has {x_all.shape[1]} features "
                    f"but the network has {sizes[0]} inputs",
                    field="dataset",
                )
            # The generated labels are class indices; they must suit the loss and outputs.
            check_labels(np.concatenate([dataset.y, dataset.y_test]).tolist(), loss, sizes[-1])
            return dict(spec), _with_targets(dataset, loss, sizes[-1])
        if way == "x":
            if "y" not in spec:
                raise InputError('missing; inline data needs "x" and "y"', field="y")
            x = check_features(spec["x"], sizes[0], field="x")
            y = check_labels(spec["y"], loss, sizes[-1], field="y", n_samples=len(x))
            dataset = _split(x, y, test_fraction, spec.get("seed", 0))
            return dict(spec), dataset
    except InputError as e:
        raise e.within(field="data") from None

    # A CSV file: its own errors name the CSV file, row and column.
    csv = spec["csv"]
    if not isinstance(csv, str) or not csv:
        raise InputError(f"expected a file path, got {show(csv)}", field="data.csv")
    path = Path(csv)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    x, y = read_samples(path, sizes[0], loss, sizes[-1], source=csv)
    kept = dict(spec)
    kept["csv"] = str(path.resolve())
    try:
        return kept, _split(x, y, test_fraction, spec.get("seed", 0))
    except InputError as e:
        raise e.within(field="data") from None


def _with_targets(dataset: Dataset, loss: str, n_out: int) -> Dataset:
    """A generated set's labels in the layout the loss reads: (N, 1) for squared_error."""
    if loss != "squared_error" or n_out != 1:
        return dataset
    return Dataset(
        dataset.x, dataset.y.reshape(-1, 1), dataset.x_test, dataset.y_test.reshape(-1, 1)
    )


def _split(x: Array, y: Array, test_fraction: Any, seed: Any) -> Dataset:
    """Hold out a seeded share of inline or CSV samples for testing (fields inside data)."""
    fraction = finite_number(test_fraction, "test_fraction", "a number")
    if not 0 <= fraction < 1:
        raise InputError(f"must be in [0, 1), got {show(test_fraction)}", field="test_fraction")
    if not is_int(seed):
        raise InputError(f"expected a whole number, got {show(seed)}", field="seed")
    x_train, y_train, x_test, y_test = split(x, y, fraction, seed)
    if len(x_train) == 0:
        raise InputError("leaves no training sample", field="test_fraction")
    return Dataset(x_train, y_train, x_test, y_test)


# --- small validators ---------------------------------------------------------------------


def _object(obj: dict[str, Any], key: str, required: bool = True) -> dict[str, Any]:
    if key not in obj:
        if required:
            raise InputError("missing", field=key)
        return {}
    value = obj[key]
    if not isinstance(value, dict):
        raise InputError(f"expected an object, got {show(value)}", field=key)
    return value


def _number(obj: dict[str, Any], key: str, where: str, default: float) -> float:
    return finite_number(obj.get(key, default), f"{where}.{key}", "a finite number")


def _integer(obj: dict[str, Any], key: str, where: str, default: int, minimum: int) -> int:
    v = obj.get(key, default)
    if not is_int(v):
        raise InputError(f"expected a whole number, got {show(v)}", field=f"{where}.{key}")
    if v < minimum:
        raise InputError(f"must be at least {minimum}, got {v}", field=f"{where}.{key}")
    return v


def _relative_to(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:  # another drive on Windows
        return str(path)


# --- saving -------------------------------------------------------------------------------


def save_session(spec: SessionSpec, path: str | os.PathLike[str]) -> None:
    """Write the session atomically (a temporary file beside the target, then a rename)."""
    path = Path(path)
    write_atomic(path, json.dumps(spec.to_json(base_dir=path.resolve().parent), indent=2) + "\n")

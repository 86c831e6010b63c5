"""The trace of stepped iterations as JSON (CONTRACTS.md), a table, Markdown and CSV.

Inside the engine a batch is a matrix with one column per sample; in files
samples are rows and a single sample's vector is a flat list. The functions
here turn Step records into that written form, once, for every format.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .network import Array, Network
from .trace import Step

TRACE_FORMAT = "bpdebugger-trace/1"
FORMATS = ("table", "json", "markdown", "csv")

Number = Callable[[float], Any]


# --- written form of one value --------------------------------------------------------------


def per_sample(value: Array, batch_size: int) -> Any:
    """(n, B) → a flat list for one sample, else one row per sample."""
    value = np.asarray(value)
    if value.ndim == 1:  # per-sample scalars, such as each sample's loss
        return value.tolist() if batch_size > 1 else float(value[0])
    return value[:, 0].tolist() if batch_size == 1 else value.T.tolist()


def jacobian(value: Array, diagonal: bool, batch_size: int) -> Any:
    """A local Jacobian: element-wise ones as the full matrix (one sample) or the
    diagonal per sample; softmax's (B, n, n) as the matrix, or one per sample."""
    value = np.asarray(value)
    if diagonal:
        return np.diag(value[:, 0]).tolist() if batch_size == 1 else value.T.tolist()
    return value[0].tolist() if batch_size == 1 else value.tolist()


def _is_param(name: str) -> bool:
    return name.startswith(("W[", "b["))


def step_values(step: Step) -> dict[str, Any]:
    """The stop's values in written form, keyed as in the trace JSON."""
    B = len(step.batch)
    out: dict[str, Any] = {}
    if step.phase == "forward":
        out["inputs"] = {
            k: v.tolist() if _is_param(k) else per_sample(v, B) for k, v in step.inputs.items()
        }
        out["output"] = step.loss if step.node == "l" else per_sample(step.output, B)
        if step.node == "l" and B > 1:
            out["per_sample"] = per_sample(step.output, B)
    elif step.phase == "backward":
        out["upstream"] = (
            step.upstream if np.ndim(step.upstream) == 0 else per_sample(step.upstream, B)
        )
        out["local"] = {k: _local(step, k, v, B) for k, v in step.local.items()}
        out["downstream"] = {
            k: v.tolist() if _is_param(k) else per_sample(v, B) for k, v in step.downstream.items()
        }
        if step.chain:
            out["chain"] = {k: per_sample(v, B) for k, v in step.chain.items()}
            out["shortcut"] = step.shortcut
        if B > 1:  # what each sample contributes, and the batch's mean of it
            mean = step.upstream_mean
            out["upstream_mean"] = mean.tolist() if isinstance(mean, np.ndarray) else mean
            out["downstream_mean"] = {k: v.tolist() for k, v in step.downstream_mean.items()}
    else:
        out["before"] = step.before.tolist()
        out["after"] = step.after.tolist()
        out["grad"] = step.grad.tolist()
        out["change"] = step.change.tolist()
        out["learning_rate"] = step.learning_rate
    return out


def _local(step: Step, key: str, value: Array, B: int) -> Any:
    if step.op == "linear":
        # ∂z/∂a[l−1] = W[l] and ∂z/∂b = I are matrices; ∂z/∂W[l] = a[l−1] is per sample.
        return per_sample(value, B) if key.startswith("W[") else value.tolist()
    if step.node == "l":
        return per_sample(value, B)
    return jacobian(value, step.diagonal, B)


# --- JSON -------------------------------------------------------------------------------


def network_json(net: Network) -> dict[str, Any]:
    return {
        "sizes": list(net.sizes),
        "activations": list(net.activation_names),
        "loss": net.loss.name,
    }


def iteration_json(steps: Sequence[Step]) -> dict[str, Any]:
    """One iteration's entry of the trace: batch, parameters, loss, gradients, stops."""
    first = steps[0]
    updates = [s for s in steps if s.phase == "update"]
    order = sorted(updates, key=lambda s: (int(s.node[2:-1]), s.node[0] == "b"))
    batch = first.batch
    return {
        "iteration": first.iteration,
        "epoch": first.epoch,
        "batch": {
            "indices": batch.indices.tolist(),
            "x": batch.x.T.tolist(),
            "y": batch.y.tolist(),
        },
        "params_before": {s.node: s.before.tolist() for s in order},
        "loss": next(s.loss for s in steps if s.loss is not None),
        "grads": {s.node: s.grad.tolist() for s in order},
        "params_after": {s.node: s.after.tolist() for s in order},
        "steps": [
            {"index": s.index, "phase": s.phase, "node": s.node, "op": s.op, **step_values(s)}
            for s in steps
        ],
    }


def trace_json(net: Network, iterations: Iterable[Sequence[Step]]) -> dict[str, Any]:
    return {
        "format": TRACE_FORMAT,
        "network": network_json(net),
        "iterations": [iteration_json(steps) for steps in iterations],
    }


# --- table, Markdown, CSV -------------------------------------------------------------------

COLUMNS = ("iteration", "index", "phase", "node", "op", "value", "upstream", "local", "downstream")


def _text(value: Any, number: Number) -> str:
    """A written value in compact text: numbers by ``number``, lists in brackets."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v, number)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_text(v, number) for v in value) + "]"
    if value is None:
        return ""
    return str(number(value))


def step_cells(step: Step, number: Number) -> dict[str, str]:
    """One stop as the cells of a row: value (forward output, or update before → after),
    and the three gradients of a backward stop."""
    values = step_values(step)
    cells = {
        "iteration": str(step.iteration),
        "index": str(step.index),
        "phase": step.phase,
        "node": step.node,
        "op": step.op,
        "value": "",
        "upstream": "",
        "local": "",
        "downstream": "",
    }
    if step.phase == "forward":
        cells["value"] = _text(values["output"], number)
    elif step.phase == "backward":
        for key in ("upstream", "local", "downstream"):
            cells[key] = _text(values[key], number)
    else:
        cells["value"] = f"{_text(values['before'], number)} → {_text(values['after'], number)}"
    return cells


def _short(v: float) -> str:
    return f"{v:.4g}"


def trace_table(steps: Iterable[Step]) -> str:
    """Aligned columns for a terminal."""
    rows = [dict(zip(COLUMNS, COLUMNS, strict=True))] + [step_cells(s, _short) for s in steps]
    widths = {c: max(len(r[c]) for r in rows) for c in COLUMNS}
    lines = ["  ".join(r[c].ljust(widths[c]) for c in COLUMNS).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * widths[c] for c in COLUMNS))
    return "\n".join(lines) + "\n"


def trace_markdown(steps: Iterable[Step]) -> str:
    """A Markdown table, for notes and slides."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for s in steps:
        cells = step_cells(s, _short)
        lines.append("| " + " | ".join(cells[c].replace("|", "\\|") for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def trace_csv(steps: Iterable[Step]) -> str:
    """CSV with every number at full precision (repr round-trips a float64)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for s in steps:
        writer.writerow(step_cells(s, repr))
    return buffer.getvalue()

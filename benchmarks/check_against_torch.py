"""Acceptance check: the trace of `bpdebugger trace` against PyTorch float64 autograd.

    PYTHONPATH=. /path/to/torch-venv/bin/python benchmarks/check_against_torch.py \
        [--cases N] [--seed S] [--bpdebugger CMD] [--verbose]

Not part of the pytest suite: torch is not a dependency of the project. The script
needs torch and NumPy only; it runs the project's command line (by default the
repository's .venv/bin/bpdebugger) on session files it writes to a temporary folder,
and never imports the engine, so the two computations share nothing but the inputs.

For each of many random networks (2–4 layers of widths 1–6; hidden tanh, sigmoid,
relu, leaky_relu (0.01), identity; outputs sigmoid+bce, softmax+cross_entropy and
squared_error with identity/sigmoid/tanh/softmax; batches of 1–5; momentum 0 and 0.9;
explicit random parameters) it traces 3 iterations and rebuilds them in PyTorch
(torch.nn.functional, autograd with retain_grad on every z[l] and a[l], and
torch.optim.SGD, whose momentum is v ← μv + g, p ← p − ηv). Compared per iteration:

    loss     the batch mean loss ("loss"), and each sample's loss (the l stop)
    forward  the outputs of the forward stops z[l], a[l]
    grads    "grads" and the W[l], b[l] downstream of each linear backward stop
    params   "params_before" and "params_after" (and the update stops' after)
    dz       downstream z[l] of each activation stop: ∂lᵢ/∂z[l] per sample, which is
             B × the gradient torch gives for the batch mean; plus the "chain" value
             where a shortcut (ŷ − y) was used
    da       downstream a[l−1] of each linear stop and a[L] of the loss stop:
             ∂lᵢ/∂a per sample (B × torch's), down to ∂l/∂x

The error of a tensor is max|ours − torch| / max(max|torch|, 1e-12), and it must be at
most 1e-7; every element must also pass np.allclose(rtol=1e-7, atol=1e-12), i.e.
max |ours − torch| / (1e-12 + 1e-7·|torch|) ≤ 1 (the "allclose" column).
Pre-activations of relu and leaky_relu are kept at least 1e-6 away from the kink in all
three iterations (a case that comes closer is drawn again), so both sides agree on which
side of 0 each one is.

Then the worked example of Matt Mazur, "A Step by Step Backpropagation Example"
(2-2-2 sigmoid network, squared error ½Σ, one sample, learning rate 0.5): the
published total error and updated weights, compared to 1e-8 (his figures are rounded).

Exits 1 if anything fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - depends on the environment
    sys.exit("check_against_torch.py needs PyTorch (pip install torch); it is not installed")

REPO = Path(__file__).resolve().parents[1]
ITERATIONS = 3
RTOL = 1e-7
ATOL = 1e-12
KINK = 1e-6
LEAKY_SLOPE = 0.01

HIDDEN = ("tanh", "sigmoid", "relu", "leaky_relu", "identity")
# (output activation, loss): the kinds of network.
KINDS = (
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
    ("identity", "squared_error"),
    ("sigmoid", "squared_error"),
    ("tanh", "squared_error"),
    ("softmax", "squared_error"),
)
QUANTITIES = ("loss", "forward", "grads", "params", "dz", "da")


# --- random cases ---------------------------------------------------------------------------


def kind_name(output: str, loss: str) -> str:
    return f"{output}+{loss}"


def random_case(rng: np.random.Generator, i: int) -> dict[str, Any]:
    """Session i. Kind, depth, momentum and the first hidden activation cycle with i,
    so that every combination turns up; the rest is drawn from rng."""
    output, loss = KINDS[i % len(KINDS)]
    j = i // len(KINDS)
    n_layers = 2 + j % 3
    momentum = 0.9 if j % 2 else 0.0
    hidden = [HIDDEN[(j // 3) % len(HIDDEN)]] + [
        str(rng.choice(HIDDEN)) for _ in range(n_layers - 3)
    ]
    if loss == "bce":
        n_out = 1
    elif output == "softmax":
        n_out = int(rng.integers(2, 7))
    else:
        n_out = int(rng.integers(1, 7))
    sizes = [int(n) for n in rng.integers(1, 7, n_layers - 1)] + [n_out]
    if n_layers == 2:
        hidden = []
    B = int(rng.integers(1, 6))
    N = B + int(rng.integers(0, 5))  # often fewer than 3 batches: batches wrap around

    x = rng.uniform(-1.5, 1.5, (N, sizes[0]))
    if loss == "bce":
        y: Any = [int(v) for v in rng.integers(0, 2, N)]
    elif loss == "cross_entropy":
        y = [int(v) for v in rng.integers(0, n_out, N)]
    else:
        low = 0.0 if output in ("sigmoid", "softmax") else -1.0
        t = rng.uniform(low, 1.0, (N, n_out))
        if output == "identity":
            t *= 2.0
        y = t[:, 0].tolist() if n_out == 1 else t.tolist()

    params: dict[str, Any] = {}
    for l in range(2, n_layers + 1):
        params[f"W[{l}]"] = rng.uniform(-1.0, 1.0, (sizes[l - 1], sizes[l - 2])).tolist()
        params[f"b[{l}]"] = rng.uniform(-0.5, 0.5, sizes[l - 1]).tolist()
    return {
        "format": "bpdebugger-session/1",
        "network": {"sizes": sizes, "activations": [*hidden, output], "loss": loss},
        "params": params,
        "init": {"scheme": "zeros", "seed": 0},
        "training": {
            "learning_rate": float(rng.uniform(0.05, 1.0)),
            "batch_size": B,
            "shuffle": False,
            "momentum": momentum,
        },
        "data": {"x": x.tolist(), "y": y},
    }


# --- the PyTorch side -----------------------------------------------------------------------


def _activation(name: str, z: torch.Tensor) -> torch.Tensor:
    if name == "tanh":
        return torch.tanh(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "relu":
        return F.relu(z)
    if name == "leaky_relu":
        return F.leaky_relu(z, LEAKY_SLOPE)
    if name == "identity":
        return z.clone()  # its own node, so that a[l] has a gradient of its own
    if name == "softmax":
        return F.softmax(z, dim=1)
    raise ValueError(f"no such activation {name!r}")


def expected_indices(n: int, batch_size: int, iteration: int) -> list[int]:
    """shuffle false: iteration k takes samples (k−1)·B … k·B−1 of the file, mod N."""
    start = (iteration - 1) * batch_size
    return [(start + i) % n for i in range(batch_size)]


@dataclass
class Reference:
    """What torch computes for one iteration; samples are rows, as in the trace."""

    indices: list[int]
    loss: float
    per_sample: np.ndarray
    z: dict[int, np.ndarray]
    a: dict[int, np.ndarray]
    dz: dict[int, np.ndarray]  # ∂lᵢ/∂z per sample (B × torch's gradient of the mean)
    da: dict[int, np.ndarray]  # ∂lᵢ/∂a per sample, a[1] = x included
    grads: dict[str, np.ndarray]
    before: dict[str, np.ndarray]
    after: dict[str, np.ndarray]


def torch_reference(session: dict[str, Any]) -> list[Reference]:
    net, training, data = session["network"], session["training"], session["data"]
    sizes, acts, loss_name = net["sizes"], net["activations"], net["loss"]
    L = len(sizes)
    B = training["batch_size"]
    X = torch.tensor(data["x"], dtype=torch.float64)
    N = X.shape[0]
    if loss_name == "squared_error":
        Y = torch.tensor(data["y"], dtype=torch.float64).reshape(N, sizes[-1])
    else:
        Y = torch.tensor(data["y"], dtype=torch.int64)

    params = {
        name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
        for name, value in session["params"].items()
    }
    opt = torch.optim.SGD(
        list(params.values()), lr=training["learning_rate"], momentum=training["momentum"]
    )
    out: list[Reference] = []
    for k in range(1, ITERATIONS + 1):
        idx = expected_indices(N, B, k)
        x = X[idx].clone().requires_grad_(True)
        y = Y[idx]
        a: dict[int, torch.Tensor] = {1: x}
        z: dict[int, torch.Tensor] = {}
        for l in range(2, L + 1):
            z[l] = F.linear(a[l - 1], params[f"W[{l}]"], params[f"b[{l}]"])
            z[l].retain_grad()
            a[l] = _activation(acts[l - 2], z[l])
            a[l].retain_grad()
        yhat, zL = a[L], z[L]
        # The graph the gradients come from is written on ŷ, so that ∂l/∂ŷ exists;
        # the loss values come from the logits, which keeps every digit.
        if loss_name == "bce":
            target = y.to(torch.float64).reshape(B, 1)
            mean = F.binary_cross_entropy(yhat, target)
            per = F.binary_cross_entropy_with_logits(zL, target, reduction="none").sum(dim=1)
        elif loss_name == "cross_entropy":
            mean = F.nll_loss(torch.log(yhat), y)
            per = F.cross_entropy(zL, y, reduction="none")
        else:
            per_graph = 0.5 * ((yhat - y) ** 2).sum(dim=1)  # ½·Σₖ (yₖ − ŷₖ)²
            mean = per_graph.mean()
            per = per_graph
        opt.zero_grad()
        mean.backward()
        before = {n: p.detach().numpy().copy() for n, p in params.items()}
        grads = {n: p.grad.detach().numpy().copy() for n, p in params.items()}
        opt.step()
        after = {n: p.detach().numpy().copy() for n, p in params.items()}
        out.append(
            Reference(
                indices=idx,
                loss=float(per.detach().mean()),
                per_sample=per.detach().numpy().copy(),
                z={l: t.detach().numpy().copy() for l, t in z.items()},
                a={l: t.detach().numpy().copy() for l, t in a.items()},
                dz={l: B * t.grad.numpy() for l, t in z.items()},
                da={l: B * t.grad.numpy() for l, t in a.items()},
                grads=grads,
                before=before,
                after=after,
            )
        )
    return out


def closest_to_kink(session: dict[str, Any], refs: list[Reference]) -> float:
    """The smallest |z| over all relu / leaky_relu pre-activations of all iterations."""
    acts = session["network"]["activations"]
    closest = float("inf")
    for ref in refs:
        for l, name in enumerate(acts, start=2):
            if name in ("relu", "leaky_relu"):
                closest = min(closest, float(np.abs(ref.z[l]).min()))
    return closest


# --- comparing ------------------------------------------------------------------------------


def errors(ours: Any, theirs: Any) -> tuple[float, float]:
    """(normwise relative error, worst elementwise allclose ratio); shapes must match."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape {a.shape} in the trace, {b.shape} from torch")
    if a.size == 0:
        return 0.0, 0.0
    diff = np.abs(a - b)
    if not np.isfinite(diff).all():
        return float("inf"), float("inf")
    norm = float(diff.max() / max(float(np.abs(b).max()), ATOL))
    elem = float((diff / (ATOL + RTOL * np.abs(b))).max())
    return norm, elem


def rows(value: Any, B: int) -> np.ndarray:
    """A per-sample value as written in the trace → (B, n): one sample is a flat list."""
    arr = np.asarray(value, dtype=np.float64)
    return arr.reshape(1, -1) if B == 1 else arr


@dataclass
class Result:
    kind: str
    hidden: tuple[str, ...]
    momentum: float
    norm: dict[str, float] = field(default_factory=lambda: dict.fromkeys(QUANTITIES, 0.0))
    elem: dict[str, float] = field(default_factory=lambda: dict.fromkeys(QUANTITIES, 0.0))
    where: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, quantity: str, label: str, ours: Any, theirs: Any) -> None:
        try:
            norm, elem = errors(ours, theirs)
        except ValueError as e:
            self.problems.append(f"{label}: {e}")
            return
        if norm > RTOL or elem > 1.0:
            self.problems.append(f"{label}: relative error {norm:.3g}, allclose ratio {elem:.3g}")
        if norm > self.norm[quantity] or quantity not in self.where:
            self.where[quantity] = label
        self.norm[quantity] = max(self.norm[quantity], norm)
        self.elem[quantity] = max(self.elem[quantity], elem)

    @property
    def ok(self) -> bool:
        return not self.problems


def compare(session: dict[str, Any], trace: dict[str, Any], refs: list[Reference]) -> Result:
    net = session["network"]
    sizes, acts = net["sizes"], net["activations"]
    L, B = len(sizes), session["training"]["batch_size"]
    res = Result(
        kind_name(acts[-1], net["loss"]), tuple(acts[:-1]), session["training"]["momentum"]
    )
    if trace.get("format") != "bpdebugger-trace/1":
        res.problems.append(f"trace format {trace.get('format')!r}")
    if trace.get("network") != net:
        res.problems.append(f"trace network {trace.get('network')} is not the session's")
    its = trace.get("iterations", [])
    if len(its) != ITERATIONS:
        res.problems.append(f"{len(its)} iterations in the trace, expected {ITERATIONS}")
        return res
    names = [f"{p}[{l}]" for l in range(2, L + 1) for p in ("W", "b")]
    for it, ref in zip(its, refs, strict=True):
        k = it["iteration"]
        if it["batch"]["indices"] != ref.indices:
            res.problems.append(
                f"iteration {k}: batch.indices {it['batch']['indices']}, expected {ref.indices}"
            )
            continue  # torch computed another batch: the rest cannot compare
        res.add("loss", f"it{k} loss", it["loss"], ref.loss)
        for name in names:
            res.add("grads", f"it{k} grads {name}", it["grads"][name], ref.grads[name])
            res.add(
                "params", f"it{k} params_before {name}", it["params_before"][name], ref.before[name]
            )
            res.add(
                "params", f"it{k} params_after {name}", it["params_after"][name], ref.after[name]
            )
        seen: set[tuple[str, str]] = set()
        for s in it["steps"]:
            node, phase = s["node"], s["phase"]
            seen.add((phase, node))
            at = f"it{k} step {s['index']} {phase} {node}"
            if phase == "forward":
                if node == "l":
                    res.add("loss", f"{at} output", s["output"], ref.loss)
                    per = s.get("per_sample", s["output"]) if B > 1 else [s["output"]]
                    res.add("loss", f"{at} per_sample", np.ravel(per), ref.per_sample)
                else:
                    l = int(node[2:-1])
                    want = ref.z[l] if node[0] == "z" else ref.a[l]
                    res.add("forward", f"{at} output", rows(s["output"], B), want)
            elif phase == "backward":
                down = s["downstream"]
                if node == "l":
                    res.add("da", f"{at} downstream a[{L}]", rows(down[f"a[{L}]"], B), ref.da[L])
                elif node[0] == "a":
                    l = int(node[2:-1])
                    res.add("dz", f"{at} downstream z[{l}]", rows(down[f"z[{l}]"], B), ref.dz[l])
                    for key, value in s.get("chain", {}).items():
                        res.add("dz", f"{at} chain {key}", rows(value, B), ref.dz[l])
                else:
                    l = int(node[2:-1])
                    res.add(
                        "da",
                        f"{at} downstream a[{l - 1}]",
                        rows(down[f"a[{l - 1}]"], B),
                        ref.da[l - 1],
                    )
                    for p in ("W", "b"):
                        name = f"{p}[{l}]"
                        res.add("grads", f"{at} downstream {name}", down[name], ref.grads[name])
            else:
                res.add("params", f"{at} after", s["after"], ref.after[node])
        want_stops = (
            {("forward", f"{n}[{l}]") for l in range(2, L + 1) for n in "za"}
            | {("backward", f"{n}[{l}]") for l in range(2, L + 1) for n in "za"}
            | {("forward", "l"), ("backward", "l")}
            | {("update", n) for n in names}
        )
        if seen != want_stops:
            res.problems.append(f"iteration {k}: stops {sorted(seen ^ want_stops)} differ")
    return res


# --- running the command line ---------------------------------------------------------------


def default_command() -> list[str]:
    local = REPO / ".venv" / "bin" / "bpdebugger"
    if local.exists():
        return [str(local)]
    found = shutil.which("bpdebugger")
    return [found] if found else [sys.executable, "-m", "bpdebugger"]


def run_trace(command: list[str], session: dict[str, Any], folder: Path, name: str) -> Any:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(session), encoding="utf-8")
    done = subprocess.run(
        [
            *command,
            "trace",
            "--session",
            str(path),
            "--format",
            "json",
            "--iterations",
            str(ITERATIONS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bpdebugger exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)


# --- the worked example ---------------------------------------------------------------------

# Matt Mazur, "A Step by Step Backpropagation Example" (2015): net_h1 = w1·i1 + w2·i2 + b1,
# net_h2 = w3·i1 + w4·i2 + b1, net_o1 = w5·out_h1 + w6·out_h2 + b2,
# net_o2 = w7·out_h1 + w8·out_h2 + b2. Row i of W[l] holds the weights into unit i, so
# W[2] = [[w1, w2], [w3, w4]] and W[3] = [[w5, w6], [w7, w8]]; each layer's one bias b1, b2
# becomes a bias per unit with the same value.
MAZUR_SESSION = {
    "format": "bpdebugger-session/1",
    "network": {"sizes": [2, 2, 2], "activations": ["sigmoid", "sigmoid"], "loss": "squared_error"},
    "params": {
        "W[2]": [[0.15, 0.20], [0.25, 0.30]],
        "b[2]": [0.35, 0.35],
        "W[3]": [[0.40, 0.45], [0.50, 0.55]],
        "b[3]": [0.60, 0.60],
    },
    "training": {"learning_rate": 0.5, "batch_size": 1, "shuffle": False, "momentum": 0.0},
    "data": {"x": [[0.05, 0.10]], "y": [[0.01, 0.99]]},
}
MAZUR_ERROR = 0.298371109
# His updated weights (w⁺), by name and position in our layout. His biases are not updated.
MAZUR_WEIGHTS = {
    "w1": ("W[2]", 0, 0, 0.149780716),
    "w2": ("W[2]", 0, 1, 0.19956143),
    "w3": ("W[2]", 1, 0, 0.24975114),
    "w4": ("W[2]", 1, 1, 0.29950229),
    "w5": ("W[3]", 0, 0, 0.35891648),
    "w6": ("W[3]", 0, 1, 0.408666186),
    "w7": ("W[3]", 1, 0, 0.511301270),
    "w8": ("W[3]", 1, 1, 0.561370121),
}
MAZUR_TOLERANCE = 1e-8


def worked_example(command: list[str], folder: Path) -> bool:
    """Mazur's published figures against our trace (and torch's, for the record)."""
    trace = run_trace(command, MAZUR_SESSION, folder, "mazur")
    it = trace["iterations"][0]
    ref = torch_reference(MAZUR_SESSION)[0]
    rows_out = [("total error", it["loss"], ref.loss, MAZUR_ERROR)]
    for w, (name, i, j, published) in MAZUR_WEIGHTS.items():
        rows_out.append(
            (
                f"{w}+ = {name}[{i},{j}]",
                it["params_after"][name][i][j],
                ref.after[name][i, j],
                published,
            )
        )
    print("Worked example: Matt Mazur, 'A Step by Step Backpropagation Example'")
    print(
        f"{'quantity':<20} {'bpdebugger':>18} {'torch':>18} {'published':>12} {'|ours-pub|':>10}  "
    )
    ok = True
    for label, ours, theirs, published in rows_out:
        good = abs(ours - published) <= MAZUR_TOLERANCE and abs(ours - theirs) <= 1e-12
        ok &= good
        print(
            f"{label:<20} {ours:>18.15f} {theirs:>18.15f} {published!s:>12} "
            f"{abs(ours - published):>10.1e}  {'PASS' if good else 'FAIL'}"
        )
    print(f"(to {MAZUR_TOLERANCE:g} of the published figures, to 1e-12 of torch)")
    return ok


# --- report ---------------------------------------------------------------------------------


def table(title: str, groups: dict[str, list[Result]]) -> list[str]:
    head = f"{title:<28} {'cases':>5} " + " ".join(f"{q:>9}" for q in QUANTITIES)
    lines = [head + f" {'allclose':>9}  result", "-" * (len(head) + 18)]
    for group, results in groups.items():
        worst = {q: max(r.norm[q] for r in results) for q in QUANTITIES}
        elem = max(max(r.elem.values()) for r in results)
        verdict = "PASS" if all(r.ok for r in results) else "FAIL"
        lines.append(
            f"{group:<28} {len(results):>5} "
            + " ".join(f"{worst[q]:>9.1e}" for q in QUANTITIES)
            + f" {elem:>9.2g}  {verdict}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200, help="random networks (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random cases")
    parser.add_argument(
        "--bpdebugger",
        metavar="CMD",
        help="the command to run (default: the repository's .venv/bin/bpdebugger)",
    )
    parser.add_argument("--verbose", action="store_true", help="a line per case")
    args = parser.parse_args(argv)
    command = args.bpdebugger.split() if args.bpdebugger else default_command()
    rng = np.random.default_rng(args.seed)

    results: list[Result] = []
    redrawn = 0
    with tempfile.TemporaryDirectory(prefix="bpdebugger-torch-") as tmp:
        folder = Path(tmp)
        for i in range(args.cases):
            while True:
                session = random_case(rng, i)
                refs = torch_reference(session)
                if closest_to_kink(session, refs) >= KINK:
                    break
                redrawn += 1
            try:
                res = compare(session, run_trace(command, session, folder, f"case{i}"), refs)
            except (RuntimeError, KeyError, TypeError, ValueError) as e:
                acts = session["network"]["activations"]
                res = Result(
                    kind_name(acts[-1], session["network"]["loss"]),
                    tuple(acts[:-1]),
                    session["training"]["momentum"],
                )
                res.problems.append(f"{type(e).__name__}: {e}")
            results.append(res)
            if args.verbose or not res.ok:
                net, tr = session["network"], session["training"]
                print(
                    f"case {i:4d} {'ok  ' if res.ok else 'FAIL'} sizes={net['sizes']} "
                    f"acts={net['activations']} loss={net['loss']} B={tr['batch_size']} "
                    f"N={len(session['data']['x'])} momentum={tr['momentum']}"
                )
                for problem in res.problems[:5]:
                    print(f"           {problem}")
                if not res.ok:
                    kept = Path(tempfile.gettempdir()) / "bpdebugger-torch-failed"
                    kept.mkdir(exist_ok=True)
                    (kept / f"case{i}-seed{args.seed}.json").write_text(json.dumps(session))
                    print(f"           session kept in {kept / f'case{i}-seed{args.seed}.json'}")
        print()
        mazur_ok = worked_example(command, folder)

    by_kind: dict[str, list[Result]] = defaultdict(list)
    for output, loss in KINDS:
        by_kind[kind_name(output, loss)] = []
    by_hidden: dict[str, list[Result]] = defaultdict(list)
    by_momentum: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
        for name in sorted(set(r.hidden)) or ["(no hidden layer)"]:
            by_hidden[f"hidden {name}"].append(r)
        by_momentum[f"momentum {r.momentum:g}"].append(r)
    by_kind = {k: v for k, v in by_kind.items() if v}
    print()
    print(
        f"bpdebugger trace vs PyTorch {torch.__version__} float64: {len(results)} random "
        f"networks x {ITERATIONS} iterations (seed {args.seed}; {redrawn} drawn again for a "
        f"relu kink within {KINK:g})"
    )
    print(
        f"worst relative error max|ours-torch| / max|torch| per quantity (passes at <= {RTOL:g});"
    )
    print(
        f"allclose column: worst max |ours-torch| / ({ATOL:g} + {RTOL:g}|torch|) (passes at <= 1)"
    )
    print()
    for title, groups in (
        ("kind (output+loss)", by_kind),
        ("hidden activation", dict(sorted(by_hidden.items()))),
        ("optimiser", dict(sorted(by_momentum.items()))),
        ("all", {"all cases": results}),
    ):
        print("\n".join(table(title, groups)))
        print()
    print(f"{'Mazur worked example':<28} {'':>5} {'PASS' if mazur_ok else 'FAIL'}")
    failed = sum(not r.ok for r in results)
    print()
    print(
        f"{len(results) - failed}/{len(results)} cases pass; worked example "
        f"{'passes' if mazur_ok else 'FAILS'}"
    )
    return 0 if failed == 0 and mazur_ok else 1


if __name__ == "__main__":
    sys.exit(main())

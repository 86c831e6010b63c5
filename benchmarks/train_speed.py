"""Time per SGD iteration: the engine's fast path against a bare NumPy loop and PyTorch.

    .venv/bin/python benchmarks/train_speed.py [--iterations N]

Network [2, 16, 16, 1], tanh/tanh/sigmoid, bce, batch 32, float64. Every
contender trains the same network on the same batches in the same process, and
the figures are printed as ratios to the bare loop, so a busy machine slows all
of them alike. Goals: the fast path within 1.5x of the bare loop and at least
2x faster than PyTorch (CPU, float64; measured only when torch is installed).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from bpdebugger.engine.session import parse_session
from bpdebugger.engine.trace import iteration_steps

SIZES = [2, 16, 16, 1]
BATCH = 32
LR = 0.1


def make_spec():
    return parse_session(
        {
            "format": "bpdebugger-session/1",
            "network": {
                "sizes": SIZES,
                "activations": ["tanh", "tanh", "sigmoid"],
                "loss": "bce",
            },
            "init": {"scheme": "xavier", "seed": 0},
            "training": {"learning_rate": LR, "batch_size": BATCH, "shuffle": True},
            "data": {"dataset": "circles", "n": 512, "noise": 0.1, "seed": 0},
        }
    )


def best_of(run: Callable[[int], None], iterations: int, repeats: int = 5) -> float:
    """Seconds per iteration: the best of several runs (the least disturbed)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(iterations)
        best = min(best, (time.perf_counter() - start) / iterations)
    return best


def engine_fast_path(spec) -> Callable[[int], None]:
    trainer = spec.trainer()
    return lambda n: trainer.train(1, n)


def engine_stepped(spec) -> Callable[[int], None]:
    trainer = spec.trainer()

    def run(n: int) -> None:
        for k in range(1, n + 1):
            for _ in iteration_steps(trainer.net, trainer.optimizer, trainer.batch(k), k):
                pass

    return run


def bare_numpy(spec) -> Callable[[int], None]:
    """The same maths written as one plain loop, no abstractions: the reference.

    It does what any training loop that plots its loss does: shuffles each
    epoch, computes the batch loss (stably, from the logits) and the gradients.
    """
    trainer = spec.trainer()
    W = [trainer.net.W[l].copy() for l in (2, 3, 4)]
    b = [trainer.net.b[l][:, None].copy() for l in (2, 3, 4)]
    X, T = trainer.X, trainer.T
    n = X.shape[1]
    rng = np.random.default_rng(0)

    def run(iterations: int) -> None:
        losses = np.empty(iterations)
        perm = np.arange(n)
        for k in range(iterations):
            start = (k * BATCH) % n
            if start == 0:  # a new epoch
                perm = rng.permutation(n)
            idx = perm[start : start + BATCH]
            x, t = X[:, idx], T[:, idx]
            a1 = np.tanh(W[0] @ x + b[0])
            a2 = np.tanh(W[1] @ a1 + b[1])
            z3 = W[2] @ a2 + b[2]
            losses[k] = (np.logaddexp(0.0, z3) - t * z3).mean()
            y = np.exp(-np.logaddexp(0.0, -z3))
            d3 = (y - t) / BATCH
            d2 = (W[2].T @ d3) * (1 - a2**2)
            d1 = (W[1].T @ d2) * (1 - a1**2)
            for j, (d, a) in ((2, (d3, a2)), (1, (d2, a1)), (0, (d1, x))):
                W[j] -= LR * (d @ a.T)
                b[j] -= LR * d.sum(axis=1, keepdims=True)

    return run


def pytorch(spec) -> Callable[[int], None] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    trainer = spec.trainer()
    params = [
        torch.tensor(p, dtype=torch.float64, requires_grad=True)
        for p in trainer.net.params().values()
    ]
    opt = torch.optim.SGD(params, lr=LR)
    X = torch.tensor(trainer.X.T)
    T = torch.tensor(trainer.T.T)
    batches = [torch.tensor(trainer.indices(k)) for k in range(1, 257)]
    lossf = torch.nn.BCEWithLogitsLoss()

    def run(n: int) -> None:
        for k in range(n):
            idx = batches[k % len(batches)]
            x, t = X[idx], T[idx]
            h = x
            for i in range(0, 4, 2):
                h = torch.tanh(h @ params[i].T + params[i + 1])
            z = h @ params[4].T + params[5]
            opt.zero_grad()
            lossf(z, t).backward()
            opt.step()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    n = parser.parse_args().iterations
    spec = make_spec()
    bare = best_of(bare_numpy(spec), n)
    rows = [
        ("bare NumPy loop (reference)", bare),
        ("engine fast path (Trainer.train)", best_of(engine_fast_path(spec), n)),
    ]
    torch_run = pytorch(spec)
    if torch_run is not None:
        rows.append(("PyTorch, CPU, float64, 1 thread", best_of(torch_run, n)))
    rows.append(("engine stepped (all 21 records)", best_of(engine_stepped(spec), max(n // 4, 1))))
    print(f"[2, 16, 16, 1] tanh/tanh/sigmoid, bce, batch {BATCH}, {n} iterations, best of 5")
    for name, seconds in rows:
        print(f"  {name:<36} {seconds * 1e6:8.1f} µs/iteration   {seconds / bare:5.2f}x bare")
    if torch_run is None:
        print("  PyTorch not installed: pip install torch to compare")
    else:
        print(f"  PyTorch / fast path: {rows[2][1] / rows[1][1]:.2f}x (goal: at least 2x)")


if __name__ == "__main__":
    main()

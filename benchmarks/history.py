"""The debugger's history: memory held after many stops, goto time, continue_ against training.

    .venv/bin/python benchmarks/history.py

On the default network (the xor demo: 2 → 2 tanh → 1 sigmoid, 14 stops per iteration):

1. memory held by a session (tracemalloc: every Python and NumPy allocation still alive)
   after 10⁴ stops walked one step_into at a time, then after 10⁵ and 10⁶ stops reached by
   continue_ through the equivalent iterations (stepping 10⁶ stops one by one would only
   measure the interpreter);
2. the time of a goto to a random stop among the 10⁶ reached (mean and max of 50);
3. continue_ through 10⁴ iterations with only the default (non-finite) breakpoint, against
   Trainer.train on the same iterations, best of 5 each, interleaved in the same process:
   printed as a ratio so that a busy machine slows both alike.

4. the longest single Metrics.extend while 2·10⁶ iterations are recorded in slices of 2,000
   (the growing buffers' copies), against a plain NumPy copy of the final table: the buffers
   must never stall a run for long (goal of issue 5: no event-loop stall over 50 ms).

Goals (issue 3): under 200 MB after 10⁶ stops, a goto under 50 ms, continue_ within 1.5×.
"""

from __future__ import annotations

import math
import time
import tracemalloc

import numpy as np

from bpdebugger.debugger import Session
from bpdebugger.debugger.metrics import Metrics
from bpdebugger.engine.demos import load_demo

STOPS_PER_ITERATION = 14


def megabytes(n: int) -> str:
    return f"{n / 1e6:8.2f} MB"


def memory_after_stops() -> Session:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    s = Session.from_demo("xor")
    start = time.perf_counter()
    for _ in range(10_000):
        s.step_into()
    walked = time.perf_counter() - start
    print("memory held by the session (tracemalloc)")
    held = tracemalloc.get_traced_memory()[0] - base
    print(f"  10^4 stops (step_into each)    {megabytes(held)}   at {s.position}")
    for stops in (100_000, 1_000_000):
        s.continue_(max_iterations=math.ceil(stops / STOPS_PER_ITERATION) - s.position[0])
        held = tracemalloc.get_traced_memory()[0] - base
        label = f"10^{round(math.log10(stops))} stops (continue_)"
        print(f"  {label:<30} {megabytes(held)}   at {s.position}")
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    cp = s.history.checkpoints
    print(f"  peak                           {megabytes(peak)}")
    print(f"  checkpoints: {len(cp)}, one every {cp.stride} iterations")
    print(f"  step_into: {walked / 10_000 * 1e6:.1f} µs per stop over the 10^4 walk (traced)")
    return s


def goto_times(s: Session, count: int = 50) -> None:
    rng = np.random.default_rng(0)
    last = s.reached[0]
    times = []
    for _ in range(count):
        k, i = int(rng.integers(1, last)), int(rng.integers(1, STOPS_PER_ITERATION + 1))
        start = time.perf_counter()
        s.goto(k, i)
        times.append(time.perf_counter() - start)
    times_ms = np.array(times) * 1e3
    print(
        f"goto a random stop of {last} iterations: mean {times_ms.mean():.2f} ms, "
        f"max {times_ms.max():.2f} ms ({count} jumps)"
    )


def continue_against_training(iterations: int = 10_000, repeats: int = 5) -> None:
    spec = load_demo("xor")
    train, cont = math.inf, math.inf
    for _ in range(repeats):
        trainer = spec.trainer()
        start = time.perf_counter()
        trainer.train(1, iterations)
        train = min(train, time.perf_counter() - start)
        s = Session(spec)
        start = time.perf_counter()
        s.continue_(max_iterations=iterations)
        cont = min(cont, time.perf_counter() - start)
        assert s.position == (iterations, STOPS_PER_ITERATION)
    print(f"{iterations} iterations, best of {repeats}, and the ratio to Trainer.train:")
    for name, t in (("Trainer.train", train), ("continue_", cont)):
        per = t / iterations * 1e6
        print(f"  {name:<14} {t * 1e3:8.1f} ms  ({per:.1f} µs/iteration)  {t / train:.2f}")


def longest_metrics_extend(iterations: int = 2_000_000, chunk: int = 2_000) -> None:
    metrics = Metrics(1, [2, 3])
    rng = np.random.default_rng(0)
    losses, norms = rng.random(chunk), rng.random((chunk, 2))
    longest, at = 0.0, 0
    for k in range(1, iterations + 1, chunk):
        start = time.perf_counter()
        metrics.extend(k, losses, norms)
        took = time.perf_counter() - start
        if took > longest:
            longest, at = took, k
    table = metrics.grad_norm
    start = time.perf_counter()
    np.concatenate([table, table])  # what one doubling of the whole table costs
    copy = time.perf_counter() - start
    print(
        f"Metrics.extend over {iterations} iterations in slices of {chunk}: longest "
        f"{longest * 1e3:.2f} ms (at iteration {at}); one copy of the whole table "
        f"{copy * 1e3:.2f} ms"
    )


def main() -> None:
    s = memory_after_stops()
    goto_times(s)
    continue_against_training()
    longest_metrics_extend()


if __name__ == "__main__":
    main()

"""Time travel: any stop rebuilt equals the first time, over random walks of the verbs."""

from __future__ import annotations

import tracemalloc

import numpy as np
from debugging import NOTES_STOPS, assert_steps_equal, deep, notes, walk
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bpdebugger.engine.trace import Step

NEXT_PHASE = {"forward": "backward", "backward": "update", "update": "forward"}


def test_goto_far_stops_gives_the_records_first_produced():
    s = deep(checkpoints=16)
    first = walk(s, 300 * 20)
    assert len(s.history.checkpoints) <= 16 and s.history.checkpoints.stride >= 32
    rng = np.random.default_rng(1)
    positions = list(first)
    for j in rng.permutation(len(positions))[:120]:
        p = positions[j]
        assert_steps_equal(s.goto(*p), first[p])
        assert s.position == p


def test_stops_run_on_the_fast_path_rebuild_to_the_stepped_records():
    stepped = walk(notes(), 60 * NOTES_STOPS)
    s = notes(checkpoints=8)
    s.continue_(max_iterations=60)
    for p in [(1, 1), (17, 9), (33, 14), (59, 5), (60, 14), (2, 7)]:
        assert_steps_equal(s.goto(*p), stepped[p])
    np.testing.assert_array_equal(s.metrics.loss, [stepped[k, 5].loss for k in range(1, 61)])


def test_checkpoints_stay_bounded_and_thin_out_as_training_goes_on():
    s = notes(checkpoints=32)
    counts, strides = [], []
    for _ in range(6):
        s.continue_(max_iterations=2000)
        counts.append(len(s.history.checkpoints))
        strides.append(s.history.checkpoints.stride)
    assert max(counts) <= 32 and min(counts) >= 16
    assert strides == sorted(strides) and strides[-1] >= 12000 // 32
    # Still exact after the thinning: iteration 11 999 rebuilt from a checkpoint far back.
    assert s.goto(11999, 3).position == (11999, 3)
    s.goto(12000, 1)
    assert s.step_back().position == (11999, 14)


def test_memory_grows_little_while_training():
    s = notes()
    s.continue_(max_iterations=500)  # caches, imports, first buffers
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        s.continue_(max_iterations=5000)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 2_000_000, f"{grown} bytes for 5000 iterations"


class WalkOfVerbs(RuleBasedStateMachine):
    """Random verbs against a model of where each one lands; every record seen again at a
    position must equal the first one seen there (since the last edit before it)."""

    def __init__(self) -> None:
        super().__init__()
        self.s = notes(checkpoints=4)
        self.stops = self.s.stops
        self.n = len(self.stops)
        self.position = self.reached = (1, 0)
        self.seen: dict[tuple[int, int], Step] = {}

    def following(self, p: tuple[int, int]) -> tuple[int, int]:
        return (p[0], p[1] + 1) if p[1] < self.n else (p[0] + 1, 1)

    def land(self, p: tuple[int, int], step: Step | None) -> None:
        self.position = p
        self.reached = max(self.reached, p)
        assert self.s.position == p, (self.s.position, p)
        if p[1] == 0:
            assert step is None
        elif p in self.seen:
            assert_steps_equal(step, self.seen[p])
        else:
            self.seen[p] = step

    @rule()
    def step_into(self) -> None:
        self.land(self.following(self.position), self.s.step_into())

    @rule()
    def step_over(self) -> None:
        p = self.following(self.position)
        while self.stops[p[1] - 1] in {("forward", f"z[{l}]") for l in (2, 3)} | {
            ("backward", f"a[{l}]") for l in (2, 3)
        }:
            p = self.following(p)
        self.land(p, self.s.step_over())

    @rule()
    def step_out(self) -> None:
        i = self.position[1]
        target = NEXT_PHASE[self.stops[i - 1][0] if i else "forward"]
        p = self.following(self.position)
        while not (self.stops[p[1] - 1][0] == target and self.stops[p[1] - 2][0] != target):
            p = self.following(p)
        self.land(p, self.s.step_out())

    @rule()
    def step_back(self) -> None:
        k, i = self.position
        p = (k, i - 1) if i > 1 or k == 1 else (k - 1, self.n)
        step = self.s.step_back()
        self.land(max(p, (1, 0)), step)

    @rule(data=st.data())
    def goto(self, data: st.DataObject) -> None:
        k = data.draw(st.integers(1, self.reached[0]))
        last = self.reached[1] if k == self.reached[0] else self.n
        if last == 0:
            return
        i = data.draw(st.integers(1, last))
        self.land((k, i), self.s.goto(k, i))

    @rule(m=st.integers(1, 3))
    def continue_(self, m: int) -> None:
        k, i = self.position
        in_progress = k if i < self.n else k + 1
        self.land((in_progress + m - 1, self.n), self.s.continue_(max_iterations=m))

    @precondition(lambda self: self.position != (1, 0))
    @rule(value=st.floats(-2, 2), which=st.sampled_from(["W[2]", "W[3]", "b[2]"]))
    def edit(self, value: float, which: str) -> None:
        at = {"W[2]": (1, 0), "W[3]": (0, 1), "b[2]": (0,)}[which]
        step = self.s.edit(which, at, value)
        self.reached = self.position
        self.seen = {p: r for p, r in self.seen.items() if p <= self.position}
        self.land(self.position, step)

    @rule()
    def reverse_continue(self) -> None:  # no breakpoint ever hits here: back to the start
        self.land((1, 0), self.s.reverse_continue())

    @rule()
    def restart(self) -> None:
        self.seen.clear()
        self.reached = (1, 0)
        self.land((1, 0), self.s.restart())

    @invariant()
    def reached_as_modelled(self) -> None:
        assert self.s.reached == self.reached


WalkOfVerbs.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
test_random_walks_of_verbs = WalkOfVerbs.TestCase

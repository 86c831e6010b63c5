"""Time of one Step Into in the real window, every view updated and painted.

    .venv/bin/python benchmarks/gui_step.py [--steps N]

Offscreen, 1280×800. Each step triggers the toolbar's Step Into action and
then runs the event loop until it is idle: every view the step changed has
painted, including what they deferred to the loop (a plot's coalesced refresh,
a repaint Qt posts for widgets just shown), as after a click. A second column
forces a repaint of the whole window (menus, toolbars and every dock), an upper
bound no click needs.
Printed side by side with the cost of the same debugger verb alone, so the
share of the views is visible. Goals: at most 8 ms per step on the default
network (half a 60 Hz frame), at most 16 ms on [2, 16, 16, 1].
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtWidgets

from bpdebugger.debugger import Session
from bpdebugger.engine.session import parse_session
from bpdebugger.gui.app import application
from bpdebugger.gui.main_window import MainWindow


def wide_session() -> Session:
    return Session(
        parse_session(
            {
                "format": "bpdebugger-session/1",
                "network": {
                    "sizes": [2, 16, 16, 1],
                    "activations": ["tanh", "tanh", "sigmoid"],
                    "loss": "bce",
                },
                "training": {"learning_rate": 0.1, "batch_size": 1},
                "data": {"dataset": "circles", "n": 200, "noise": 0.1},
            }
        )
    )


def kind_of(step) -> str:
    """forward / backward / update, and for a backward stop whether it is a linear node
    (the card's largest page) or not."""
    if step.phase == "backward" and step.op == "linear":
        return "backward linear"
    return step.phase


class _EventCounter(QtCore.QObject):
    """Counts every event the application delivers."""

    count = 0

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        self.count += 1
        return False


def settle(app: QtWidgets.QApplication, counter: _EventCounter, rounds: int = 20) -> None:
    """Run the event loop until a pass delivers no event: what a step set in motion
    (paints, deferred refreshes, the paints those ask for) is done."""
    for _ in range(rounds):
        before = counter.count
        app.processEvents()
        if counter.count == before:
            return


def time_steps(
    make, steps: int, with_window: bool, whole: bool = False, kinds: dict | None = None
) -> list[float]:
    """Seconds per Step Into; ``kinds`` (if given) gathers them by the stop's kind."""
    session = make()
    app = QtWidgets.QApplication.instance()
    if with_window:
        window = MainWindow(session, remember_layout=False)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        action = window.actions_by_name["step_into"]
        counter = _EventCounter()
        app.installEventFilter(counter)

        def step() -> None:
            action.trigger()
            if whole:
                window.repaint()
            settle(app, counter)  # the views' update() requests paint here
    else:
        step = session.step_into  # type: ignore[assignment]
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
        if kinds is not None:
            kinds.setdefault(kind_of(session.current), []).append(times[-1])
    if with_window:
        app.removeEventFilter(counter)
        window.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=700)
    steps = parser.parse_args().steps
    application()
    print(f"Step Into, {steps} steps each, offscreen 1280x800 (ms: median, p90, max)")
    for label, make, goal in (
        ("default [2, 2, 1]", lambda: Session.from_demo("xor"), 8.0),
        ("[2, 16, 16, 1]", wide_session, 16.0),
    ):
        bare = time_steps(make, steps, with_window=False)
        kinds: dict[str, list[float]] = {}
        click = time_steps(make, steps, with_window=True, kinds=kinds)
        whole = time_steps(make, steps, with_window=True, whole=True)
        med = statistics.median(click)
        print(
            f"  {label:<18} as a click {1e3 * med:5.2f} {1e3 * p90_of(click):6.2f} "
            f"{1e3 * max(click):6.2f}   whole window {1e3 * statistics.median(whole):5.2f}"
            f"   debugger verb alone {1e3 * statistics.median(bare):5.2f}"
            f"   goal ≤ {goal:.0f} ms (median): {'met' if med <= goal / 1e3 else 'NOT met'}"
        )
        # The stops are of two kinds of cost: the median of all of them can sit anywhere
        # in the gap between, so each kind's own median is printed too.
        print(
            "      by kind of stop (median ms): "
            + ", ".join(f"{k} {1e3 * statistics.median(v):.2f}" for k, v in kinds.items())
        )


def p90_of(times: list[float]) -> float:
    return statistics.quantiles(times, n=10)[-1]


if __name__ == "__main__":
    main()

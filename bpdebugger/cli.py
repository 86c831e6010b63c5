"""The command line: trace, train, demos, and (without a command) the window.

Bad input of any kind ends with one line on stderr naming the file, the field
and the problem, and exit status 2; an internal error exits 1 with a short
message, and its traceback only under --debug.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from . import __version__
from .engine.demos import DEFAULT_DEMO, demo_names, demo_title, load_demo
from .engine.errors import InputError
from .engine.report import FORMATS, trace_csv, trace_json, trace_markdown, trace_table
from .engine.session import SessionSpec, load_session, save_session
from .engine.trace import first_nonfinite, iteration_steps

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
COMMANDS = ("trace", "train", "screenshot", "demos")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the command, then exit 2."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message} (see '{self.prog} --help')", source=self.prog)


def _whole_number(minimum: int):  # -> a type for argparse
    """A whole-number option of at least ``minimum``, refused in one line otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _size(text: str) -> tuple[int, int]:
    """WxH, e.g. 1280x800."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT like 1280x800, got {text!r}"
        ) from None
    if not (200 <= w <= 8000 and 200 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"width and height must be 200 to 8000, got {text!r}")
    return w, h


def _add_source(p: argparse.ArgumentParser, default: object = None) -> None:
    # Subcommands take --session/--demo too; their default must not overwrite
    # one given before the command, hence SUPPRESS there.
    group = p.add_mutually_exclusive_group()
    group.add_argument("--session", metavar="FILE", default=default, help="a session file (JSON)")
    group.add_argument(
        "--demo", metavar="NAME", default=default, help=f"a demo by name (default: {DEFAULT_DEMO})"
    )


def build_parser() -> Parser:
    common = Parser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show internal tracebacks"
    )

    parser = Parser(
        prog="bpdebugger",
        description="A step-debugger for backpropagation. Without a command, opens the window.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"bpdebugger {__version__}")
    _add_source(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    trace = commands.add_parser(
        "trace", parents=[common], help="step through iterations headless, print every stop"
    )
    _add_source(trace, argparse.SUPPRESS)
    trace.add_argument("--iterations", type=_whole_number(1), default=1, metavar="N")
    trace.add_argument("--format", choices=FORMATS, default="table")

    train = commands.add_parser(
        "train", parents=[common], help="train headless, print the loss, save the trained session"
    )
    _add_source(train, argparse.SUPPRESS)
    train.add_argument("--epochs", type=_whole_number(1), required=True, metavar="N")
    train.add_argument(
        "--out",
        metavar="FILE",
        help="where to save the trained session (default: NAME-trained.json)",
    )

    shot = commands.add_parser(
        "screenshot",
        parents=[common],
        help="open the window offscreen, take N Step Into actions, save a picture",
    )
    shot.add_argument("out", metavar="OUT.png", help="where to save the picture (PNG)")
    _add_source(shot, argparse.SUPPRESS)
    shot.add_argument("--steps", type=_whole_number(0), default=0, metavar="N")
    shot.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH")

    commands.add_parser("demos", parents=[common], help="list the demos")
    return parser


def load_source(session: str | None, demo: str | None) -> tuple[SessionSpec, str]:
    """The session named on the command line and a short name for it."""
    if session is not None:
        return load_session(session), Path(session).stem
    name = demo or DEFAULT_DEMO
    return load_demo(name), name


# --- commands -----------------------------------------------------------------------------


def cmd_trace(args: argparse.Namespace, out: TextIO) -> int:
    spec, _ = load_source(args.session, args.demo)
    trainer = spec.trainer()
    iterations = [
        list(iteration_steps(trainer.net, trainer.optimizer, trainer.batch(k), k))
        for k in range(1, args.iterations + 1)
    ]
    if args.format == "json":
        out.write(json.dumps(trace_json(trainer.net, iterations), indent=1) + "\n")
        return 0
    steps = [s for it in iterations for s in it]
    render = {"table": trace_table, "markdown": trace_markdown, "csv": trace_csv}[args.format]
    out.write(render(steps))
    return 0


class Progress:
    """A one-line progress bar on a terminal, shown only for runs longer than a second."""

    def __init__(self, total: int, stream: TextIO, delay: float = 1.0) -> None:
        self.total = total
        self.stream = stream
        self.start = time.perf_counter()
        self.delay = delay
        self.last = 0.0
        self.shown = False

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if now - self.start < self.delay or now - self.last < 0.1:
            return
        self.last, self.shown = now, True
        frac = done / self.total
        bar = "#" * int(30 * frac)
        eta = (now - self.start) * (1 - frac) / max(frac, 1e-9)
        self.stream.write(
            f"\r[{bar:<30}] {100 * frac:5.1f}%  {done}/{self.total}  {eta:4.0f}s left"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    spec, name = load_source(args.session, args.demo)
    out_path = Path(args.out) if args.out else Path(f"{name}-trained.json")
    if not out_path.resolve().parent.is_dir():
        raise InputError(
            "the folder to save in does not exist", source=str(out_path), field="--out"
        )
    trainer = spec.trainer()
    total = math.ceil(args.epochs * trainer.n_samples / trainer.batch_size)
    progress = Progress(total, err) if err.isatty() else None
    diverged: list[int] = []

    def on_iteration(k: int, loss: float) -> bool:
        if progress is not None and k % 64 == 0:
            progress.update(k)
        if not math.isfinite(loss):
            diverged.append(k)
            return True
        return False

    trainer.train(1, total, on_iteration)
    if progress is not None:
        progress.close()
    if diverged:
        err.write(f"bpdebugger train: {divergence_report(spec, diverged[0])}\n")
        return EXIT_INTERNAL
    for label, x, y in (
        ("train", spec.dataset.x, spec.dataset.y),
        ("test", spec.dataset.x_test, spec.dataset.y_test),
    ):
        if len(x):
            loss, accuracy = trainer.evaluate(x, y)
            out.write(
                f"{label} loss {loss:.6g}  accuracy {100 * accuracy:.1f}%  ({len(x)} samples)\n"
            )
    out.write(f"{total} iterations, {args.epochs} epochs\n")
    save_session(spec.with_params(trainer.net.params()), out_path)
    out.write(f"saved the trained session to {out_path}\n")
    return 0


def divergence_report(spec: SessionSpec, iteration: int) -> str:
    """Name the node where training first produced NaN or ±inf.

    A blow-up in iteration k's update shows first in the loss of k + 1, so the
    search replays from the iteration before the one whose loss was not finite.
    """
    trainer = spec.trainer()
    first = max(1, iteration - 1)
    trainer.train(1, first - 1)
    step = first_nonfinite(trainer, first, iteration)
    if step is None:
        return f"training diverged at iteration {iteration}: the loss is not finite"
    return (
        f"training diverged: iteration {step.iteration}, {step.phase} {step.node}: "
        f"{step.nonfinite()} is not finite (try a smaller training.learning_rate)"
    )


def cmd_demos(out: TextIO) -> int:
    names = demo_names()
    width = max(map(len, names))
    for name in names:
        out.write(f"{name.ljust(width)}  {demo_title(name)}\n")
    return 0


def load_debug_session(args: argparse.Namespace):  # -> debugger.Session
    from .debugger import Session

    if args.session is not None:
        return Session.load(args.session)
    return Session.from_demo(args.demo or DEFAULT_DEMO)


def open_window(args: argparse.Namespace) -> int:
    """The window on the session or demo named (the notes' network on XOR by default)."""
    from .gui.app import run_window

    return run_window(load_debug_session(args))


def cmd_screenshot(args: argparse.Namespace, out: TextIO) -> int:
    target = Path(args.out)
    if target.suffix.lower() != ".png":
        raise InputError("expected a .png file name", source=args.out)
    if not target.resolve().parent.is_dir():
        raise InputError("the folder to save in does not exist", source=args.out)
    from .gui.app import screenshot

    screenshot(load_debug_session(args), target, args.steps, args.size)
    out.write(f"saved {args.size[0]}x{args.size[1]} picture after {args.steps} steps to {target}\n")
    return 0


def run(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(list(argv))
    if unknown:
        prog = f"bpdebugger {args.command}" if args.command else "bpdebugger"
        raise InputError(f"unknown option {unknown[0]!r} (see '{prog} --help')", source=prog)
    if args.command == "trace":
        return cmd_trace(args, out)
    if args.command == "train":
        return cmd_train(args, out, err)
    if args.command == "screenshot":
        return cmd_screenshot(args, out)
    if args.command == "demos":
        return cmd_demos(out)
    return open_window(args)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return run(argv, sys.stdout, sys.stderr)
    except InputError as e:
        source = "" if e.source else "bpdebugger: "
        sys.stderr.write(f"{source}{e}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("bpdebugger: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:
        if "--debug" in argv:
            traceback.print_exc()
        else:
            sys.stderr.write(f"bpdebugger: internal error: {e!r} (run with --debug for details)\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

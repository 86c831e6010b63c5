"""The demos shipped in resources/demos: session files with a title and narration."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from .errors import InputError
from .session import SessionSpec, load_session

DEFAULT_DEMO = "xor"


def demos_dir() -> Path:
    return Path(str(resources.files("bpdebugger.resources") / "demos"))


def demo_names() -> list[str]:
    """Demo names, the default first, then alphabetical."""
    names = sorted(p.stem for p in demos_dir().glob("*.json"))
    return sorted(names, key=lambda n: n != DEFAULT_DEMO)


def demo_path(name: str) -> Path:
    if name not in demo_names():
        raise InputError(
            f"unknown demo {name!r} (known: {', '.join(demo_names())})", field="--demo"
        )
    return demos_dir() / f"{name}.json"


def load_demo(name: str) -> SessionSpec:
    return load_session(demo_path(name))


def demo_title(name: str) -> str:
    """The demo's one-line description (its "title" field)."""
    with demo_path(name).open(encoding="utf-8") as f:
        return str(json.load(f).get("title", ""))

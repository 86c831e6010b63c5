"""Autosave files: the working session of each window, kept where a crash cannot take it.

Each window writes its own pair of files in the autosave directory, named for the process
and a random token (``<pid>-<token>``), so two windows, or two running copies, never write
the same file:

- ``<pid>-<token>.session.json``: the session, written by Session.save (atomic);
- ``<pid>-<token>.info.json``: where it came from (its file, or the demo it started from).

A clean close removes them. A pair left behind by a process that is no longer running is a
crash leftover, which the next start offers to recover. Files of this very process count as
live even when a new process got the pid of a crashed one (sandboxes reuse small pids).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6 import QtCore

from ..debugger import Session
from ..engine.errors import InputError
from ..engine.files import write_atomic

SESSION_SUFFIX = ".session.json"
INFO_SUFFIX = ".info.json"
_NAME = re.compile(r"^(\d{1,10})-([0-9a-f]+)$")

# The stems this process writes: live whatever other process once had the same pid.
_OURS: set[str] = set()


def default_directory() -> Path:
    """autosave/ in the user's data directory for this application."""
    location = QtCore.QStandardPaths.StandardLocation.AppDataLocation
    return Path(QtCore.QStandardPaths.writableLocation(location)) / "autosave"


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running (on this machine)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, and belongs to another user
    except (OSError, OverflowError):
        return False  # e.g. a pid beyond the system's range
    return True


def _windows_process_alive(pid: int) -> bool:
    # os.kill(pid, 0) on Windows would send Ctrl+C; ask for the process's exit code instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    query_limited_information, still_active, access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return kernel32.GetLastError() == access_denied
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


@dataclass(frozen=True)
class Leftover:
    """An autosave of a process that is gone."""

    session_path: Path
    info_path: Path


class AutosaveStore:
    """One window's autosave files, and the leftovers of crashed ones, in ``directory``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else default_directory()
        self._stem = f"{os.getpid()}-{secrets.token_hex(4)}"
        _OURS.add(self._stem)

    @property
    def session_path(self) -> Path:
        return self.directory / f"{self._stem}{SESSION_SUFFIX}"

    @property
    def info_path(self) -> Path:
        return self.directory / f"{self._stem}{INFO_SUFFIX}"

    def write(self, session: Session, view: dict[str, Any], info: dict[str, Any]) -> None:
        """Save the session with its view and where it came from; InputError if it cannot.
        The info goes first: a session file never exists without its info."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(
                f"cannot create the autosave folder: {e.strerror}", source=str(self.directory)
            ) from None
        write_atomic(self.info_path, json.dumps(info, indent=2) + "\n")
        session.save(self.session_path, view=view)

    def remove(self) -> None:
        """Nothing is unsaved any more: the files go (the session first, see write)."""
        for path in (self.session_path, self.info_path):
            # One that cannot go is offered at the next start: better than a lost close.
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def leftovers(self) -> list[Leftover]:
        """Autosaves of processes that are gone, newest first."""
        found = []
        for path in self._session_files():
            stem = path.name[: -len(SESSION_SUFFIX)]
            pid = int(stem.split("-")[0])
            if stem not in _OURS and (pid == os.getpid() or not process_alive(pid)):
                try:
                    mtime = path.stat().st_mtime
                except OSError:
                    continue  # claimed by another starting window meanwhile
                found.append((mtime, Leftover(path, self.directory / f"{stem}{INFO_SUFFIX}")))
        return [leftover for _, leftover in sorted(found, key=lambda f: f[0], reverse=True)]

    def claim(self, leftover: Leftover) -> bool:
        """Make a leftover this window's own autosave (renames are atomic: when two windows
        start at once, one of them gets it); False if it is gone already."""
        try:
            os.replace(leftover.session_path, self.session_path)
        except OSError:  # gone already, or not ours to move
            return False
        with contextlib.suppress(OSError):  # without its info it is recovered as untitled
            os.replace(leftover.info_path, self.info_path)
        return True

    def saved_at(self) -> datetime:
        """When the claimed autosave was written (a rename keeps the time)."""
        return datetime.fromtimestamp(self.session_path.stat().st_mtime)

    def read_info(self) -> dict[str, Any]:
        """The claimed autosave's info; {} when missing or unreadable (it only names
        where the session came from, the session itself is whole without it)."""
        try:
            info = json.loads(self.info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}

    def _session_files(self) -> list[Path]:
        try:
            paths = list(self.directory.iterdir())
        except OSError:  # no directory yet: nothing was ever autosaved
            return []
        n = len(SESSION_SUFFIX)
        return [p for p in paths if p.name.endswith(SESSION_SUFFIX) and _NAME.match(p.name[:-n])]

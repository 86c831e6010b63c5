"""The recently opened or saved session files, most recent first, kept in QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore

MAX_RECENT = 10
KEY = "documents/recent"


class RecentFiles:
    """Up to MAX_RECENT absolute paths, most recent first."""

    def __init__(self, key: str = KEY) -> None:
        self.key = key

    def paths(self) -> list[Path]:
        # type=list: a QSettings list of one entry would otherwise come back as a str.
        stored = QtCore.QSettings().value(self.key, [], type=list)
        return [Path(p) for p in stored if isinstance(p, str) and p]

    def add(self, path: Path) -> None:
        path = path.resolve()
        self._store([path, *(p for p in self.paths() if p != path)])

    def remove(self, path: Path) -> None:
        self._store([p for p in self.paths() if p != path])

    def clear(self) -> None:
        self._store([])

    def _store(self, paths: list[Path]) -> None:
        QtCore.QSettings().setValue(self.key, [str(p) for p in paths[:MAX_RECENT]])

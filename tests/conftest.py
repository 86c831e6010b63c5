"""Shared test setup: Qt offscreen before any QApplication exists, a scratch home for
settings and autosaves, tests/ importable."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# QSettings, recent files and autosaves go to a scratch home, never the user's own.
_HOME = tempfile.mkdtemp(prefix="bpdebugger-tests-")
for _variable, _folder in (
    ("XDG_CONFIG_HOME", "config"),
    ("XDG_DATA_HOME", "data"),
    ("XDG_CACHE_HOME", "cache"),
    ("XDG_STATE_HOME", "state"),
):
    os.environ[_variable] = os.path.join(_HOME, _folder)

# `from helpers import ...` from any test folder, whatever pytest's import mode.
_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

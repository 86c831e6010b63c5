"""The layer boundary: the engine, the debugger and the command line never import Qt."""

from __future__ import annotations

import json
import subprocess
import sys

# Every module of these packages is imported, so a new module is covered as soon as it exists.
HEADLESS_PACKAGES = ["bpdebugger.engine", "bpdebugger.debugger"]
HEADLESS_MODULES = [
    "bpdebugger",
    "bpdebugger.engine.session",
    "bpdebugger.engine.trace",
    "bpdebugger.engine.report",
    "bpdebugger.cli",
]
GUI_LIBRARIES = ("PySide6", "shiboken6", "pyqtgraph")

PROBE = f"""
import importlib, json, pkgutil, sys
imported = []
for name in {HEADLESS_MODULES!r}:
    importlib.import_module(name)
    imported.append(name)
for package in {HEADLESS_PACKAGES!r}:
    pkg = importlib.import_module(package)
    imported.append(package)
    for info in pkgutil.iter_modules(pkg.__path__, package + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
gui = sorted(m for m in sys.modules if m.split(".")[0] in {GUI_LIBRARIES!r})
print(json.dumps({{"imported": imported, "gui": gui}}))
"""


def test_engine_debugger_and_cli_leave_qt_and_pyqtgraph_unimported():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "bpdebugger.engine.network" in result["imported"]
    assert "bpdebugger.cli" in result["imported"]
    assert result["gui"] == []

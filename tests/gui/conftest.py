"""The window as most GUI tests want it: the default demo, 1280×800, shown."""

from __future__ import annotations

import pytest
from helpers import shown_window


@pytest.fixture
def window(qtbot):
    return shown_window(qtbot)

"""The desktop application: icon, .desktop file, Help menu, About."""

from __future__ import annotations

import configparser
import re
from importlib import metadata
from pathlib import Path

import numpy
import pyqtgraph
import PySide6
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

import bpdebugger
from bpdebugger.gui import app as gui_app
from bpdebugger.gui.help_menu import README_LINKS, anchor

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"


@pytest.fixture
def application():
    """application() on the test's QApplication, its names put back afterwards."""
    qapp = QtWidgets.QApplication.instance()
    names = (qapp.applicationName(), qapp.organizationName(), qapp.applicationDisplayName())
    yield gui_app.application()
    qapp.setApplicationName(names[0])
    qapp.setOrganizationName(names[1])
    qapp.setApplicationDisplayName(names[2])
    qapp.setWindowIcon(QtGui.QIcon())


# --- icon and desktop entry --------------------------------------------------------------------


@pytest.mark.parametrize("size", gui_app.ICON_SIZES)
def test_each_icon_size_is_a_png_of_that_size(size):
    path = gui_app.icon_files()[size]
    assert path.parent == RESOURCES / "icons"
    image = QtGui.QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()  # the rounded tile's corners are see-through


def test_the_svg_icon_renders(qapp):
    from PySide6 import QtSvg

    renderer = QtSvg.QSvgRenderer(str(gui_app.icon_files()[None]))
    assert renderer.isValid()
    assert renderer.defaultSize() == QtCore.QSize(256, 256)


def test_the_application_and_its_windows_get_the_icon(application, window):
    icon = application.windowIcon()
    assert not icon.isNull()
    sizes = {(s.width(), s.height()) for s in icon.availableSizes()}
    assert {(s, s) for s in gui_app.ICON_SIZES} <= sizes
    assert window.windowIcon().cacheKey() == icon.cacheKey()
    assert application.applicationName() == "bpdebugger"
    assert application.applicationVersion() == bpdebugger.__version__
    assert QtGui.QGuiApplication.desktopFileName() == "bpdebugger"


def test_the_desktop_file_launches_the_gui_with_its_icon():
    path = RESOURCES / "bpdebugger.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in desktop files
    parser.read(path, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "bpdebugger"
    assert entry["Comment"]
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Education;Science;Development;"
    # The command is the installed GUI script, the icon the icon files' name, and the
    # window class and desktop file name those Qt gives the windows.
    assert entry["Exec"] == "bpdebugger-gui"
    scripts = metadata.entry_points(group="gui_scripts", name="bpdebugger-gui")
    assert [s.value for s in scripts] == ["bpdebugger.cli:main"]
    assert entry["Icon"] == gui_app.icon_files()[None].stem == path.stem == gui_app.APP_NAME
    assert entry["StartupWMClass"] == gui_app.APP_NAME


# --- Help menu ---------------------------------------------------------------------------------


def readme_anchors() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {anchor(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.MULTILINE)}


def test_anchor_is_githubs_heading_slug():
    assert anchor("Stops, in order") == "stops-in-order"
    assert anchor("Two commands") == "two-commands"
    assert anchor("Python API") == "python-api"


def test_help_links_open_the_readme_at_its_sections(window):
    opened: list[QtCore.QUrl] = []
    window.help.open_url = lambda url: opened.append(url) or True
    menu_actions = window.menus["help"].actions()
    for _text, heading in README_LINKS:
        action = window.help.link_actions[heading]
        assert action in menu_actions
        action.trigger()
    fragments = [url.fragment() for url in opened]
    assert fragments == [
        "two-commands",
        "the-window",
        "lecture-mode",
        "session-files",
        "command-line",
    ]
    assert set(fragments) <= readme_anchors()  # every link lands on a heading
    for url in opened:  # no project web page is named: the README beside the source
        assert url.isLocalFile()
        assert Path(url.toLocalFile()) == ROOT / "README.md"


def test_a_link_that_cannot_open_says_so(window):
    window.help.open_url = lambda url: False
    window.help.link_actions["Session files"].trigger()
    message = window.statusBar().currentMessage()
    assert message.startswith("Cannot open the README (file://")
    assert message.endswith("README.md#session-files)")


def message_of(window, action) -> tuple[str, str]:
    """The title and text of the one message box ``action`` opens (caught, not shown)."""
    shown: list[tuple[str, str]] = []
    window.help.show_message = lambda title, text: shown.append((title, text))
    action.trigger()
    [message] = shown
    return message


def test_about_names_the_version_and_what_it_runs_on(window):
    title, text = message_of(window, window.help.about_action)
    assert title == "About bpdebugger"
    assert f"bpdebugger {bpdebugger.__version__}" in text
    assert "step-debugger for backpropagation" in text
    for part in (
        f"Qt {QtCore.qVersion()}",
        f"PySide6 {PySide6.__version__}",
        f"NumPy {numpy.__version__}",
        f"pyqtgraph {pyqtgraph.__version__}",
        "Licence: MIT",
    ):
        assert part in text


def test_keyboard_shortcuts_lists_every_actions_keys(window):
    title, text = message_of(window, window.help.shortcuts_action)
    assert title == "Keyboard Shortcuts"
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td><b>(.*?)</b></td></tr>", text)
    listed = {name: keys for _menu, name, keys in rows}
    for action in window.actions_by_name.values():
        if action.shortcut().isEmpty():
            continue
        name = action.text().replace("&", "")
        native = QtGui.QKeySequence.SequenceFormat.NativeText
        assert action.shortcut().toString(native) in listed[name].split(" or ")
    assert listed["Step Into"] == "F11"
    assert listed["Lecture Mode"] == "Ctrl+L"
    assert listed["Zoom In"] == "Ctrl+= or Ctrl++"
    assert listed["Leave Lecture Mode"] == "Esc"

"""Lecture mode and the themes, driven through the window's actions."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from helpers import contrast, shown_window
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.gui import theme
from bpdebugger.gui.appearance import THEME_KEY
from bpdebugger.gui.lecture import DEFAULT_ZOOM, LECTURE_DOCKS, ZOOM_KEY
from bpdebugger.gui.main_window import MainWindow

Role = QtGui.QPalette.ColorRole


def _forget_settings() -> None:
    settings = QtCore.QSettings()
    settings.remove(ZOOM_KEY)
    settings.remove(THEME_KEY)


@pytest.fixture
def make_window(qtbot):
    """Windows as the user gets them; afterwards the application's palette, the theme and
    the remembered choices are put back, so no other test inherits them."""
    _forget_settings()
    made = []

    def make() -> MainWindow:
        w = shown_window(qtbot)
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        if w.lecture.active():
            w.lecture.set_active(False)
        w.lecture.appearance.set_theme("system")
        w.deleteLater()  # with it its Appearance, which would follow the next test's palette
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    theme.set_high_contrast(False)
    QtWidgets.QApplication.setPalette(QtGui.QPalette())
    _forget_settings()


@pytest.fixture
def window(make_window):
    w = make_window()
    for _ in range(7):  # the output's backward stop: the card shows three matrices
        w.actions_by_name["step_into"].trigger()
    return w


def text_sizes(view) -> list[int]:
    """The pixel sizes of every text in the network view's scene, largest first."""
    items = view.scene().items()
    sizes = [
        i.font().pixelSize() for i in items if isinstance(i, QtWidgets.QGraphicsSimpleTextItem)
    ]
    return sorted(sizes, reverse=True)


def boundary_axis(window: MainWindow) -> pg.AxisItem:
    widget = window.plots["boundary"].findChildren(pg.PlotWidget)[0]
    return widget.getPlotItem().getAxis("bottom")


def tick_points(axis: pg.AxisItem) -> float:
    return axis.style["tickFont"].pointSizeF()


def shown_docks(window: MainWindow) -> set[str]:
    return {name for name, dock in window.docks().items() if not dock.isHidden()}


def scene_background(window: MainWindow) -> QtGui.QColor:
    return window.network_view.scene().backgroundBrush().color()


def plot_background(window: MainWindow, name: str) -> QtGui.QColor:
    return window.plots[name].findChildren(pg.GraphicsView)[0].backgroundBrush().color()


# --- lecture mode ------------------------------------------------------------------------------


def test_the_toggle_is_in_the_view_menu_and_the_toolbar_with_a_free_shortcut(window):
    action = window.actions_by_name["lecture_mode"]
    assert action in window.menus["view"].actions()
    toolbar = window.findChild(QtWidgets.QToolBar, "debug_toolbar")
    assert action in toolbar.actions()
    assert action.isCheckable()
    assert action.shortcut().toString() == "Ctrl+L"
    # No two actions of the window answer the same key.
    owners: dict[str, str] = {}
    for a in window.findChildren(QtGui.QAction):
        for key in a.shortcuts():
            text = key.toString()
            assert text not in owners, f"{text} is both {owners[text]!r} and {a.text()!r}"
            owners[text] = a.text()


def test_lecture_mode_enlarges_every_text_by_the_lecture_zoom(window):
    card_before = window.card.matrix("upstream").font().pointSizeF()
    network_before = text_sizes(window.network_view)
    axis_before = tick_points(boundary_axis(window))

    window.actions_by_name["lecture_mode"].trigger()

    assert window.view_state()["zoom"] == DEFAULT_ZOOM
    card_after = window.card.matrix("upstream").font().pointSizeF()
    assert card_after == pytest.approx(DEFAULT_ZOOM * card_before)
    network_after = text_sizes(window.network_view)
    assert len(network_after) == len(network_before)
    for before, after in zip(network_before, network_after, strict=True):
        assert after == pytest.approx(DEFAULT_ZOOM * before, abs=1)  # whole pixels
    assert tick_points(boundary_axis(window)) == pytest.approx(DEFAULT_ZOOM * axis_before)


def test_the_docks_titles_grow_with_the_zoom_and_their_contents_do_not_twice(window):
    def title_height(dock: QtWidgets.QDockWidget) -> int:
        return dock.widget().geometry().top()  # the title bar is above the contents

    card = window.docks()["gradients"]
    before = {
        "title": card.font().pointSizeF(),
        "height": title_height(card),
        "card_text": window.card.matrix("upstream").font().pointSizeF(),
    }

    window.actions_by_name["lecture_mode"].trigger()
    QtWidgets.QApplication.processEvents()

    for name in LECTURE_DOCKS:
        title = window.docks()[name].font().pointSizeF()
        assert title == pytest.approx(DEFAULT_ZOOM * before["title"])
    assert title_height(card) >= 1.3 * before["height"]
    # The card scales its own text, once: the dock's larger font does not reach it.
    assert card.widget().font().pointSizeF() == pytest.approx(before["title"])
    card_text = window.card.matrix("upstream").font().pointSizeF()
    assert card_text == pytest.approx(DEFAULT_ZOOM * before["card_text"])

    window.actions_by_name["lecture_mode"].trigger()
    assert card.font().pointSizeF() == pytest.approx(before["title"])


def test_lecture_mode_shows_the_lecture_panels_full_screen_in_high_contrast(window):
    window.actions_by_name["lecture_mode"].trigger()

    assert window.lecture.active()
    assert shown_docks(window) == set(LECTURE_DOCKS)
    assert window.isFullScreen()
    palette = QtWidgets.QApplication.palette()
    assert palette.color(Role.Window) == QtGui.QColor("#FFFFFF")
    assert palette.color(Role.WindowText) == QtGui.QColor("#000000")
    assert scene_background(window) == QtGui.QColor("#FFFFFF")
    assert plot_background(window, "boundary") == QtGui.QColor("#FFFFFF")
    axis = boundary_axis(window)
    assert axis.pen().color() == QtGui.QColor("#000000")
    assert axis.pen().widthF() == pytest.approx(theme.HIGH_CONTRAST.line_width)
    # The network's names are black, its strokes thicker than in the light scheme.
    texts = [
        i
        for i in window.network_view.scene().items()
        if isinstance(i, QtWidgets.QGraphicsSimpleTextItem) and i.text() == "input"
    ]
    assert texts and texts[0].brush().color() == QtGui.QColor("#4D4D4D")  # the quiet grey


def test_leaving_lecture_mode_puts_back_exactly_what_was_there(window, qtbot):
    window.set_zoom(1.15)
    window.docks()["settings"].raise_()  # a tab other than the card in front
    window.docks()["plot_norms"].hide()
    qtbot.wait(10)
    state, geometry = window.saveState(), window.geometry()
    docks, palette = shown_docks(window), QtWidgets.QApplication.palette()
    background = scene_background(window)

    window.actions_by_name["lecture_mode"].trigger()
    window.docks()["plot_loss"].show()  # each panel is still one click away…
    assert "plot_loss" in shown_docks(window)
    window.actions_by_name["lecture_mode"].trigger()  # …and leaving forgets such changes

    assert not window.lecture.active()
    assert not window.isFullScreen()
    assert window.geometry() == geometry
    assert shown_docks(window) == docks
    assert window.view_state()["zoom"] == 1.15
    qtbot.waitUntil(lambda: window.saveState() == state, timeout=1000)  # every dock's size
    assert QtWidgets.QApplication.palette() == palette
    assert scene_background(window) == background
    assert theme.scheme() is theme.LIGHT


def lecturing_in_front(window, qtbot, *docks: str) -> None:
    """Lecture mode on, the named docks shown and raised, the window active (keys go to it)."""
    window.actions_by_name["lecture_mode"].trigger()
    for name in docks:
        window.docks()[name].show()
        window.docks()[name].raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def test_escape_leaves_lecture_mode_and_only_then_is_it_taken(window, qtbot):
    lecturing_in_front(window, qtbot)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Escape)
    assert not window.lecture.active()
    assert not window.actions_by_name["lecture_mode"].isChecked()


def test_in_lecture_mode_escape_cancels_an_open_weight_edit_and_only_then_leaves(window, qtbot):
    lecturing_in_front(window, qtbot)
    view = window.network_view
    view.open_editor("W[2]", (0, 1))
    editor = view.value_editor()
    qtbot.waitUntil(editor.line_edit.hasFocus)
    editor.line_edit.setText("0.75")
    with qtbot.assertNotEmitted(view.edit_requested):
        qtbot.keyClick(editor.line_edit, QtCore.Qt.Key.Key_Escape)
    assert not editor.isVisible()  # the edit is cancelled…
    assert window.lecture.active()  # …and the lecture goes on
    assert window.isFullScreen()

    qtbot.keyClick(window.focusWidget() or window, QtCore.Qt.Key.Key_Escape)
    assert not window.lecture.active()


def test_in_lecture_mode_escape_in_the_breakpoint_condition_leaves_keeping_the_text(window, qtbot):
    lecturing_in_front(window, qtbot, "breakpoints")
    field = window.breakpoints_panel.condition_field
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClicks(field, "norm(dW[2]) < 1e-4")
    qtbot.keyClick(field, QtCore.Qt.Key.Key_Escape)  # the field has no use for Esc
    assert not window.lecture.active()
    assert field.text() == "norm(dW[2]) < 1e-4"


def test_in_lecture_mode_escape_first_drops_pending_settings(window, qtbot):
    lecturing_in_front(window, qtbot, "settings")
    panel = window.settings_panel
    panel.sizes_field.setFocus()
    qtbot.waitUntil(panel.sizes_field.hasFocus)
    panel.sizes_field.setText("2, 7, 1")
    assert panel.is_modified()
    qtbot.keyClick(panel.sizes_field, QtCore.Qt.Key.Key_Escape)
    assert panel.sizes_field.text() == "2, 2, 1"  # reverted…
    assert window.lecture.active()  # …still lecturing
    qtbot.keyClick(panel.sizes_field, QtCore.Qt.Key.Key_Escape)  # nothing left to drop
    assert not window.lecture.active()


def test_in_lecture_mode_escape_first_takes_a_unit_map_back_to_all_units(window, qtbot):
    lecturing_in_front(window, qtbot, "plot_units")
    units = window.plots["units"]
    units.show_unit(2, 0)
    units.setFocus()
    qtbot.waitUntil(units.hasFocus)
    qtbot.keyClick(units, QtCore.Qt.Key.Key_Escape)
    assert units.shown is None  # back to every unit…
    assert window.lecture.active()  # …still lecturing
    qtbot.keyClick(units, QtCore.Qt.Key.Key_Escape)
    assert not window.lecture.active()


def test_in_lecture_mode_escape_leaves_from_any_widget_that_has_no_use_for_it(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.actions_by_name["lecture_mode"].trigger()
    for dock in window.docks().values():
        dock.show()  # every panel's widgets, one of each kind
    qtbot.wait(10)
    kinds: dict[type, QtWidgets.QWidget] = {}
    for widget in window.findChildren(QtWidgets.QWidget):
        if (
            widget.isVisible()
            and widget.window() is window
            and widget.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus
        ):
            kinds.setdefault(type(widget), widget)
    assert len(kinds) >= 8  # line edits, spin boxes, combos, lists, views, plots…
    for widget in kinds.values():
        if not window.lecture.active():
            window.actions_by_name["lecture_mode"].trigger()
        widget.setFocus()
        qtbot.keyClick(widget, QtCore.Qt.Key.Key_Escape)
        assert not window.lecture.active(), type(widget).__name__


def test_the_lecture_zoom_is_remembered_for_the_next_window(make_window):
    first = make_window()
    first.actions_by_name["lecture_mode"].trigger()
    first.actions_by_name["zoom_in"].trigger()  # 1.5 → 1.75
    assert first.view_state()["zoom"] == 1.75
    first.actions_by_name["lecture_mode"].trigger()
    first.actions_by_name["zoom_in"].trigger()  # outside lecture mode: not the lecture zoom
    assert float(QtCore.QSettings().value(ZOOM_KEY)) == 1.75

    second = make_window()
    second.actions_by_name["lecture_mode"].trigger()
    assert second.view_state()["zoom"] == 1.75


def test_closing_in_lecture_mode_leaves_it_first(window):
    window.actions_by_name["lecture_mode"].trigger()
    window.close()
    assert not window.lecture.active()
    assert theme.scheme() is theme.LIGHT


# --- themes ------------------------------------------------------------------------------------


def test_the_theme_menu_switches_the_views_between_light_and_dark(window):
    actions = window.lecture.appearance.theme_actions
    assert scene_background(window) == theme.LIGHT.paper

    actions["dark"].trigger()
    assert QtCore.QSettings().value(THEME_KEY) == "dark"
    assert theme.palette_is_dark(QtWidgets.QApplication.palette())
    assert scene_background(window) == theme.DARK.paper
    for name in ("boundary", "loss"):
        assert plot_background(window, name) == theme.DARK.paper
    assert boundary_axis(window).textPen().color() == theme.DARK.ink
    # The data colours keep their meaning: the current stop is still ringed in orange.
    assert window.network_view.highlight_colour() == theme.BACKWARD

    actions["light"].trigger()
    assert scene_background(window) == theme.LIGHT.paper
    assert plot_background(window, "loss") == theme.LIGHT.paper
    assert window.network_view.highlight_colour() == theme.BACKWARD


def test_the_chosen_theme_is_remembered(make_window):
    make_window().lecture.appearance.set_theme("dark")
    second = make_window()
    assert second.lecture.appearance.theme() == "dark"
    assert second.lecture.appearance.theme_actions["dark"].isChecked()
    assert scene_background(second) == theme.DARK.paper


def test_the_system_theme_follows_the_systems_scheme(window):
    hints = QtGui.QGuiApplication.styleHints()
    hints.colorSchemeChanged.emit(QtCore.Qt.ColorScheme.Dark)
    assert scene_background(window) == theme.DARK.paper
    assert plot_background(window, "boundary") == theme.DARK.paper
    hints.colorSchemeChanged.emit(QtCore.Qt.ColorScheme.Light)
    assert scene_background(window) == theme.LIGHT.paper
    assert plot_background(window, "boundary") == theme.LIGHT.paper


def test_a_dark_palette_from_the_system_turns_the_views_dark(window):
    QtWidgets.QApplication.setPalette(theme.DARK.palette())  # as a desktop's settings would
    QtWidgets.QApplication.processEvents()  # Qt posts the change to each widget
    assert scene_background(window) == theme.DARK.paper
    assert plot_background(window, "loss") == theme.DARK.paper
    QtWidgets.QApplication.setPalette(QtGui.QPalette())
    QtWidgets.QApplication.processEvents()
    assert scene_background(window) == theme.LIGHT.paper


@pytest.mark.parametrize("scheme", [theme.LIGHT, theme.DARK, theme.HIGH_CONTRAST])
def test_each_scheme_reads_well(scheme):
    assert contrast(scheme.ink, scheme.paper) >= 12
    assert contrast(scheme.outline, scheme.paper) >= 4.5  # muted text still reads
    assert theme.text_colour_on(scheme.paper) == (
        QtGui.QColor("#FFFFFF") if scheme.dark else QtGui.QColor("#000000")
    )
    # Numbers on the value and gradient tints, and gradient text on the paper.
    for fill in (scheme.value_fill, scheme.gradient_fill):
        assert contrast(scheme.ink, fill) >= 7
    assert contrast(scheme.gradient_ink, scheme.paper) >= 4.5


def test_after_a_lecture_the_loss_plots_accuracy_axis_is_back_in_view(window, qtbot):
    plot = window.plots["loss"]
    assert plot.isVisible()  # hidden during the lecture, its fonts grown meanwhile
    window.actions_by_name["lecture_mode"].trigger()
    window.actions_by_name["lecture_mode"].trigger()
    qtbot.wait(50)  # the posted re-layouts

    item = plot.plot_item
    view = QtCore.QRectF(plot.view.viewport().rect())
    axis = item.getAxis("right")
    assert axis.isVisible()
    on_screen = item.mapRectToScene(axis.geometry())
    assert on_screen.width() > 0
    assert view.contains(on_screen), (on_screen, view)
    assert view.contains(item.sceneBoundingRect())
    assert plot.accuracy_box.sceneBoundingRect() == item.vb.sceneBoundingRect()

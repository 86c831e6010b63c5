"""The breakpoints and watches panel over a real session: what the user types, sees and gets.

Every test drives the panel the way a user would (keys into the fields, Enter, Delete, the
check boxes) and checks both what the panel shows and what the session now has, so a panel
that looked right but never told the session (or the reverse) would fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from bpdebugger.debugger import Session
from bpdebugger.debugger.conditions import HELP_TEXT, ConditionError, parse
from bpdebugger.engine.session import parse_session
from bpdebugger.gui.qt_session import QtSession
from bpdebugger.gui.views.breakpoints_panel import BreakpointsPanel, compact
from bpdebugger.gui.views.card_matrix import fmt

Key = QtCore.Qt.Key
Checked, Unchecked = QtCore.Qt.CheckState.Checked, QtCore.Qt.CheckState.Unchecked
SIZES = (2, 2, 1)  # the xor demo's network


@pytest.fixture
def qt() -> QtSession:
    return QtSession(Session.from_demo("xor"))


@pytest.fixture
def panel(qtbot, qt: QtSession) -> BreakpointsPanel:
    widget = BreakpointsPanel(qt)
    qtbot.addWidget(widget)
    widget.resize(420, 640)
    widget.show()
    return widget


def parser_message(text: str, *, condition: bool) -> str:
    with pytest.raises(ConditionError) as caught:
        parse(text, SIZES, condition=condition)
    return caught.value.message


def ids(qt: QtSession) -> list[int]:
    return [bp.id for bp in qt.session.breakpoints]


def type_into(qtbot, field: QtWidgets.QLineEdit, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)


def choose(box: QtWidgets.QComboBox, text: str) -> None:
    index = box.findText(text)
    assert index >= 0, f"{text!r} is not a choice of {box.objectName() or box}"
    box.setCurrentIndex(index)


def row_of(panel: BreakpointsPanel, description: str) -> QtWidgets.QTreeWidgetItem:
    view = panel.breakpoint_list
    for j in range(view.topLevelItemCount()):
        if view.topLevelItem(j).text(0) == description:
            return view.topLevelItem(j)
    raise AssertionError(f"no row {description!r} in {panel.breakpoint_rows()}")


def run_to_stop(qtbot, qt: QtSession) -> None:
    """Continue through the adapter (in slices on the event loop) and wait for the stop."""
    qt.continue_()
    qtbot.waitUntil(lambda: not qt.running, timeout=10_000)


# --- the list --------------------------------------------------------------------------------


def test_the_default_non_finite_breakpoint_is_a_row_like_the_others(panel, qt):
    assert panel.breakpoint_rows() == [(True, "any NaN or ±inf", "0")]
    assert qt.session.breakpoints[0].kind == "nonfinite"


def test_node_choices_are_every_stop_of_the_network_and_the_parameters(panel):
    nodes = [panel.node_box.itemText(j) for j in range(panel.node_box.count())]
    nodes = [n for n in nodes if n]  # the separator before the parameters has no text
    assert nodes == ["any", "z[2]", "a[2]", "z[3]", "a[3]", "l", "W[3]", "b[3]", "W[2]", "b[2]"]
    phases = [panel.phase_box.itemText(j) for j in range(panel.phase_box.count())]
    assert phases == ["any", "forward", "backward", "update"]


def test_a_breakpoint_added_elsewhere_appears(panel, qt):
    qt.toggle_breakpoint("a[2]")  # a click on the node in the network view
    assert panel.breakpoint_rows()[-1] == (True, "a[2]", "0")
    qt.toggle_breakpoint("a[2]")
    assert len(panel.breakpoint_rows()) == 1


# --- conditions validated as you type --------------------------------------------------------


def test_an_invalid_condition_is_marked_with_the_parsers_message_and_cannot_be_added(
    qtbot, panel, qt
):
    before = ids(qt)
    text = "norm(dW[2) < 1e-4"
    type_into(qtbot, panel.condition_field, text)

    message = parser_message(text, condition=True)
    assert panel.condition_error() == message
    assert panel.condition_field.property("invalid") is True
    assert "border" in panel.condition_field.styleSheet()
    assert panel.condition_message.isVisibleTo(panel)
    assert panel.condition_message.text() == message
    assert message in panel.condition_field.toolTip()
    assert not panel.add_button.isEnabled()

    qtbot.keyClick(panel.condition_field, Key.Key_Return)
    panel.add_button.click()  # disabled: nothing either
    assert ids(qt) == before
    assert len(panel.breakpoint_rows()) == 1


def test_a_condition_becomes_valid_as_typing_completes_and_enter_adds_it(qtbot, panel, qt):
    type_into(qtbot, panel.condition_field, "loss >")
    assert panel.condition_error() == parser_message("loss >", condition=True)
    assert not panel.add_button.isEnabled()

    qtbot.keyClicks(panel.condition_field, " 0.5")
    assert panel.condition_error() == ""
    assert not panel.condition_field.property("invalid")
    assert panel.condition_field.styleSheet() == ""
    assert not panel.condition_message.isVisibleTo(panel)
    assert panel.add_button.isEnabled()

    qtbot.keyClick(panel.condition_field, Key.Key_Return)
    added = qt.session.breakpoints[-1]
    assert (added.node, added.phase, added.condition) == (None, None, "loss > 0.5")
    assert panel.breakpoint_rows()[-1] == (True, "if loss > 0.5", "0")
    assert panel.condition_field.text() == ""  # ready for the next one


def test_a_plain_value_is_no_condition(qtbot, panel):
    type_into(qtbot, panel.condition_field, "loss")
    assert panel.condition_error() == parser_message("loss", condition=True)
    assert "compare" in panel.condition_error()


def test_an_empty_condition_needs_a_node_or_a_phase(qtbot, panel, qt):
    assert not panel.add_button.isEnabled()
    choose(panel.node_box, "z[3]")
    assert panel.add_button.isEnabled()

    choose(panel.phase_box, "update")  # z[3] is no update stop: said before Add
    assert "z[3] is not a update stop" in panel.condition_error()
    assert not panel.condition_field.property("invalid")  # the field itself is fine
    assert not panel.add_button.isEnabled()

    choose(panel.phase_box, "backward")
    qtbot.mouseClick(panel.add_button, QtCore.Qt.MouseButton.LeftButton)
    added = qt.session.breakpoints[-1]
    assert (added.node, added.phase, added.condition) == ("z[3]", "backward", None)
    assert panel.breakpoint_rows()[-1] == (True, "backward z[3]", "0")
    assert panel.node_box.currentText() == "any"


def test_an_update_breakpoint_on_a_parameter_with_a_hit_count_and_iteration(qtbot, panel, qt):
    choose(panel.node_box, "W[2]")
    choose(panel.phase_box, "update")
    panel.iteration_box.setValue(3)
    panel.hit_box.setFocus()
    panel.hit_box.selectAll()  # as Tab into the box does
    qtbot.keyClicks(panel.hit_box, "2")  # typed over "every"
    qtbot.keyClick(panel.hit_box, Key.Key_Return)  # Enter in any field of the row adds
    added = qt.session.breakpoints[-1]
    assert (added.node, added.phase, added.hit_count, added.iteration) == ("W[2]", "update", 2, 3)
    assert added.kind == "update"
    assert panel.breakpoint_rows()[-1] == (True, "update W[2], iteration 3", "0 · stop on hit 2")


def test_enter_on_the_phase_box_adds(qtbot, panel, qt):
    choose(panel.phase_box, "backward")
    qtbot.keyClick(panel.phase_box, Key.Key_Return)
    assert qt.session.breakpoints[-1].phase == "backward"


def test_a_refusal_from_the_session_shows_next_to_the_field(qtbot, panel, qt, monkeypatch):
    def refuse(**_options: object) -> None:
        raise ValueError("the session says no")

    monkeypatch.setattr(qt.session, "add_breakpoint", refuse)
    type_into(qtbot, panel.condition_field, "loss > 1")
    qtbot.keyClick(panel.condition_field, Key.Key_Return)
    assert panel.condition_error() == "the session says no"
    assert panel.condition_message.isVisibleTo(panel)
    assert panel.condition_field.text() == "loss > 1"  # kept, to be fixed
    qtbot.keyClicks(panel.condition_field, "0")  # typing again checks again
    assert panel.condition_error() == ""


def test_refusals_of_other_verbs_stay_out_of_the_panel(panel, qt):
    assert not qt.edit("W[9]", (0, 0), 1.0)  # the window's status bar shows this one
    assert panel.condition_error() == ""
    assert panel.watch_error() == ""


# --- enabling, hits, removing ------------------------------------------------------------------


def test_unchecking_disables_the_breakpoint_in_the_session_and_checking_enables_it(
    qtbot, panel, qt
):
    qt.add_breakpoint(node="z[3]", phase="forward")
    bp = qt.session.breakpoints[-1]
    item = row_of(panel, "forward z[3]")

    item.setCheckState(0, Unchecked)
    assert bp.enabled is False
    assert panel.breakpoint_rows()[-1][0] is False
    item.setCheckState(0, Checked)
    assert bp.enabled is True

    # From the keyboard: Space on the current row.
    view = panel.breakpoint_list
    view.setFocus()
    view.setCurrentItem(item)
    qtbot.keyClick(view, Key.Key_Space)
    assert bp.enabled is False
    qt.enable_breakpoint(bp, True)  # and from elsewhere, the box follows
    assert item.checkState(0) == Checked


def test_hit_counts_follow_continue(qtbot, panel, qt):
    qt.add_breakpoint(node="z[3]", phase="backward")
    bp = qt.session.breakpoints[-1]
    run_to_stop(qtbot, qt)
    assert qt.session.stop_reason.breakpoint is bp
    assert row_of(panel, "backward z[3]").text(1) == "1"
    assert panel.fired_breakpoint() == bp.id
    assert row_of(panel, "backward z[3]").font(0).bold()

    run_to_stop(qtbot, qt)
    assert (qt.session.position[0], bp.hits) == (2, 2)
    assert row_of(panel, "backward z[3]").text(1) == "2"

    qt.step_into()  # a plain step: no breakpoint stopped it
    assert panel.fired_breakpoint() is None
    assert not row_of(panel, "backward z[3]").font(0).bold()
    qt.reverse_continue()  # back to the hit: its row is bold again, the count unchanged
    assert panel.fired_breakpoint() == bp.id
    assert row_of(panel, "backward z[3]").font(0).bold()
    assert row_of(panel, "backward z[3]").text(1) == "2"


def test_the_hit_count_shows_the_hit_it_stops_on(qtbot, panel, qt):
    qt.add_breakpoint(node="l", phase="forward", hit_count=3)
    bp = qt.session.breakpoints[-1]
    run_to_stop(qtbot, qt)
    assert bp.hits == 3 and qt.session.stop_reason.breakpoint is bp
    assert row_of(panel, "forward l").text(1) == "3 · stop on hit 3"


def test_delete_removes_the_selected_breakpoint(qtbot, panel, qt):
    qt.add_breakpoint(node="z[2]")
    qt.add_breakpoint(node="a[2]")
    view = panel.breakpoint_list
    view.setFocus()
    view.setCurrentItem(row_of(panel, "z[2]"))
    qtbot.keyClick(view, Key.Key_Delete)
    assert [bp.node for bp in qt.session.breakpoints] == [None, "a[2]"]
    assert [row[1] for row in panel.breakpoint_rows()] == ["any NaN or ±inf", "a[2]"]
    assert view.currentItem().text(0) == "a[2]"  # Delete again removes the next one

    qtbot.mouseClick(panel.remove_button, QtCore.Qt.MouseButton.LeftButton)
    assert [bp.node for bp in qt.session.breakpoints] == [None]


# --- watches -------------------------------------------------------------------------------------


def test_a_watch_shows_its_value_as_execution_moves(qtbot, panel, qt):
    type_into(qtbot, panel.watch_field, "W[2][0, 1]")
    qtbot.keyClick(panel.watch_field, Key.Key_Return)
    type_into(qtbot, panel.watch_field, "dW[2]")
    qtbot.keyClick(panel.watch_field, Key.Key_Return)
    assert [w.name for w in qt.session.watches] == ["W[2][0, 1]", "dW[2]"]
    assert panel.watch_field.text() == ""

    def shown() -> dict[str, str]:
        return dict(panel.watch_rows())

    assert shown()["W[2][0, 1]"] == fmt(qt.session.params()["W[2]"][0, 1])
    assert shown()["dW[2]"] == "—"  # no gradient before the backward pass

    for _ in range(3):
        qt.step_into()
    assert shown()["dW[2]"] == "—"
    stops = qt.session.stops
    while qt.session.current is None or stops[qt.session.position[1] - 1] != ("update", "W[2]"):
        qt.step_into()
    # Past its update W[2] has its new value, and the watch shows it.
    w = qt.session.params()["W[2]"]
    assert shown()["W[2][0, 1]"] == fmt(w[0, 1])
    assert shown()["W[2][0, 1]"] == compact(qt.session.watch_values()["W[2][0, 1]"])
    dw = qt.session.watch_values()["dW[2]"]
    assert isinstance(dw, np.ndarray) and dw.shape == (2, 2)
    assert shown()["dW[2]"] == compact(dw)
    assert shown()["dW[2]"].count("[") == 3  # [[a, b], [c, d]] on one line


def test_an_invalid_watch_is_marked_and_refused_with_the_message(qtbot, panel, qt):
    type_into(qtbot, panel.watch_field, "W[4]")
    message = parser_message("W[4]", condition=False)
    assert panel.watch_error() == message
    assert panel.watch_message.text() == message
    assert panel.watch_field.property("invalid") is True
    assert not panel.watch_add_button.isEnabled()
    qtbot.keyClick(panel.watch_field, Key.Key_Return)
    assert qt.session.watches == []
    assert panel.watch_rows() == []

    type_into(qtbot, panel.watch_field, "loss")  # a value is a fine watch
    assert panel.watch_error() == ""
    assert panel.watch_add_button.isEnabled()


def test_a_watch_already_there_is_refused_before_add(qtbot, panel, qt):
    qt.add_watch("loss")
    type_into(qtbot, panel.watch_field, "loss")
    assert "already" in panel.watch_error()
    assert not panel.watch_add_button.isEnabled()
    qt.remove_watch("loss")
    assert panel.watch_error() == ""  # free again


def test_delete_removes_a_watch(qtbot, panel, qt):
    qt.add_watch("loss")
    qt.add_watch("a[2]")
    view = panel.watch_list
    view.setFocus()
    view.setCurrentItem(view.topLevelItem(0))
    qtbot.keyClick(view, Key.Key_Delete)
    assert [w.name for w in qt.session.watches] == ["a[2]"]
    assert [name for name, _ in panel.watch_rows()] == ["a[2]"]
    qtbot.mouseClick(panel.watch_remove_button, QtCore.Qt.MouseButton.LeftButton)
    assert qt.session.watches == []


def test_compact_values():
    assert compact(None) == "—"
    assert compact(np.float64(-0.000123456)) == "−0.0001235"
    assert compact(True) == "true"
    assert compact(np.array([[1.0, -2.5]])) == "[[1, −2.5]]"
    assert compact(np.arange(10.0)) == "[0, 1, 2, …, 8, 9]"
    assert compact(np.array([np.nan, np.inf])) == "[NaN, inf]"


# --- keyboard, tooltips, zoom, another session -------------------------------------------------


def test_tab_goes_through_the_panel_in_reading_order(panel):
    expected = [
        panel.breakpoint_list,
        panel.remove_button,
        panel.node_box,
        panel.phase_box,
        panel.hit_box,
        panel.iteration_box,
        panel.condition_field,
        panel.add_button,
        panel.watch_list,
        panel.watch_remove_button,
        panel.watch_field,
        panel.watch_add_button,
    ]
    order = []
    widget = panel.breakpoint_list
    for _ in range(200):
        if widget in expected and widget not in order:
            order.append(widget)
        widget = widget.nextInFocusChain()
    assert order == expected
    for widget in expected:
        assert widget.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus


def test_both_inputs_explain_the_language(panel):
    first_line = HELP_TEXT.splitlines()[0]
    assert first_line in panel.condition_field.toolTip()
    assert first_line in panel.watch_field.toolTip()
    assert "Enter" in panel.add_button.toolTip()
    assert "Delete" in panel.remove_button.toolTip()


def test_zoom_scales_every_text_even_a_field_marked_invalid(qtbot, panel):
    base = panel.font().pointSizeF()
    type_into(qtbot, panel.condition_field, "1 +")  # marked before the zoom
    panel.set_zoom(2.0)
    for widget in (
        panel.condition_field,
        panel.watch_field,
        panel.breakpoint_list,
        panel.watch_list,
        panel.node_box,
        panel.condition_message,
    ):
        assert widget.font().pointSizeF() == pytest.approx(2 * base), widget
    type_into(qtbot, panel.condition_field, "loss > 1")  # unmarked at 200 %
    assert panel.condition_field.font().pointSizeF() == pytest.approx(2 * base)
    panel.set_zoom(1.0)
    assert panel.condition_field.font().pointSizeF() == pytest.approx(base)
    assert panel.zoom() == 1.0


def test_a_new_session_brings_its_nodes_and_sizes(qtbot, panel, qt):
    spec = parse_session(
        {
            "format": "bpdebugger-session/1",
            "network": {
                "sizes": [2, 3, 3, 1],
                "activations": ["tanh", "tanh", "sigmoid"],
                "loss": "bce",
            },
            "training": {"learning_rate": 0.5, "batch_size": 1},
            "data": {"x": [[0, 1], [1, 0], [0, 0], [1, 1]], "y": [1, 1, 0, 0]},
        }
    )
    type_into(qtbot, panel.condition_field, "norm(W[4]) > 1")
    assert "out of range" in panel.condition_error()  # the xor network has 3 layers
    qt.replace(Session(spec))
    assert panel.node_box.findText("z[4]") >= 0
    assert panel.condition_error() == ""  # 4 layers now
    assert panel.breakpoint_rows() == [(True, "any NaN or ±inf", "0")]

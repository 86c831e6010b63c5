"""The settings panel: what it shows, what applies at once, what rebuilds, what it refuses.

Every change goes through the fields as a user would make it (text typed, combos picked,
Apply clicked or Enter pressed); the outcome is read from the debugger's session, never
from the panel's own idea of it. Expected error messages come from parse_session on the
same session JSON, so the panel must show the validator's words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import notes_session
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.debugger import Session
from bpdebugger.engine.errors import InputError
from bpdebugger.engine.session import parse_session
from bpdebugger.gui.qt_session import QtSession
from bpdebugger.gui.views.settings_panel import (
    LR_LADDER,
    SettingsPanel,
    combo_names,
    parse_sizes,
)

Qt = QtCore.Qt


class Asker:
    """The injected confirmation: records each question, answers with ``answer``."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, question: str) -> bool:
        self.questions.append(question)
        return self.answer


def make_panel(qtbot, session: Session | None = None, answer: bool = True):
    qt = QtSession(session or Session.from_demo("xor"))
    asker = Asker(answer)
    panel = SettingsPanel(qt, ask=asker)
    qtbot.addWidget(panel)
    return panel, qt, asker


@pytest.fixture
def xor(qtbot):
    """(panel, qt, asker) on the xor demo; the asker says yes."""
    return make_panel(qtbot)


def pick(combo: QtWidgets.QComboBox, name: Any) -> None:
    j = combo.findData(name)
    assert j >= 0, f"{name!r} not offered: {combo_names(combo)}"
    combo.setCurrentIndex(j)


def step_to(qt: QtSession, phase: str, node: str):
    for _ in range(100):
        qt.step_into()
        step = qt.session.current
        if (step.phase, step.node) == (phase, node):
            return step
    raise AssertionError(f"never reached {phase} {node}")


def expected_error(obj: dict[str, Any]) -> str:
    with pytest.raises(InputError) as caught:
        parse_session(obj)
    return str(caught.value)


def demo_json(**network: Any) -> dict[str, Any]:
    obj = Session.from_demo("xor").spec.to_json()
    obj["network"].update(network)
    return obj


# --- what it shows ------------------------------------------------------------------------------


def test_shows_the_demos_settings(xor):
    panel, qt, _ = xor
    spec = qt.session.spec
    assert parse_sizes(panel.sizes_field.text()) == [2, 2, 1]
    assert [c.currentData() for c in panel.activation_combos] == ["tanh", "sigmoid"]
    assert panel.loss_combo.currentData() == "bce"
    assert panel.lr_field.value() == pytest.approx(spec.learning_rate) == 0.5
    assert panel.lr_field.text() == "0.5"  # no trailing zeros
    assert panel.momentum_field.value() == 0.0
    assert panel.batch_field.value() == 1
    assert panel.batch_field.maximum() == 4  # the four XOR samples
    assert not panel.shuffle_check.isChecked()
    assert panel.data_combo.currentData() is None  # the session's own, inline data
    assert "4 samples, inline" in panel.data_description.text()
    assert panel.scheme_combo.currentData() == "xavier"
    assert panel.init_seed_field.value() == 0
    assert panel.params_note.isHidden()
    assert not panel.is_modified()
    assert not panel.apply_button.isEnabled()
    assert panel.message() == ""


def test_activation_rows_follow_the_sizes_and_softmax_is_offered_only_at_the_output(xor):
    panel, _, _ = xor
    panel.sizes_field.setText("2, 4, 4, 1")
    assert [c.currentData() for c in panel.activation_combos] == ["tanh", "tanh", "sigmoid"]
    for hidden in panel.activation_combos[:-1]:
        assert "softmax" not in combo_names(hidden)
    assert "softmax" in combo_names(panel.activation_combos[-1])
    pick(panel.activation_combos[0], "relu")
    panel.sizes_field.setText("2, 4, 1")
    assert [c.currentData() for c in panel.activation_combos] == ["relu", "sigmoid"]
    assert panel.is_modified()
    assert panel.apply_button.isEnabled()
    assert "modified" in panel.modified_label.text()


def test_sizes_text_reads_as_a_session_file_would():
    assert parse_sizes("2, 2, 1") == [2, 2, 1]
    assert parse_sizes("[2 3  1]") == [2, 3, 1]
    assert parse_sizes("2, 2.5") == [2, 2.5]
    assert parse_sizes("abc, 1") == ["abc", 1]
    assert parse_sizes("  ") == []


# --- the learning rate applies at once ----------------------------------------------------------


def test_learning_rate_applies_at_once_while_paused(xor):
    panel, qt, _ = xor
    qt.step_into()
    panel.lr_field.setValue(0.1)
    assert qt.session.context().value("lr") == pytest.approx(0.1)
    assert not panel.is_modified()  # nothing pending: it is applied
    update = step_to(qt, "update", "W[3]")
    assert update.learning_rate == pytest.approx(0.1)
    np.testing.assert_allclose(update.change, -0.1 * np.asarray(update.grad), rtol=1e-12)
    assert panel.lr_field.value() == pytest.approx(0.1)


def test_stepping_back_across_a_rate_edit_shows_the_old_rate(xor):
    panel, qt, _ = xor
    qt.step_into()
    qt.step_into()
    panel.lr_field.setValue(0.2)  # made at stop 2, in effect from there on
    qt.step_back()
    qt.step_back()
    assert qt.session.position == (1, 0)
    assert panel.lr_field.value() == pytest.approx(0.5)


def test_learning_rate_is_refused_while_running_and_the_field_keeps_the_sessions(xor):
    panel, qt, _ = xor
    qt.continue_()
    assert qt.running
    try:
        panel.lr_field.setValue(0.1)
        assert panel.lr_field.value() == pytest.approx(0.5)
        assert "pause" in panel.message()
        assert panel.has_error()
    finally:
        qt.pause()
    assert qt.session.context().value("lr") == pytest.approx(0.5)


def test_learning_rate_arrows_walk_a_one_two_five_ladder(xor):
    panel, qt, _ = xor
    assert 0.5 in LR_LADDER
    panel.lr_field.stepBy(1)
    assert panel.lr_field.value() == pytest.approx(1.0)
    panel.lr_field.stepBy(-2)
    assert panel.lr_field.value() == pytest.approx(0.2)
    assert qt.session.context().value("lr") == pytest.approx(0.2)
    assert (panel.lr_field.minimum(), panel.lr_field.maximum()) == (1e-6, 100.0)


# --- rebuilding ---------------------------------------------------------------------------------


def test_new_sizes_rebuild_after_asking_and_keep_fitting_breakpoints_and_watches(qtbot, xor):
    panel, qt, asker = xor
    qt.add_breakpoint(node="z[2]", phase="backward")
    qt.add_breakpoint(node="z[3]")
    qt.add_watch("dz[2]")
    for _ in range(7):
        qt.step_into()
    old = qt.session
    panel.sizes_field.setText("2, 3, 1")
    with qtbot.waitSignal(qt.session_replaced):
        panel.apply_button.click()
    assert len(asker.questions) == 1
    assert asker.questions[0].startswith("Discard the current run")
    assert "2, 2, 1 → 2, 3, 1" in asker.questions[0]
    new = qt.session
    assert new is not old
    assert new.spec.sizes == (2, 3, 1)
    assert new.position == (1, 0) and new.current is None
    where = {(bp.node, bp.phase) for bp in new.breakpoints}
    assert {("z[2]", "backward"), ("z[3]", None)} <= where
    assert sum(bp.kind == "nonfinite" for bp in new.breakpoints) == 1
    assert [w.text for w in new.watches] == ["dz[2]"]
    assert new.spec.learning_rate == pytest.approx(0.5)
    assert parse_sizes(panel.sizes_field.text()) == [2, 3, 1]
    assert not panel.is_modified()
    assert "Rebuilt" in panel.message()


def test_breakpoints_that_no_longer_fit_are_dropped_and_said_so(xor):
    panel, qt, _ = xor
    qt.add_breakpoint(node="z[3]")
    qt.step_into()
    panel.sizes_field.setText("2, 1")
    pick(panel.activation_combos[-1], "sigmoid")
    assert panel.apply()
    assert qt.session.spec.sizes == (2, 1)
    assert all(bp.node != "z[3]" for bp in qt.session.breakpoints)
    assert "Dropped breakpoint z[3]" in panel.message()


def test_answering_no_keeps_the_run_and_reverts_the_fields(qtbot):
    panel, qt, asker = make_panel(qtbot, answer=False)
    for _ in range(3):
        qt.step_into()
    old, position = qt.session, qt.session.position
    panel.sizes_field.setText("2, 3, 1")
    pick(panel.loss_combo, "squared_error")
    assert not panel.apply()
    assert len(asker.questions) == 1
    assert qt.session is old and old.position == position
    assert old.spec.sizes == (2, 2, 1)
    assert panel.sizes_field.text() == "2, 2, 1"
    assert panel.loss_combo.currentData() == "bce"
    assert len(panel.activation_combos) == 2
    assert not panel.is_modified()


def test_at_the_start_it_rebuilds_without_asking(xor):
    panel, qt, asker = xor
    panel.momentum_field.setValue(0.9)
    assert panel.apply()
    assert asker.questions == []
    assert qt.session.spec.momentum == pytest.approx(0.9)


def test_a_run_stepped_back_to_the_start_or_an_edit_there_still_asks(qtbot):
    panel, qt, asker = make_panel(qtbot, answer=False)
    qt.step_into()
    qt.step_back()  # at the start again, but the stops reached would be lost
    panel.momentum_field.setValue(0.5)
    assert not panel.apply()
    assert len(asker.questions) == 1

    panel, qt, asker = make_panel(qtbot, answer=False)
    assert qt.edit("W[2]", (0, 0), 1.5)  # an edit at the start is part of the run
    panel.momentum_field.setValue(0.5)
    assert not panel.apply()
    assert len(asker.questions) == 1
    assert qt.session.spec.momentum == 0.0


def test_the_rate_in_effect_carries_into_the_rebuilt_session(xor):
    panel, qt, _ = xor
    panel.lr_field.setValue(0.05)
    panel.batch_field.setValue(2)
    assert panel.apply()
    assert qt.session.spec.learning_rate == pytest.approx(0.05)
    assert qt.session.spec.batch_size == 2
    assert panel.lr_field.value() == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("change", "network"),
    [
        ("tanh output", {"activations": ["tanh", "tanh"]}),
        ("zero width", {"sizes": [2, 0, 1]}),
        ("not a number", {"sizes": ["abc"]}),
        ("one layer", {"sizes": [2]}),
    ],
)
def test_invalid_settings_show_the_validators_message_and_change_nothing(qtbot, change, network):
    panel, qt, asker = make_panel(qtbot)
    qt.step_into()
    old = qt.session
    if "activations" in network:
        pick(panel.activation_combos[-1], "tanh")
        marked = panel.loss_combo  # the validator names network.loss
    else:
        panel.sizes_field.setText(", ".join(map(str, network["sizes"])))
        marked = panel.sizes_field
    want = expected_error(demo_json(**network))
    with QtCore.QSignalBlocker(qt):  # nothing may be emitted by a refused Apply
        assert not panel.apply()
    assert panel.message() == want
    assert "\n" not in panel.message() and "Traceback" not in panel.message()
    assert panel.has_error()
    assert marked in panel.marked_fields()
    assert asker.questions == []
    assert qt.session is old and old.position == (1, 1)
    assert panel.is_modified()  # the user's text stays, to be fixed


def test_bce_with_a_tanh_output_names_the_rule(xor):
    panel, _, _ = xor
    pick(panel.activation_combos[-1], "tanh")
    panel.apply()
    assert panel.message() == (
        "network.loss: bce needs one sigmoid output unit, got 1 tanh output unit(s)"
    )


def test_an_error_clears_when_the_field_is_changed_again(xor):
    panel, _, _ = xor
    panel.sizes_field.setText("2, 0, 1")
    panel.apply()
    assert panel.has_error() and panel.marked_fields() == [panel.sizes_field]
    panel.sizes_field.setText("2, 5, 1")
    assert not panel.has_error()
    assert panel.marked_fields() == []
    assert panel.apply()


@pytest.mark.parametrize(("fraction", "train", "test"), [(0.0, 100, 0), (0.2, 80, 20)])
def test_switching_to_a_generated_set_rebuilds_with_its_samples(qtbot, fraction, train, test):
    panel, qt, _ = make_panel(qtbot)
    pick(panel.data_combo, "circles")
    assert not panel.n_field.isHidden() and not panel.noise_field.isHidden()
    panel.n_field.setValue(100)
    panel.test_fraction_field.setValue(fraction)
    assert panel.batch_field.maximum() == train
    assert panel.apply()
    spec = qt.session.spec
    assert spec.data["dataset"] == "circles" and spec.data["n"] == 100
    assert len(spec.dataset) == train
    assert len(spec.dataset.x_test) == test
    assert panel.data_combo.currentData() == "circles"
    assert panel.data_combo.findData(None) == -1  # the inline data is gone with the old session


def test_a_generated_sets_fields_show_and_change(qtbot):
    obj = notes_session(data={"dataset": "moons", "n": 60, "noise": 0.2, "seed": 3})
    obj.pop("params")
    panel, qt, _ = make_panel(qtbot, Session(parse_session(obj)))
    assert panel.data_combo.currentData() == "moons"
    assert (panel.n_field.value(), panel.noise_field.value()) == (60, pytest.approx(0.2))
    assert panel.data_seed_field.value() == 3
    assert panel.classes_field.isHidden()  # moons has two classes
    pick(panel.data_combo, "spiral")
    assert not panel.classes_field.isHidden()
    panel.noise_field.setValue(0.0)
    assert panel.apply()
    assert qt.session.spec.data == {
        "dataset": "spiral",
        "n": 60,
        "noise": 0.0,
        "seed": 3,
        "test_fraction": 0.0,
        "classes": 2,
    }


def test_a_csv_session_shows_its_file(qtbot, tmp_path: Path):
    csv = tmp_path / "points.csv"
    csv.write_text("x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.5,0.5,1\n", encoding="utf-8")
    obj = notes_session(data={"csv": str(csv)})
    panel, qt, _ = make_panel(qtbot, Session(parse_session(obj)))
    assert panel.data_combo.currentText() == "points.csv (CSV)"
    assert "5 samples from points.csv" in panel.data_description.text()
    assert panel.n_field.isHidden()
    panel.test_fraction_field.setValue(0.2)  # 1 of 5 held out
    assert panel.batch_field.maximum() == 4
    assert panel.apply()
    spec = qt.session.spec
    assert Path(spec.data["csv"]).name == "points.csv"
    assert (len(spec.dataset), len(spec.dataset.x_test)) == (4, 1)


def test_a_bad_split_of_inline_data_is_refused(xor):
    panel, qt, _ = xor
    old = qt.session
    panel.test_fraction_field.setValue(0.9)  # 4 samples: 4 · 0.9 rounds to 4, none left
    assert not panel.apply()
    assert panel.message().startswith("data.test_fraction:")
    assert panel.test_fraction_field in panel.marked_fields()
    assert qt.session is old


def test_numbers_the_fields_cannot_show_exactly_survive_a_rebuild(qtbot):
    obj = notes_session(
        training={"learning_rate": 1e-7, "batch_size": 1, "momentum": 0.9999},
        data={"dataset": "xor", "n": 40, "noise": 0.12345, "test_fraction": 0.125},
    )
    obj.pop("params")
    panel, qt, _ = make_panel(qtbot, Session(parse_session(obj)))
    assert panel.momentum_field.value() == pytest.approx(0.999)  # the field's best
    panel.init_seed_field.setValue(1)
    assert panel.apply()
    spec = qt.session.spec
    assert spec.learning_rate == 1e-7
    assert spec.momentum == 0.9999
    assert (spec.data["noise"], spec.data["test_fraction"]) == (0.12345, 0.125)


# --- explicit parameters ------------------------------------------------------------------------


def test_explicit_params_are_kept_unless_the_draw_or_the_shape_changes(qtbot):
    spec = parse_session(notes_session())
    panel, qt, asker = make_panel(qtbot, Session(spec))
    assert not panel.params_note.isHidden()
    assert "replaces them" in panel.params_note.text()
    assert "seed" in panel.init_seed_field.toolTip()

    panel.batch_field.setValue(2)
    assert panel.apply()
    assert asker.questions == []  # nothing lost: the same parameters
    np.testing.assert_array_equal(qt.session.spec.params["W[2]"], spec.params["W[2]"])

    panel.init_seed_field.setValue(7)
    assert panel.apply()
    assert len(asker.questions) == 1
    assert "parameters the session gives are replaced" in asker.questions[0]
    assert qt.session.spec.params is None
    assert qt.session.spec.init_seed == 7
    assert panel.params_note.isHidden()


def test_a_no_to_replacing_explicit_params_keeps_them(qtbot):
    spec = parse_session(notes_session())
    panel, qt, _ = make_panel(qtbot, Session(spec), answer=False)
    pick(panel.scheme_combo, "he")
    assert not panel.apply()
    assert qt.session.spec.params is not None
    assert panel.scheme_combo.currentData() == "xavier"


# --- following the session ----------------------------------------------------------------------


def test_a_replaced_session_refreshes_every_field(xor):
    panel, qt, _ = xor
    panel.sizes_field.setText("2, 9, 1")  # pending, then overtaken by another session
    obj = notes_session(
        network={"sizes": [2, 3, 2], "activations": ["relu", "softmax"], "loss": "cross_entropy"},
        training={"learning_rate": 0.25, "batch_size": 2, "shuffle": True, "momentum": 0.5},
        init={"scheme": "he", "seed": 4},
    )
    obj.pop("params")
    qt.replace(Session(parse_session(obj)))
    assert panel.sizes_field.text() == "2, 3, 2"
    assert [c.currentData() for c in panel.activation_combos] == ["relu", "softmax"]
    assert panel.loss_combo.currentData() == "cross_entropy"
    assert panel.lr_field.value() == pytest.approx(0.25)
    assert panel.momentum_field.value() == pytest.approx(0.5)
    assert panel.batch_field.value() == 2
    assert panel.shuffle_check.isChecked()
    assert (panel.scheme_combo.currentData(), panel.init_seed_field.value()) == ("he", 4)
    assert not panel.is_modified()


def test_revert_and_escape_drop_pending_changes(qtbot, xor):
    panel, _, _ = xor
    panel.sizes_field.setText("2, 7, 1")
    panel.revert_button.click()
    assert panel.sizes_field.text() == "2, 2, 1" and not panel.is_modified()
    panel.momentum_field.setValue(0.3)
    qtbot.keyClick(panel.momentum_field, Qt.Key.Key_Escape)
    assert panel.momentum_field.value() == 0.0 and not panel.is_modified()


# --- keyboard, tooltips, zoom -------------------------------------------------------------------


def test_enter_applies_pending_changes(qtbot, xor):
    panel, qt, _ = xor
    panel.show()
    qtbot.waitExposed(panel)
    panel.sizes_field.setFocus()
    panel.sizes_field.selectAll()
    qtbot.keyClicks(panel.sizes_field, "2, 4, 1")
    qtbot.keyClick(panel.sizes_field, Qt.Key.Key_Return)
    assert qt.session.spec.sizes == (2, 4, 1)


def fields(panel: SettingsPanel) -> list[QtWidgets.QWidget]:
    return [
        panel.sizes_field,
        *panel.activation_combos,
        panel.loss_combo,
        panel.lr_field,
        panel.momentum_field,
        panel.batch_field,
        panel.shuffle_check,
        panel.data_combo,
        panel.n_field,
        panel.noise_field,
        panel.classes_field,
        panel.data_seed_field,
        panel.test_fraction_field,
        panel.scheme_combo,
        panel.init_seed_field,
        panel.apply_button,
        panel.revert_button,
    ]


def test_tab_goes_top_to_bottom_even_after_layers_are_added(qtbot, xor):
    panel, _, _ = xor
    panel.sizes_field.setText("2, 3, 3, 3, 1")  # combos made after everything else
    want = fields(panel)
    chain, w = [], panel.sizes_field
    for _ in range(500):
        if w in want and w not in chain:
            chain.append(w)
        w = w.nextInFocusChain()
        if w is panel.sizes_field:
            break
    assert chain == want


def test_every_field_explains_itself(xor):
    panel, _, _ = xor
    for widget in fields(panel):
        assert len(widget.toolTip()) > 20, widget.objectName()
    assert "v ← μ·v + g" in panel.momentum_field.toolTip()
    assert "Glorot" in panel.scheme_combo.toolTip()
    assert "relu" in panel.scheme_combo.toolTip()
    tips = [
        panel.scheme_combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
        for i in range(panel.scheme_combo.count())
    ]
    assert all(tips)


def test_labels_have_distinct_keyboard_mnemonics(xor):
    panel, _, _ = xor
    texts = [label.text() for label in panel.findChildren(QtWidgets.QLabel) if label.buddy()]
    texts += [panel.apply_button.text(), panel.shuffle_check.text()]
    letters = [t.split("&")[1][0].lower() for t in texts if "&" in t]
    assert len(letters) == len(set(letters)) >= 10
    assert not {"d", "v"} & set(letters)  # the window's Debug and View menus


def test_zoom_scales_the_fonts(qtbot, xor):
    panel, _, _ = xor
    panel.show()
    base = QtGui.QFontInfo(panel.sizes_field.font()).pointSizeF()
    panel.set_zoom(2.0)
    assert panel.zoom() == 2.0
    assert QtGui.QFontInfo(panel.sizes_field.font()).pointSizeF() == pytest.approx(2 * base, 0.1)
    assert QtGui.QFontInfo(panel.activation_combos[0].font()).pointSizeF() == pytest.approx(
        2 * base, 0.1
    )
    panel.set_zoom(1.0)
    assert QtGui.QFontInfo(panel.sizes_field.font()).pointSizeF() == pytest.approx(base, 0.1)


def test_nothing_is_clipped_at_double_zoom(qtbot, xor):
    """At 200 % in a narrow dock every field is at least as tall as its text needs."""
    panel, _, _ = xor
    panel.resize(360, 700)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_zoom(2.0)
    for widget in fields(panel):
        if widget.isVisible():
            assert widget.height() >= widget.minimumSizeHint().height(), widget.objectName()

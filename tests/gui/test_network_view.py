"""The network view: what a lecturer sees at each stop, and what a click or a double-click does.

Every assertion reads what is drawn (texts, pens, rings, markers, tooltips) through
the view's plain accessors, or the pixels of a grab(); events go through the viewport
as a mouse would send them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.engine.demos import load_demo
from bpdebugger.engine.network import Network
from bpdebugger.engine.trace import Snapshot, Step, iteration_steps, snapshot, stop_names
from bpdebugger.engine.training import SGD, Trainer
from bpdebugger.gui import theme
from bpdebugger.gui.views.network_editor import parse_number
from bpdebugger.gui.views.network_text import fmt_long, fmt_short
from bpdebugger.gui.views.network_view import NetworkView, edge_bins, layer_scale

Qt = QtCore.Qt


# ----------------------------------------------------------------------------- data


@dataclasses.dataclass
class Run:
    """One iteration stepped through: the parameters before it and its stops."""

    net: Network
    p0: dict[str, np.ndarray]
    steps: list[Step]

    def at(self, phase: str, node: str) -> Snapshot:
        """The snapshot at the stop (phase, node), that stop included."""
        k = next(i for i, s in enumerate(self.steps) if (s.phase, s.node) == (phase, node))
        return snapshot(self.p0, self.steps[: k + 1])

    def all(self) -> Iterator[Snapshot]:
        for k in range(len(self.steps) + 1):
            yield snapshot(self.p0, self.steps[:k])


def stepped(trainer: Trainer, iteration: int = 1) -> Run:
    p0 = {k: v.copy() for k, v in trainer.net.params().items()}
    steps = list(iteration_steps(trainer.net, trainer.optimizer, trainer.batch(iteration), 1))
    return Run(trainer.net, p0, steps)


def xor_run() -> Run:
    return stepped(load_demo("xor").trainer())


def batch_run(sizes: tuple[int, ...], activations: tuple[str, ...], loss: str, batch: int) -> Run:
    """A seeded network on a small generated set, batches of ``batch`` samples."""
    net = Network.initialised(sizes, activations, loss, "xavier", 3)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(24, sizes[0]))
    y = (
        (x[:, 0] * x[:, 1] > 0).astype(float)
        if loss != "cross_entropy"
        else rng.integers(0, sizes[-1], size=24).astype(float)
    )
    return stepped(Trainer(net, SGD(0.5), x, y, batch))


def shown(text: str) -> float:
    """The number a neuron shows, read back as a float."""
    return float(text.replace("−", "-"))


def make_view(qtbot, run: Run, size: tuple[int, int] = (900, 560)) -> NetworkView:
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    view.set_network(run.net.sizes, run.net.activation_names, run.net.loss.name)
    return view


@pytest.fixture(scope="module")
def xor() -> Run:
    return xor_run()


@pytest.fixture
def view(qtbot, xor: Run) -> NetworkView:
    return make_view(qtbot, xor)


# ------------------------------------------------------------ the stop, highlighted


@pytest.mark.parametrize("phase, node", stop_names(load_demo("xor").network()))
def test_every_stop_is_highlighted_in_its_phase_colour(view, xor, phase, node):
    view.show_snapshot(xor.at(phase, node))
    colour = theme.PHASE_COLOURS[phase]
    assert view.highlighted_node() == node
    assert view.highlighted_phase() == phase
    assert view.highlight_colour() == colour
    assert phase in view.banner()
    if phase == "update":
        # the parameter's edges carry the update colour; no neuron is ringed
        assert view.emphasised_edges() == {node: colour}
        assert view.ring_colour("a[2]", 0) is None
    elif node == "l":
        assert view.ring_colour("l", 0) == colour
        assert view.emphasised_edges() == {"l": colour}
    else:
        l = int(node[2])
        for i in range(xor.net.sizes[l - 1]):
            assert view.ring_colour(node, i) == colour
        other = ("a" if node[0] == "z" else "z") + node[1:]
        assert view.ring_colour(other, 0) is None
        expected = {f"W[{l}]", f"b[{l}]"} if node[0] == "z" else {node}
        assert set(view.emphasised_edges()) == expected
        assert all(c == colour for c in view.emphasised_edges().values())


def test_values_and_gradients_have_clearly_different_colours(view, xor):
    forward, backward = theme.FORWARD, theme.BACKWARD
    assert abs(forward.hueF() - backward.hueF()) > 0.2
    view.show_snapshot(xor.at("forward", "a[2]"))
    fwd = view.highlight_colour()
    view.show_snapshot(xor.at("backward", "a[2]"))
    assert fwd == forward and view.highlight_colour() == backward


def test_the_highlight_moves_without_leaving_old_rings(view, xor):
    view.show_snapshot(xor.at("forward", "z[2]"))
    view.show_snapshot(xor.at("forward", "a[3]"))
    assert view.ring_colour("z[2]", 0) is None
    assert view.ring_colour("a[3]", 0) == theme.FORWARD
    view.show_snapshot(snapshot(xor.p0, []))  # paused before the first stop
    assert view.highlighted_node() is None and view.highlight_colour() is None
    assert view.ring_colour("a[3]", 0) is None
    assert view.emphasised_edges() == {}


def test_the_pictures_qt_keeps_of_still_items_look_as_if_painted_afresh(view, xor):
    """Circles, boxes and names are painted once and blitted afterwards; as the rings and
    fills move from stop to stop, the view looks as it would painted from scratch (within
    a level of rounding of the blends)."""
    stops = [("forward", "z[2]"), ("backward", "a[2]"), ("update", "W[3]")]

    def pictures() -> list[np.ndarray]:
        out = []
        for phase, node in stops:
            view.show_snapshot(xor.at(phase, node))
            image = view.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
            bits = np.frombuffer(image.constBits(), np.uint8)
            out.append(bits.reshape(image.height(), image.width(), 4).astype(int))
        return out

    items = view.scene().items()
    cached = [i for i in items if i.cacheMode() != QtWidgets.QGraphicsItem.CacheMode.NoCache]
    assert len(cached) > len(items) // 2
    kept = pictures()
    for item in cached:
        item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.NoCache)
    for a, b in zip(kept, pictures(), strict=True):
        assert np.abs(a - b).max() <= 2


# ----------------------------------------------------------------- numbers shown


def test_neurons_show_the_values_of_the_snapshot(view, xor):
    snap = xor.at("forward", "l")
    view.show_snapshot(snap)
    for name, value in snap.values.items():
        if name.startswith("a["):
            for i in range(value.shape[0]):
                assert shown(view.neuron_text(name, i)) == pytest.approx(value[i, 0], abs=0.006)
    assert "l = " in view.loss_text()
    assert shown(view.loss_text().split("= ")[1]) == pytest.approx(snap.loss, abs=0.006)


def test_values_appear_as_the_forward_pass_reaches_them(view, xor):
    view.show_snapshot(xor.at("forward", "z[2]"))
    assert view.neuron_text("a[1]", 0) != ""  # x is read by z[2]
    assert view.neuron_text("a[2]", 0) == ""  # not computed yet
    assert view.loss_text() == "l = ·"
    view.show_snapshot(xor.at("forward", "a[2]"))
    assert view.neuron_text("a[2]", 0) != ""
    assert view.neuron_text("a[3]", 0) == ""


def test_z_is_shown_on_demand(view, xor):
    snap = xor.at("forward", "a[3]")
    view.show_snapshot(snap)
    assert view.neuron_text("z[3]", 0) == ""  # a "Σ" until asked for
    view.set_show_z(True)
    assert view.show_z()
    assert shown(view.neuron_text("z[3]", 0)) == pytest.approx(snap.values["z[3]"][0, 0], abs=0.006)
    assert view.highlighted_node() == "a[3]"  # the rebuild kept the stop
    view.set_show_z(False)
    assert view.neuron_text("z[3]", 0) == ""


def test_gradients_appear_right_to_left_in_chips(view, xor):
    view.show_snapshot(xor.at("backward", "l"))
    assert view.grad_text("a[3]", 0) is not None
    assert view.grad_text("z[3]", 0) is None
    snap = xor.at("backward", "z[3]")
    view.show_snapshot(snap)
    for name in ("a[3]", "z[3]", "a[2]"):
        for i in range(snap.grads[name].shape[0]):
            assert shown(view.grad_text(name, i)) == pytest.approx(
                snap.grads[name][i, 0], abs=0.006
            )
    assert view.grad_text("z[2]", 0) is None  # not reached yet
    assert view.grad_text("a[1]", 0) is None
    view.show_snapshot(xor.at("backward", "z[2]"))
    assert view.grad_text("a[1]", 1) is not None  # ∂l/∂x, computed at z[2]
    view.show_snapshot(xor.at("forward", "a[3]"))  # back in time: chips go again
    assert view.grad_text("a[3]", 0) is None


def test_small_gradients_do_not_read_as_zero():
    assert fmt_short(3e-5) == "3e−5"
    assert fmt_short(-0.0042) == "−4e−3"
    assert fmt_short(0.0) == "0"
    assert fmt_short(0.334) == "0.33"
    assert fmt_short(-12.34) == "−12.3"
    assert fmt_short(float("nan")) == "NaN"
    assert fmt_long(-0.56) == "−0.5600"
    assert fmt_long(1.5e-6) == "1.500e−6"


# ----------------------------------------------------------------------- edges


def test_edges_are_coloured_by_sign_and_sized_by_magnitude(view, xor):
    view.show_snapshot(xor.at("forward", "z[2]"))
    for name in ("W[2]", "W[3]"):
        W = xor.p0[name]
        widths = {}
        for index in np.ndindex(W.shape):
            pen = view.edge_pen(name, index)
            c = pen.color()
            w = W[index]
            if w > 0:
                assert c.red() > c.blue(), (name, index, w, c.name())
            elif w < 0:
                assert c.blue() > c.red(), (name, index, w, c.name())
            widths[index] = pen.widthF()
        order = sorted(widths, key=lambda ix: abs(W[ix]))
        assert [widths[ix] for ix in order] == sorted(widths[ix] for ix in order)
        biggest = max(widths, key=lambda ix: abs(W[ix]))
        smallest = min(widths, key=lambda ix: abs(W[ix]))
        if abs(W[biggest]) > 2 * abs(W[smallest]):
            assert widths[biggest] > 1.5 * widths[smallest]


def test_edges_follow_the_parameters_of_the_snapshot(view, xor):
    snap = xor.at("forward", "z[2]")
    view.show_snapshot(snap)
    before = view.edge_pen("W[2]", (0, 1)).color()
    flipped = dict(snap.params)
    flipped["W[2]"] = -np.asarray(snap.params["W[2]"])
    view.show_snapshot(dataclasses.replace(snap, params=flipped))
    after = view.edge_pen("W[2]", (0, 1)).color()
    assert (before.red() > before.blue()) != (after.red() > after.blue())
    biases = dict(snap.params)
    biases["b[3]"] = np.array([0.7])
    view.show_snapshot(dataclasses.replace(snap, params=biases))
    assert view.edge_pen("b[3]", (0,)).color().red() > view.edge_pen("b[3]", (0,)).color().blue()
    assert view.edge_pen("b[3]", (0,)).style() == Qt.PenStyle.DashLine


def test_edge_bins_handle_zero_and_non_finite_values():
    values = np.array([0.0, 1.0, -0.5, np.nan, np.inf])
    colours, widths = edge_bins(values, layer_scale(values))
    assert colours[0] == -1 and colours[3] == -2 and colours[4] == -2
    assert colours[1] > colours[2]
    assert widths[1] > widths[2] > widths[0]
    assert layer_scale(np.array([np.nan])) == 0.0


# ------------------------------------------------------------------ breakpoints


@pytest.mark.parametrize(
    "name, index",
    [
        ("a[2]", (1,)),
        ("z[2]", (0,)),
        ("a[3]", (0,)),
        ("z[3]", (0,)),
        ("l", ()),
        ("b[3]", ()),
        ("W[3]", ()),
        ("z[2]", ()),
    ],
)
def test_clicking_a_node_emits_breakpoint_toggled(qtbot, view, xor, name, index):
    view.show_snapshot(xor.at("forward", "l"))
    pos = view.element_pos(name, index)
    with qtbot.waitSignal(view.breakpoint_toggled, timeout=1000) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [name]


def test_clicking_an_input_or_empty_space_toggles_nothing(qtbot, view, xor):
    view.show_snapshot(xor.at("forward", "l"))
    with qtbot.assertNotEmitted(view.breakpoint_toggled):
        qtbot.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.element_pos("a[1]", (0,))
        )
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QtCore.QPoint(3, 3))


def test_set_breakpoints_draws_red_dots(view, xor):
    view.show_snapshot(xor.at("forward", "z[2]"))
    view.set_breakpoints({"z[2]", "l", "b[3]", "nonsense"})
    assert view.breakpoint_markers() == {"z[2]", "l", "b[3]"}
    image = view.grab().toImage()
    red = 0
    for marker_name in ("z[2]", "l"):
        marker = view._markers[marker_name]  # the pixel under the dot the user sees
        centre = view.mapFromScene(marker.sceneBoundingRect().center())
        c = QtGui.QColor(image.pixel(centre * image.devicePixelRatio()))
        if c.red() > 180 and c.green() < 90 and c.blue() < 90:
            red += 1
    assert red == 2
    view.set_breakpoints(set())
    assert view.breakpoint_markers() == set()


def test_breakpoints_survive_a_zoom(view):
    view.set_breakpoints({"a[3]"})
    view.set_zoom(1.5)
    assert view.breakpoint_markers() == {"a[3]"}


# ---------------------------------------------------------------------- editing


def test_double_clicking_a_weight_asks_and_emits_edit_requested(qtbot, view, xor):
    snap = xor.at("forward", "l")
    view.show_snapshot(snap)
    asked = []

    def prompt(label: str, current: float) -> float | None:
        asked.append((label, current))
        return 0.5

    view.value_prompt = prompt
    with qtbot.waitSignal(view.edit_requested, timeout=1000) as blocker:
        qtbot.mouseDClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.edge_pos("W[2]", (0, 1))
        )
    assert blocker.args == ["W[2]", (0, 1), 0.5]
    assert asked == [("W[2][0,1]", pytest.approx(float(snap.params["W[2]"][0, 1])))]
    # the view never changes the number itself
    assert np.asarray(snap.params["W[2]"])[0, 1] == xor.p0["W[2]"][0, 1]


def test_double_clicking_a_bias_edge_edits_that_bias(qtbot, view, xor):
    view.show_snapshot(xor.at("forward", "l"))
    view.value_prompt = lambda label, current: 0.1
    with qtbot.waitSignal(view.edit_requested, timeout=1000) as blocker:
        qtbot.mouseDClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.edge_pos("b[2]", (1,), 0.6)
        )
    assert blocker.args == ["b[2]", (1,), 0.1]


def test_a_cancelled_prompt_emits_nothing(qtbot, view, xor):
    view.show_snapshot(xor.at("forward", "l"))
    view.value_prompt = lambda label, current: None
    with qtbot.assertNotEmitted(view.edit_requested):
        qtbot.mouseDClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.edge_pos("W[3]", (0, 0))
        )


def test_the_inline_editor_commits_on_enter_and_cancels_on_escape(qtbot, view, xor):
    view.show_snapshot(xor.at("forward", "l"))
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.edge_pos("W[3]", (0, 1)))
    editor = view.value_editor()
    assert editor.isVisible()
    assert "W[3][0,1]" in editor.label.text()
    assert parse_number(editor.line_edit.text()) == pytest.approx(xor.p0["W[3]"][0, 1], rel=1e-5)
    editor.line_edit.setText("abc")
    with qtbot.assertNotEmitted(view.edit_requested):
        qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert editor.isVisible()  # an unreadable value is marked, not applied
    editor.line_edit.setText("−0.25")
    with qtbot.waitSignal(view.edit_requested, timeout=1000) as blocker:
        qtbot.keyClick(editor.line_edit, Qt.Key.Key_Return)
    assert blocker.args == ["W[3]", (0, 1), -0.25]
    assert not editor.isVisible()

    view.open_editor("b[3]", (0,))
    assert editor.isVisible()
    with qtbot.assertNotEmitted(view.edit_requested):
        qtbot.keyClick(editor.line_edit, Qt.Key.Key_Escape)
    assert not editor.isVisible()


def test_up_and_down_step_the_inline_editor(qtbot, view, xor):
    view.show_snapshot(xor.at("forward", "l"))
    view.open_editor("b[2]", (0,))
    editor = view.value_editor()
    editor.line_edit.setText("0.5")
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Up)
    assert parse_number(editor.line_edit.text()) == pytest.approx(0.6)
    qtbot.keyClick(editor.line_edit, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert parse_number(editor.line_edit.text()) == pytest.approx(0.59)


def test_parse_number_reads_what_people_type():
    assert parse_number("−0.5") == -0.5
    assert parse_number(" 1e-3 ") == 0.001
    assert parse_number("0,25") == 0.25
    assert parse_number("nan") is None
    assert parse_number("x") is None


# ---------------------------------------------------------------------- tooltips


def test_hovering_a_neuron_shows_its_formula_and_numbers(view, xor):
    snap = xor.at("backward", "a[2]")
    view.show_snapshot(snap)
    text = view.tooltip_at(view.element_pos("a[2]", (0,)))
    z = fmt_long(float(snap.values["z[2]"][0, 0]))
    a = fmt_long(float(snap.values["a[2]"][0, 0]))
    assert f"a[2]₁ = tanh(z[2]₁) = tanh({z}) = {a}" in text
    assert f"∂l/∂a[2]₁ = {fmt_long(float(snap.grads['a[2]'][0, 0]))}" in text
    z_text = view.tooltip_at(view.element_pos("z[2]", (1,)))
    assert "z[2]₂ = W[2][1,:]·a[1] + b[2][1] = " in z_text
    assert f"∂l/∂z[2]₂ = {fmt_long(float(snap.grads['z[2]'][1, 0]))}" in z_text
    out = view.tooltip_at(view.element_pos("a[3]", (0,)))
    assert "ŷ = a[3]₁ = σ(z[3]₁)" in out
    x_text = view.tooltip_at(view.element_pos("a[1]", (1,)))
    assert x_text.startswith("x₂ = a[1]₂")
    chip = view._chips[("z[2]", 1)][0]  # hovering the gradient chip under z[2]₂
    assert view.tooltip_at(view.mapFromScene(chip.sceneBoundingRect().center())) == z_text


def test_hovering_an_edge_shows_the_weight_and_its_gradient(view, xor):
    view.show_snapshot(xor.at("forward", "a[2]"))
    text = view.tooltip_at(view.edge_pos("W[2]", (0, 1)))
    assert f"W[2][0,1] = {fmt_long(float(xor.p0['W[2]'][0, 1]))}" in text
    assert "∂l/∂W[2][0,1]" not in text  # not computed yet
    snap = xor.at("backward", "z[2]")
    view.show_snapshot(snap)
    text = view.tooltip_at(view.edge_pos("W[2]", (0, 1)))
    assert f"∂l/∂W[2][0,1] = {fmt_long(float(snap.grads['W[2]'][0, 1]))}" in text
    bias = view.tooltip_at(view.edge_pos("b[3]", (0,), 0.5))
    assert bias.startswith("b[3][0] = ") and "∂l/∂b[3][0] = " in bias


def test_an_update_tooltip_shows_before_and_after(view, xor):
    snap = xor.at("update", "W[3]")
    view.show_snapshot(snap)
    text = view.tooltip_at(view.edge_pos("W[3]", (0, 0)))
    step = snap.step
    assert f"{fmt_long(float(step.before[0, 0]))} → {fmt_long(float(step.after[0, 0]))}" in text


def test_hovering_the_loss_shows_its_formula(view, xor):
    snap = xor.at("forward", "l")
    view.show_snapshot(snap)
    text = view.tooltip_at(view.element_pos("l"))
    assert "l = −(y log ŷ + (1 − y) log(1 − ŷ))" in text
    assert f"l = {fmt_long(snap.loss)}" in text


def test_a_real_hover_pops_up_the_tooltip(qtbot, view, xor):
    view.show_snapshot(xor.at("forward", "a[2]"))
    pos = view.element_pos("a[2]", (0,))
    event = QtGui.QHelpEvent(QtCore.QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QtWidgets.QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(lambda: QtWidgets.QToolTip.isVisible(), timeout=2000)
    assert "a[2]₁ = tanh(z[2]₁)" in QtWidgets.QToolTip.text()
    QtWidgets.QToolTip.hideText()


# ------------------------------------------------------------------------ batches


def test_a_batch_shows_the_mean_or_the_selected_sample(qtbot):
    run = batch_run((2, 3, 1), ("tanh", "sigmoid"), "bce", batch=4)
    view = make_view(qtbot, run)
    snap = run.at("backward", "z[3]")
    view.show_snapshot(snap)
    a = snap.values["a[2]"]
    assert view.sample() is None
    assert shown(view.neuron_text("a[2]", 1)) == pytest.approx(a[1].mean(), abs=0.006)
    assert "mean over the batch of 4" in view.banner()
    assert "mean over the batch of 4" in view.tooltip_at(view.element_pos("a[2]", (1,)))
    view.set_sample(2)
    assert shown(view.neuron_text("a[2]", 1)) == pytest.approx(a[1, 2], abs=0.006)
    assert shown(view.grad_text("a[2]", 1)) == pytest.approx(snap.grads["a[2]"][1, 2], abs=0.006)
    assert "sample 3 of 4" in view.tooltip_at(view.element_pos("a[2]", (1,)))
    y = snap.step.batch.t[0, 2]
    assert (
        view.tooltip_at(view.element_pos("l")).count("y = ") == 1
        and str(int(y)) in (view.tooltip_at(view.element_pos("l")).split("y = ")[1])
    )
    view.set_sample(99)  # past the batch: the mean again, no error
    assert shown(view.neuron_text("a[2]", 1)) == pytest.approx(a[1].mean(), abs=0.006)
    view.set_sample(None)
    assert view.sample() is None


# ------------------------------------------------------------- sizes and zooming


def test_a_bigger_network_renders_and_keeps_its_tooltips(qtbot):
    run = batch_run((4, 16, 16, 3), ("relu", "relu", "softmax"), "cross_entropy", batch=4)
    view = make_view(qtbot, run, (640, 420))
    count = view.item_count()
    for snap in run.all():
        view.show_snapshot(snap)
        assert not view.grab().isNull()
    assert view.item_count() == count
    assert not view.numbers_visible()  # too small for numbers at this size…
    snap = run.at("backward", "z[3]")
    view.show_snapshot(snap)
    text = view.tooltip_at(view.element_pos("a[3]", (7,)))  # …but the tooltips stay
    assert "a[3]₈ = relu(z[3]₈)" in text and "∂l/∂a[3]₈" in text
    assert "softmax(z[4])" in view.tooltip_at(view.element_pos("a[4]", (1,)))
    view.resize(1800, 1150)
    assert view.numbers_visible()
    assert view.neuron_text("a[3]", 7) != ""


def _assert_nothing_clipped(view: NetworkView) -> None:
    """Every item lies inside the scene rect, and the scene rect inside the viewport."""
    scene = view.scene()
    rect = scene.sceneRect()
    items = scene.itemsBoundingRect()
    slack = 0.5
    assert rect.adjusted(-slack, -slack, slack, slack).contains(items), (rect, items)
    shown_rect = view.mapFromScene(rect).boundingRect()
    assert view.viewport().rect().adjusted(-1, -1, 1, 1).contains(shown_rect)


@pytest.mark.parametrize(
    "size, zoom",
    [((1280 - 560, 800 - 160), 1.0), ((1920 - 700, 1080 - 160), 2.0), ((1920, 1080), 2.0)],
)
def test_nothing_is_clipped_at_1280x800_or_at_200_percent(qtbot, size, zoom):
    for run in (
        xor_run(),
        batch_run((4, 16, 16, 3), ("tanh", "tanh", "softmax"), "cross_entropy", 2),
    ):
        view = make_view(qtbot, run, size)
        view.set_zoom(zoom)
        view.set_show_z(True)
        for snap in run.all():
            view.show_snapshot(snap)  # every chip and every banner text at least once
        _assert_nothing_clipped(view)


def test_zoom_makes_the_text_bigger_on_screen(qtbot, xor):
    view = make_view(qtbot, xor, (1200, 800))
    view.show_snapshot(xor.at("forward", "l"))

    def text_height_on_screen() -> float:
        item = view._texts[("a[2]", 0)]
        return view.mapFromScene(item.sceneBoundingRect()).boundingRect().height()

    small = text_height_on_screen()
    view.set_zoom(2.0)
    assert view.zoom() == 2.0
    assert text_height_on_screen() > 1.3 * small
    assert view.highlighted_node() == "l"  # the rebuild kept what was shown


# ---------------------------------------------------------------------- the soak


def test_soak_thousands_of_stops_no_warning_no_growth(qtbot, qtlog):
    trainer = load_demo("xor").trainer()
    snaps: list[Snapshot] = []
    for it in range(1, 5):
        run = stepped(trainer, it)
        snaps += list(run.all())
    view = make_view(qtbot, Run(trainer.net, {}, []))
    view.show_snapshot(snaps[0])
    count = view.item_count()
    for item in view.scene().items():
        item.setData(0, "built once")  # a rebuild would make items without this tag
    for k in range(2500):
        view.show_snapshot(snaps[k % len(snaps)])
        if k % 5 == 0:
            view.set_sample(None)
        view.grab()
    assert view.item_count() == count
    assert all(item.data(0) == "built once" for item in view.scene().items())
    view.set_zoom(1.25)  # the tag does notice a rebuild
    assert not any(item.data(0) == "built once" for item in view.scene().items())
    warnings = [r for r in qtlog.records if r.type != QtCore.QtMsgType.QtDebugMsg]
    assert warnings == []

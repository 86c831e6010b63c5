"""The gradient card: what it shows at each kind of stop, read the way the user reads it.

Expected numbers come from the forward values of the same iteration (ŷ − y, σ′ = ŷ(1 − ŷ),
tanh′ = 1 − a², δ·aᵀ, W[i,j]·δᵢ), not from the card, so a card that showed the wrong
array under the right symbol would fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.engine import gradcheck as gc
from bpdebugger.engine.demos import load_demo
from bpdebugger.engine.gradcheck import Check, gradcheck
from bpdebugger.engine.notation import fmt
from bpdebugger.engine.session import parse_session
from bpdebugger.engine.stop_text import stop_markdown
from bpdebugger.engine.trace import Step, iteration_steps
from bpdebugger.gui.theme import GRADE_COLOURS
from bpdebugger.gui.views import card_matrix
from bpdebugger.gui.views.card_parts import TextBlock
from bpdebugger.gui.views.gradient_card import GradientCardView

XOR_DATA = {"x": [[0, 1], [1, 0], [0, 0], [1, 1]], "y": [1, 1, 0, 0]}


# --- records ------------------------------------------------------------------------------------


def _session(**network_and_training: object) -> dict[str, object]:
    obj: dict[str, object] = {
        "format": "bpdebugger-session/1",
        "network": {"sizes": [2, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
        "init": {"scheme": "xavier", "seed": 0},
        "training": {"learning_rate": 0.5, "batch_size": 1},
        "data": XOR_DATA,
    }
    obj.update(network_and_training)
    return obj


def _iterations(spec: object, count: int) -> list[tuple[list[Step], dict[str, Check]]]:
    """``count`` iterations of stops, each with the gradient checks of its starting point."""
    tr = spec.trainer()  # type: ignore[attr-defined]
    out = []
    for it in range(1, count + 1):
        batch = tr.batch(it)
        checks = gradcheck(tr.net, batch.x, batch.t)
        out.append((list(iteration_steps(tr.net, tr.optimizer, batch, it)), checks))
    return out


@pytest.fixture(scope="module")
def xor() -> tuple[list[Step], dict[str, Check]]:
    """The notes' network on XOR, iteration 1 (one sample)."""
    return _iterations(load_demo("xor"), 1)[0]


@pytest.fixture(scope="module")
def xor_batch() -> list[Step]:
    """The same network with the whole XOR set as one batch (B = 4)."""
    spec = parse_session(_session(training={"learning_rate": 0.5, "batch_size": 4}))
    return _iterations(spec, 1)[0][0]


@pytest.fixture(scope="module")
def softmax() -> list[Step]:
    """2 → 3 tanh → 3 softmax with cross-entropy, batches of 3, momentum; iteration 2."""
    spec = parse_session(
        _session(
            network={
                "sizes": [2, 3, 3],
                "activations": ["tanh", "softmax"],
                "loss": "cross_entropy",
            },
            training={"learning_rate": 0.1, "batch_size": 3, "momentum": 0.9},
            data={"x": XOR_DATA["x"], "y": [0, 1, 2, 1]},
        )
    )
    return _iterations(spec, 2)[1][0]


def at(steps: Sequence[Step], phase: str, node: str) -> Step:
    return next(s for s in steps if s.phase == phase and s.node == node)


@pytest.fixture
def card(qtbot) -> GradientCardView:
    view = GradientCardView()
    qtbot.addWidget(view)
    view.resize(420, 760)
    view.show()
    qtbot.waitExposed(view)
    return view


def col(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=float).reshape(-1, 1)


# --- no stop -------------------------------------------------------------------------------------


def test_before_the_first_stop_the_card_says_how_to_start(card):
    card.show_step(None)
    assert "F11" in card.hint_text()
    assert card.matrix_names() == []
    assert card.equation_text() == ""


# --- backward -----------------------------------------------------------------------------------


def test_output_activation_shows_upstream_diagonal_local_and_the_shortcut(card, xor):
    steps, checks = xor
    y_hat = float(at(steps, "forward", "a[3]").output[0, 0])
    y = float(steps[0].batch.t[0, 0])
    step = at(steps, "backward", "a[3]")
    card.show_step(step, checks)

    assert card.title_text() == f"backward · a[3] · sigmoid · iteration 1, stop {step.index}"
    up, local, down = (card.matrix(n) for n in ("upstream", "local", "downstream"))
    # ∂l/∂ŷ for bce, σ′(z) = ŷ(1 − ŷ), and the shortcut ŷ − y
    np.testing.assert_allclose(up.values(), [[-y / y_hat + (1 - y) / (1 - y_hat)]], rtol=1e-12)
    np.testing.assert_allclose(local.values(), [[y_hat * (1 - y_hat)]], rtol=1e-12)
    np.testing.assert_allclose(down.values(), [[y_hat - y]], rtol=1e-12)
    assert (up.symbol, local.symbol, down.symbol) == ("∂l/∂a[3]", "∂a[3]/∂z[3]", "∂l/∂z[3]")
    assert (up.shape_text, local.shape_text, down.shape_text) == ("1×1", "1×1", "1×1")
    assert up.texts() == [[fmt(up.values()[0, 0])]]

    # the full chain beside the shortcut, and the same number
    np.testing.assert_allclose(card.matrix("chain").values(), step.chain["z[3]"])
    np.testing.assert_allclose(card.matrix("shortcut").values(), [[y_hat - y]], rtol=1e-12)
    eq = card.equation_text()
    u, d, r = fmt(up.values()[0, 0]), fmt(local.values()[0, 0]), fmt(y_hat - y)
    assert f"∂l/∂z[3] = ∂l/∂a[3] ⊙ σ′(z[3]) = ({u}) × {d} = {r}" in eq
    assert f"ŷ − y = {fmt(y_hat)} − {fmt(y)} = {r}" in eq
    assert "agree" in card.note_text()
    assert "shortcut" in " ".join(card.section_texts()).lower()


def test_hidden_activation_shows_its_diagonal_jacobian_with_faded_zeros(card, xor):
    steps, checks = xor
    a = at(steps, "forward", "a[2]").output[:, 0]
    step = at(steps, "backward", "a[2]")
    card.show_step(step, checks)

    local = card.matrix("local")
    np.testing.assert_allclose(local.values(), np.diag(1 - a**2), rtol=1e-12)  # tanh′ = 1 − a²
    assert local.shape_text == "2×2"
    np.testing.assert_array_equal(local.faded_mask(), ~np.eye(2, dtype=bool))
    assert local.texts()[0][1] == "0"
    assert local.cell_colour(0, 1) != local.cell_colour(0, 0)
    up = step.upstream[:, 0]
    np.testing.assert_allclose(card.matrix("downstream").values(), col(up * (1 - a**2)), rtol=1e-12)
    eq = card.equation_text()
    assert "∂l/∂z[2] = ∂l/∂a[2] ⊙ tanh′(z[2])" in eq
    for i in range(2):
        assert f"({fmt(up[i])}) × {fmt(1 - a[i] ** 2)} = {fmt(up[i] * (1 - a[i] ** 2))}" in eq
    assert "diagonal" in card.note_text() and "⊙" in card.note_text()
    assert "chain" not in card.matrix_names()


def test_linear_node_shows_the_outer_product_and_the_sum_over_paths(card, xor):
    steps, checks = xor
    a2 = at(steps, "forward", "a[2]").output[:, 0]
    W3 = at(steps, "forward", "z[3]").inputs["W[3]"]
    step = at(steps, "backward", "z[3]")
    delta = step.upstream[:, 0]
    card.show_step(step, checks)

    # ∂l/∂W[3] = δ·a[2]ᵀ: column × row = matrix, equal to the downstream W[3]
    np.testing.assert_allclose(card.matrix("outer delta").values(), col(delta))
    np.testing.assert_allclose(card.matrix("outer a").values(), a2.reshape(1, -1))
    np.testing.assert_allclose(card.matrix("outer product").values(), np.outer(delta, a2))
    np.testing.assert_allclose(card.matrix("downstream W").values(), np.outer(delta, a2))
    np.testing.assert_allclose(card.matrix("downstream b").values(), col(delta))
    assert card.matrix("outer product").shape_text == "1×2"
    assert card.matrix("local W").symbol.endswith("a[2]")

    # ∂l/∂a[2] = W[3]ᵀ·δ: each path W[i,j]·δᵢ, and per input unit j their sum
    paths = card.matrix("paths")
    np.testing.assert_allclose(paths.values(), W3 * delta[:, None])
    np.testing.assert_allclose(paths.values().sum(axis=0), step.downstream["a[2]"][:, 0])
    np.testing.assert_allclose(paths.footer_values(), step.downstream["a[2]"][:, 0].reshape(1, -1))
    np.testing.assert_allclose(card.matrix("downstream a").values(), col(W3.T @ delta))

    eq = card.equation_text()
    assert "∂l/∂a[2] = W[3]ᵀ·δ[3]" in eq
    assert f"unit 1: {fmt(W3[0, 0])} × ({fmt(delta[0])}) = {fmt(W3[0, 0] * delta[0])}" in eq
    assert f"∂l/∂b[3] = δ[3] = {fmt(delta[0])}" in eq
    assert any("δ[3]·a[2]ᵀ" in t for t in card.section_texts())
    assert "add up" in card.note_text()


def test_loss_node_starts_with_one(card, xor):
    steps, checks = xor
    y_hat = float(at(steps, "forward", "a[3]").output[0, 0])
    step = at(steps, "backward", "l")
    card.show_step(step, checks)
    assert card.matrix("upstream").values().tolist() == [[1.0]]
    np.testing.assert_allclose(card.matrix("local").values(), [[-1 / y_hat]], rtol=1e-12)  # y = 1
    np.testing.assert_allclose(card.matrix("downstream").values(), [[-1 / y_hat]], rtol=1e-12)
    assert f"= 1 × ({fmt(-1 / y_hat)}) = {fmt(-1 / y_hat)}" in card.equation_text()
    assert "∂l/∂l = 1" in card.note_text()


def test_softmax_output_shows_its_full_jacobian_and_the_shortcut(card, softmax):
    step = at(softmax, "backward", "a[3]")
    s = at(softmax, "forward", "a[3]").output
    card.show_step(step)
    card.select_sample(1)
    local = card.matrix("local")
    jac = np.diag(s[:, 1]) - np.outer(s[:, 1], s[:, 1])
    np.testing.assert_allclose(local.values(), jac, rtol=1e-12, atol=1e-15)
    assert local.shape_text == "3×3"
    off = ~np.eye(3, dtype=bool)
    assert np.all(local.values()[off] != 0)  # not diagonal: softmax mixes its inputs
    assert not local.faded_mask().any()
    t = step.batch.t[:, 1]
    np.testing.assert_allclose(card.matrix("shortcut").values(), col(s[:, 1] - t), atol=1e-12)
    np.testing.assert_allclose(card.matrix("chain").values(), col(s[:, 1] - t), atol=1e-12)
    assert "s − onehot(y)" in card.equation_text()
    assert "full" in card.note_text()


# --- forward and update ----------------------------------------------------------------------


def test_forward_stops_show_inputs_operation_and_output(card, xor):
    steps, checks = xor
    z2 = at(steps, "forward", "z[2]")
    card.show_step(z2, checks)
    assert card.title_text().startswith("forward · z[2] · linear")
    np.testing.assert_array_equal(card.matrix("W").values(), z2.inputs["W[2]"])
    np.testing.assert_array_equal(card.matrix("input").values(), z2.inputs["a[1]"])
    np.testing.assert_array_equal(card.matrix("b").values(), col(z2.inputs["b[2]"]))
    np.testing.assert_array_equal(card.matrix("output").values(), z2.output)
    assert card.matrix("input").symbol == "a[1] = x"
    assert "z[2] = W[2]·a[1] + b[2]" in card.equation_text()
    assert f"= {fmt(z2.output[0, 0])}" in card.equation_text()

    a2 = at(steps, "forward", "a[2]")
    card.show_step(a2, checks)
    np.testing.assert_array_equal(card.matrix("output").values(), a2.output)
    assert "a[2] = tanh(z[2])" in card.equation_text()

    loss = at(steps, "forward", "l")
    card.show_step(loss, checks)
    assert "l = −(y log ŷ + (1 − y) log(1 − ŷ))" in card.equation_text()
    assert card.matrix("output").values()[0, 0] == pytest.approx(loss.loss)
    assert fmt(loss.loss) in card.equation_text()


def test_update_stop_shows_before_change_after_and_the_rule(card, xor):
    steps, checks = xor
    step = at(steps, "update", "W[3]")
    card.show_step(step, checks)
    np.testing.assert_array_equal(card.matrix("before").values(), step.before)
    np.testing.assert_allclose(card.matrix("change").values(), -0.5 * step.grad)
    np.testing.assert_array_equal(card.matrix("after").values(), step.after)
    np.testing.assert_array_equal(card.matrix("grad").values(), step.grad)
    assert card.matrix("change").symbol == "−η·∂l/∂W[3]"
    eq = card.equation_text()
    assert "W[3] ← W[3] − η·∂l/∂W[3]" in eq and "η = 0.5" in eq
    before, grad, after = step.before[0, 0], step.grad[0, 0], step.after[0, 0]
    assert f"entry [1,1]: {fmt(before)} − 0.5 × {fmt(grad)} = {fmt(after)}" in eq
    assert "momentum" not in card.note_text()
    assert card.badge("grad").grade == "good"

    b = at(steps, "update", "b[3]")
    card.show_step(b, checks)
    assert card.matrix("before").shape_text == "1×1"
    assert card.title_text().startswith("update · b[3]")


def test_momentum_update_says_its_change_is_not_minus_eta_grad(card, softmax):
    step = at(softmax, "update", "W[3]")
    card.show_step(step)
    assert card.matrix("change").symbol == "−η·v"
    np.testing.assert_array_equal(card.matrix("change").values(), step.change)
    assert "momentum" in card.note_text().lower()


# --- batches ---------------------------------------------------------------------------------


def test_sample_selector_switches_between_samples_and_the_mean(card, xor_batch, qtbot):
    step = at(xor_batch, "backward", "a[3]")
    card.show_step(step)
    assert card.sample_selector.isVisible()
    assert [card.sample_selector.itemText(i) for i in range(card.sample_selector.count())] == [
        "sample 1",
        "sample 2",
        "sample 3",
        "sample 4",
        "mean",
    ]
    with qtbot.waitSignal(card.sample_selected) as blocker:
        card.sample_selector.setCurrentIndex(2)
    assert blocker.args == [2]
    np.testing.assert_array_equal(card.matrix("upstream").values(), col(step.upstream[:, 2]))
    assert "sample 3" in card.detail_text()

    card.select_sample(None)
    assert card.sample_selector.currentText() == "mean"
    np.testing.assert_allclose(card.matrix("upstream").values(), col(step.upstream_mean))
    np.testing.assert_allclose(
        card.matrix("downstream").values(), col(step.downstream_mean["z[3]"])
    )
    assert "batch mean" in card.matrix("upstream").caption
    assert "averaged over the 4 samples" in card.equation_text()


def test_the_selection_is_kept_when_stepping(card, xor_batch):
    card.show_step(at(xor_batch, "backward", "a[3]"))
    card.select_sample(3)
    step = at(xor_batch, "backward", "z[3]")
    card.show_step(step)
    assert card.selected_sample() == 3
    assert card.sample_selector.currentText() == "sample 4"
    np.testing.assert_array_equal(card.matrix("upstream").values(), col(step.upstream[:, 3]))
    # parameter gradients are the batch's means whatever the sample shown
    np.testing.assert_array_equal(card.matrix("downstream W").values(), step.downstream["W[3]"])
    # the outer product shown is this sample's share
    a = step.local["W[3]"][:, 3]
    np.testing.assert_allclose(
        card.matrix("outer product").values(), np.outer(step.upstream[:, 3], a)
    )

    card.select_sample(None)
    card.show_step(step)
    assert "outer delta" not in card.matrix_names()  # the mean is not one outer product
    np.testing.assert_array_equal(card.matrix("outer product").values(), step.downstream["W[3]"])
    paths = card.matrix("paths")
    np.testing.assert_allclose(paths.values().sum(axis=0), step.downstream_mean["a[2]"])


def test_forward_stops_of_a_batch_show_one_column_per_sample(card, xor_batch):
    step = at(xor_batch, "forward", "z[2]")
    card.select_sample(None)
    card.show_step(step)
    np.testing.assert_array_equal(card.matrix("input").values(), step.inputs["a[1]"])
    assert card.matrix("input").shape_text == "2×4"
    card.select_sample(1)
    np.testing.assert_array_equal(card.matrix("input").values(), col(step.inputs["a[1]"][:, 1]))


def test_no_selector_for_a_single_sample(card, xor):
    steps, checks = xor
    card.show_step(at(steps, "backward", "a[3]"), checks)
    assert not card.sample_selector.isVisible()


# --- checks, bad numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "grade"), [(0.0, "good"), (1e-9, "good"), (1e-6, "fair"), (1e-2, "bad")]
)
def test_gradient_check_badges_show_the_grade(card, xor, relative, grade):
    steps, _ = xor
    step = at(steps, "backward", "z[3]")
    dW, db = step.downstream["W[3]"], step.downstream["b[3]"]
    checks = {
        "W[3]": Check("W[3]", dW, dW * (1 + relative)),
        "b[3]": Check("b[3]", db, db.copy()),
    }
    card.show_step(step, checks)
    badge = card.badge("downstream W")
    assert badge.visible
    assert badge.grade == grade
    assert badge.colour == GRADE_COLOURS[grade]
    assert fmt(checks["W[3]"].max_error, 2) in badge.text
    assert card.badge("downstream b").grade == "good"
    assert fmt(gc.GOOD, 1) in badge.tooltip and fmt(gc.FAIR, 1) in badge.tooltip
    # the badge is painted under the matrix; hovering it explains the thresholds
    m = card.matrix("downstream W")
    assert m.tooltip_at(m.badge_rect().center()) == badge.tooltip


def test_badges_are_hidden_without_checks(card, xor):
    steps, _ = xor
    card.show_step(at(steps, "backward", "z[3]"))
    assert not card.badge("downstream W").visible
    assert card.badge("downstream W").grade is None


def test_non_finite_values_show_as_grey_cells_named_nan_and_inf(card, xor, qtbot):
    steps, _ = xor
    step = at(steps, "backward", "a[2]")
    bad = dataclasses.replace(
        step,
        upstream=np.array([[np.nan], [np.inf]]),
        downstream={"z[2]": np.array([[np.nan], [-np.inf]])},
    )
    nan_check = Check("W[2]", np.array([[np.nan]]), np.array([[1.0]]))
    card.show_step(bad, {"W[2]": nan_check})
    card.grab()
    up = card.matrix("upstream")
    assert up.texts() == [["NaN"], ["inf"]]
    assert card.matrix("downstream").texts() == [["NaN"], ["−inf"]]
    assert up.cell_colour(0, 0) == QtGui.QColor("#7F7F7F")
    assert "NaN" in card.equation_text()

    # the same at a linear node, where the card multiplies displayed numbers itself
    lin = at(steps, "backward", "z[2]")
    bad_lin = dataclasses.replace(lin, upstream=np.array([[np.inf], [0.0]]))
    card.show_step(bad_lin, {"W[2]": nan_check})
    card.grab()
    assert card.badge("downstream W").grade == "bad"
    assert "NaN" in card.badge("downstream W").text


def test_hovering_a_cell_gives_the_full_precision_value(card, xor):
    steps, checks = xor
    step = at(steps, "backward", "a[3]")
    card.show_step(step, checks)
    up = card.matrix("upstream")
    centre = QtCore.QPoint(up.width() // 2, up.row_centre_y())
    value = float(step.upstream[0, 0])
    assert repr(value).replace("-", "−") in up.tooltip_at(centre)


@pytest.mark.parametrize("shape", [(16, 16), (3, 9), (16, 1), (2, 2)])
def test_cells_blitted_as_one_picture_look_as_if_filled_one_by_one(qtbot, monkeypatch, shape):
    """Large matrices blit their cells from one picture; the pixels are those of a fill
    per cell, faded cells, non-finite values and hairlines included."""
    rng = np.random.default_rng(3)
    values = rng.normal(size=shape)
    values.flat[1 % values.size] = np.nan
    faded = rng.random(shape) < 0.2

    def picture() -> QtGui.QImage:
        m = card_matrix.MatrixWidget("m")
        qtbot.addWidget(m)
        m.set_data(values, "∂l/∂W[3]", faded=faded, caption="x")
        return m.grab().toImage()

    monkeypatch.setattr(card_matrix, "_FILLED_CELLS", 0)  # every matrix blits
    blitted = picture()
    monkeypatch.setattr(card_matrix, "_FILLED_CELLS", 10**9)  # every matrix fills
    assert picture() == blitted


# --- size and zoom -------------------------------------------------------------------------------


def _squeezed(card: GradientCardView) -> list[str]:
    """Matrices given less room than they need (they would clip their numbers)."""
    out = []
    for name in card.matrix_names():
        m = card.matrix(name)
        hint = m.sizeHint()
        if m.width() < hint.width() or m.height() < hint.height():
            out.append(f"{name}: {m.size().toTuple()} < {hint.toTuple()}")
    return out


@pytest.mark.parametrize("zoom", [1.0, 2.0])
def test_nothing_is_squeezed_at_420_px_or_at_zoom_2(card, xor, softmax, zoom):
    steps, checks = xor
    card.set_zoom(zoom)
    for step in [*steps, *softmax]:
        card.show_step(step, checks)
        assert _squeezed(card) == [], step.node
        content = card.scroll_area().widget()
        assert content.width() >= content.minimumSizeHint().width()


def test_zoom_scales_fonts_and_cells(card, xor):
    steps, checks = xor
    step = at(steps, "backward", "z[3]")
    card.show_step(step, checks)
    m = card.matrix("downstream W")
    size, hint = m.font().pointSizeF(), m.sizeHint()
    card.set_zoom(2.0)
    assert card.zoom() == 2.0
    assert m.font().pointSizeF() == pytest.approx(2 * size)
    assert m.sizeHint().width() > 1.6 * hint.width()
    assert m.sizeHint().height() > 1.6 * hint.height()
    card.set_zoom(1.0)
    assert m.font().pointSizeF() == pytest.approx(size)


def test_text_follows_the_application_font(card, xor, qapp):
    steps, checks = xor
    card.show_step(at(steps, "backward", "a[3]"), checks)
    m = card.matrix("upstream")
    before = m.font().pointSizeF()
    original = QtGui.QFont(qapp.font())
    bigger = QtGui.QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * 1.5)
    try:
        qapp.setFont(bigger)
        QtWidgets.QApplication.sendPostedEvents()
        assert m.font().pointSizeF() == pytest.approx(before * 1.5)
    finally:
        qapp.setFont(original)
        QtWidgets.QApplication.sendPostedEvents()
    assert m.font().pointSizeF() == pytest.approx(before)


class _Paints(QtCore.QObject):
    """Counts the paint events of a widget and its descendants."""

    def __init__(self, root: QtWidgets.QWidget) -> None:
        super().__init__()
        self.root, self.count = root, 0

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint and (
            watched is self.root or self.root.isAncestorOf(watched)
        ):
            self.count += 1
        return False


def test_a_new_page_is_painted_once(window, qapp):
    """Widgets just shown get a repaint Qt posts for later; the card takes those requests
    before the step's paint, so a page switch is painted in one pass, not in two."""
    paints = _Paints(window.card)
    qapp.installEventFilter(paints)
    try:
        for _ in range(14):
            window.actions_by_name["step_into"].trigger()
            qapp.processEvents()
            assert paints.count > 0
            paints.count = 0
            qapp.processEvents()
            step = window.session.current
            assert paints.count == 0, (step.phase, step.node)
    finally:
        qapp.removeEventFilter(paints)


# --- soak --------------------------------------------------------------------------------------


# The offscreen platform plugin says so when a window is shown; nothing to do with the card.
OFFSCREEN_NOTICE = "This plugin does not support propagateSizeHints"


@pytest.mark.qt_log_level_fail("WARNING")
@pytest.mark.qt_log_ignore(OFFSCREEN_NOTICE)
def test_thousands_of_stops_paint_without_a_qt_warning(card, xor, xor_batch, softmax, qtlog):
    steps, checks = xor
    stops = [(s, checks) for s in steps] + [(s, None) for s in xor_batch + softmax]
    card.select_sample(None)
    for i in range(2000):
        step, ch = stops[i % len(stops)]
        if i % 97 == 0:  # move the selection and the zoom now and then
            card.select_sample(None if i % 2 else i % 3)
            card.set_zoom(1.0 + (i % 3) * 0.5)
        card.show_step(step, ch)
        card.grab()
    warnings = [
        r.message
        for r in qtlog.records
        if r.type != QtCore.QtMsgType.QtDebugMsg and OFFSCREEN_NOTICE not in r.message
    ]
    assert warnings == []


# --- one source for the card and the exports ---------------------------------------------------


@pytest.mark.parametrize("sample", [0, 2, None])
def test_every_equation_line_of_the_card_is_in_the_markdown_export(card, softmax, sample):
    """The card and the exported stop are written from one document: every per-unit line
    of the card's equation is a line of the Markdown of the same stop and sample, and every
    other line starts as one does (the export also writes longer arrays inline)."""
    card.show_step(softmax[0])
    card.select_sample(sample)
    for step in softmax:
        card.show_step(step)
        md = stop_markdown(step, sample).splitlines()
        for line in card.equation_text().splitlines():
            if line.startswith("  "):
                assert f"- {line.strip()}" in md, (step.phase, step.node, line)
            else:
                head = line.split(" = ")[0]
                assert any(x.startswith(head) for x in md), (step.phase, step.node, line)
        assert card.equation_text()
        assert card.note_text() or step.phase == "forward"


def test_a_text_block_that_fits_draws_the_same_lines_at_every_wider_width(qtbot):
    block = TextBlock()
    qtbot.addWidget(block)
    block.set_text("∂l/∂W[2] = δ·aᵀ\nz = W a + b")
    natural = block.sizeHint().width()
    height = block.height_at(natural)
    assert height > 0
    assert block.height() == height  # before any width is given, it takes its natural one

    def picture(width: int) -> QtGui.QImage:
        block.set_width(width)
        block.resize(width, block.height())
        return block.grab().toImage()

    narrow = picture(natural)
    for width in (natural + 14, natural + 100):
        wide = picture(width)
        assert block.height() == height
        # the same pixels where the narrow block has any; nothing wraps or moves
        assert wide.copy(0, 0, narrow.width(), narrow.height()) == narrow
    # narrower than its lines, it wraps and grows
    block.set_width(natural // 2)
    assert block.height() == block.height_at(natural // 2) > height


def test_the_card_texts_keep_their_width_when_the_scroll_bar_comes_and_goes(card, xor):
    """Room for the bar is kept whether it shows or not, so a stop that brings the bar
    does not lay the equation out again at a narrower width."""
    steps, checks = xor
    card.resize(420, 300)
    bar = card.scroll_area().verticalScrollBar()
    widths, shown = set(), set()
    for step in steps:
        card.show_step(step, checks)
        QtWidgets.QApplication.sendPostedEvents()
        shown.add(bar.isVisible())
        widths.update(block.maximumWidth() for block in card.findChildren(TextBlock))
    assert shown == {True, False}
    (width,) = widths
    assert width == 420 - bar.sizeHint().width() - 12

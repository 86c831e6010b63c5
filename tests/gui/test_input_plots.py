"""The plots over the input plane: decision boundary, hidden space, unit maps.

Expected values come from the engine (Network.forward on the grid or the data, with
the session's parameters at the stop), never from the plot; what is checked is what
the plot's items hold (the ImageItem's image, the scatter items' points and brushes,
the contour's segments), so a plot that drew the wrong array would fail.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.debugger import Session
from bpdebugger.engine.grid import InputGrid, evaluate
from bpdebugger.engine.network import Network
from bpdebugger.engine.session import parse_session
from bpdebugger.gui.plots.boundary_plot import BoundaryPlot, class_rgb
from bpdebugger.gui.plots.hidden_space_plot import HiddenSpacePlot, mesh_points
from bpdebugger.gui.plots.plot_base import class_colours
from bpdebugger.gui.plots.plot_contour import contour_segments
from bpdebugger.gui.plots.plot_svg import close_paths_explicitly
from bpdebugger.gui.plots.unit_maps_plot import MAX_UNITS, UnitMapsPlot
from bpdebugger.gui.qt_session import QtSession

PLOTS = (BoundaryPlot, HiddenSpacePlot, UnitMapsPlot)


# --- sessions -----------------------------------------------------------------------------


def generated(
    dataset: str,
    sizes: list[int],
    activations: list[str],
    loss: str,
    *,
    n: int = 80,
    batch_size: int = 4,
    **data: Any,
) -> Session:
    return Session(
        parse_session(
            {
                "format": "bpdebugger-session/1",
                "network": {"sizes": sizes, "activations": activations, "loss": loss},
                "init": {"scheme": "xavier", "seed": 0},
                "training": {"learning_rate": 0.5, "batch_size": batch_size, "shuffle": True},
                "data": {
                    "dataset": dataset,
                    "n": n,
                    "seed": 3,
                    "noise": 0.1,
                    "test_fraction": 0.25,
                    **data,
                },
            }
        )
    )


def circles() -> Session:
    return generated("circles", [2, 4, 1], ["tanh", "sigmoid"], "bce")


def spiral() -> Session:
    return generated("spiral", [2, 6, 3], ["tanh", "softmax"], "cross_entropy", n=90, classes=3)


def three_inputs() -> Session:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(24, 3)) + np.array([0.0, 5.0, -2.0])
    y = (x[:, 0] + x[:, 2] > -2.0).astype(int)
    return Session(
        parse_session(
            {
                "format": "bpdebugger-session/1",
                "network": {"sizes": [3, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce"},
                "data": {"x": x.tolist(), "y": y.tolist()},
            }
        )
    )


def show(qtbot, plot: QtWidgets.QWidget, size: tuple[int, int] = (480, 400)) -> Any:
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


def make(qtbot, cls: type, session: Session) -> Any:
    return show(qtbot, cls(QtSession(session)))


def net_now(session: Session) -> Network:
    spec = session.spec
    return Network(spec.sizes, spec.activations, spec.loss, session.params())


def expected_output(session: Session, grid: InputGrid) -> np.ndarray:
    """ŷ on the grid's points, straight from Network.forward (not through evaluate)."""
    a_L = net_now(session).output(np.array(grid.points))
    return a_L.reshape(-1, *grid.shape)


def scatter_xy(item: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getData()
    return np.asarray(x), np.asarray(y)


def brush_colours(item: Any) -> list[str]:
    return [b.color().name() for b in item.data["brush"]]


def go_to_update(qt: QtSession) -> None:
    """From anywhere in an iteration: on to the next update stop."""
    while qt.session.current is None or qt.session.current.phase != "update":
        qt.step_into()


# --- decision boundary: the image ---------------------------------------------------------


def test_boundary_image_is_the_network_output_on_the_grid(qtbot):
    plot = make(qtbot, BoundaryPlot, Session.from_demo("xor"))
    grid = plot.grid
    assert grid.shape == (200, 200)
    image = plot.image.image
    assert image.shape == grid.shape
    np.testing.assert_allclose(image, expected_output(plot.session, grid)[0], rtol=0, atol=1e-15)
    # row-major: row i is y = ys[i], column j is x = xs[j]; the image covers the grid
    rect = plot.image.mapRectToParent(plot.image.boundingRect())
    dx, dy = grid.step
    assert rect.left() == pytest.approx(grid.x_range[0] - dx / 2)
    assert rect.bottom() == pytest.approx(grid.y_range[1] + dy / 2)
    assert plot.colour_bar.levels() == (0.0, 1.0)
    assert plot.image.isVisible() and not plot.class_image.isVisible()


def test_forward_stops_do_not_redraw_and_an_update_stop_does(qtbot):
    plot = make(qtbot, BoundaryPlot, Session.from_demo("xor"))
    qt = plot.qt
    before, redraws = plot.image.image.copy(), plot.redraws
    for _ in range(10):  # the whole forward and backward pass: no parameter changes
        qt.step_into()
    assert qt.session.current.phase == "backward"
    assert plot.redraws == redraws
    np.testing.assert_array_equal(plot.image.image, before)

    moved = []
    plot.ring.sigPlotChanged.connect(moved.append)
    qt.step_into()  # update W[3]
    assert (qt.session.current.phase, qt.session.current.node) == ("update", "W[3]")
    assert plot.redraws == redraws + 1
    assert not np.array_equal(plot.image.image, before)
    assert moved == []  # the same batch: the ring stays, its plot repaints only the image
    # no test set: its empty item is hidden, not painted at every redraw
    assert len(plot.session.spec.dataset.x_test) == 0 and not plot.test_points.isVisible()
    np.testing.assert_allclose(plot.image.image, expected_output(qt.session, plot.grid)[0])


def test_edit_restart_and_the_end_of_a_run_redraw(qtbot):
    plot = make(qtbot, BoundaryPlot, Session.from_demo("xor"))
    qt = plot.qt
    start = plot.image.image.copy()
    qt.step_into()
    redraws = plot.redraws
    assert qt.edit("W[3]", (0, 0), 3.0)
    assert plot.redraws == redraws + 1
    np.testing.assert_allclose(plot.image.image, expected_output(qt.session, plot.grid)[0])

    qt.restart()
    np.testing.assert_array_equal(plot.image.image, start)

    qt.continue_()
    qtbot.waitUntil(lambda: qt.session.position[0] > 30, timeout=5000)
    qt.pause()
    assert not qt.running
    np.testing.assert_allclose(plot.image.image, expected_output(qt.session, plot.grid)[0])


def test_a_run_leaves_redraws_to_the_windows_frames(qtbot):
    plot = make(qtbot, BoundaryPlot, Session.from_demo("xor"))
    qt = plot.qt
    before = plot.redraws
    qt.continue_()
    qtbot.wait(300)
    assert qt.running
    assert qt.session.position[0] > 30  # many slices ran
    assert plot.redraws == before  # not per slice: the window's frames drive it
    plot.refresh_if_dirty()  # what a frame does
    assert plot.redraws == before + 1
    qt.pause()


def test_boundary_contour_is_the_half_level_line(qtbot):
    plot = make(qtbot, BoundaryPlot, circles())
    plot.qt.session.continue_(max_iterations=300)
    assert plot.contour.level == 0.5
    x, y = plot.contour.getData()
    assert len(x) > 10 and len(x) % 2 == 0  # segments as pairs of points
    points = np.vstack([x, y])
    # On the line the network says ½, up to the linear interpolation between grid points.
    np.testing.assert_allclose(net_now(plot.session).output(points)[0], 0.5, atol=0.01)


def test_contour_segments_follow_the_level_set_and_split_saddles():
    xs = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(xs, xs)
    x, y = contour_segments(X**2 + Y**2, xs, xs, 1.0)
    np.testing.assert_allclose(np.hypot(x, y), 1.0, atol=2e-3)
    # bottom-left and top-right above: the centre (0.5) joins them; br and tl are cut off
    x, y = contour_segments(
        np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1.0]), np.array([0, 1.0]), 0.5
    )
    starts = zip(x[::2], y[::2], strict=True)
    ends = zip(x[1::2], y[1::2], strict=True)
    segments = sorted(zip(starts, ends, strict=True))
    assert segments == [((0.0, 0.5), (0.5, 1.0)), ((0.5, 0.0), (1.0, 0.5))]
    # non-finite values cross nothing
    v = X**2 + Y**2
    v[:, :40] = np.nan
    x, y = contour_segments(v, xs, xs, 1.0)
    assert np.isfinite(x).all() and (x >= -0.1).all()


# --- decision boundary: points, ring, classes, features -----------------------------------


def test_scatter_items_hold_the_training_and_test_points_in_label_colours(qtbot):
    plot = make(qtbot, BoundaryPlot, circles())
    data = plot.session.spec.dataset
    assert len(data.x_test) > 0
    # each point in its class's colour, a shade darker than the region it labels
    blue, red = (c.darker(150).name() for c in class_colours(2))
    for item, x, y in (
        (plot.train_points, data.x, data.y),
        (plot.test_points, data.x_test, data.y_test),
    ):
        px, py = scatter_xy(item)
        np.testing.assert_array_equal(px, x[:, 0])
        np.testing.assert_array_equal(py, x[:, 1])
        assert brush_colours(item) == [red if label == 1 else blue for label in y]
    assert plot.train_points.opts["symbol"] != plot.test_points.opts["symbol"]


def test_the_ring_moves_with_the_batch(qtbot):
    plot = make(qtbot, BoundaryPlot, circles())
    qt = plot.qt
    seen = []
    for _ in range(3):
        qt.step_out()  # on through the phases: each iteration has a new shuffled batch
        qt.step_out()
        qt.step_out()
        batch = qt.session.batch
        rx, ry = scatter_xy(plot.ring)
        np.testing.assert_array_equal(rx, batch.x[0])
        np.testing.assert_array_equal(ry, batch.x[1])
        assert len(rx) == len(batch) == 4
        seen.append(tuple(batch.indices))
    assert len(set(seen)) == 3


def test_softmax_regions_take_the_arg_max_class_colour(qtbot):
    plot = make(qtbot, BoundaryPlot, spiral())
    plot.qt.session.continue_(max_iterations=400)
    assert plot.multi and plot.class_image.isVisible() and not plot.image.isVisible()
    assert not plot.colour_bar.isVisible()
    p = expected_output(plot.session, plot.grid)
    rgb = plot.class_image.image
    assert rgb.shape == (*plot.grid.shape, 3) and rgb.dtype == np.uint8
    colours = class_colours(3)
    np.testing.assert_array_equal(rgb, class_rgb(p, colours))
    # independently: each pixel is nearest (in hue direction) to its arg-max class colour
    palette = np.array([c.getRgb()[:3] for c in colours], dtype=float)
    paper = np.array([247.0, 247.0, 247.0])
    towards = (rgb.astype(float) - paper) / np.linalg.norm(
        rgb.astype(float) - paper, axis=-1, keepdims=True
    )
    directions = (palette - paper) / np.linalg.norm(palette - paper, axis=-1, keepdims=True)
    nearest = np.einsum("ijc,kc->ijk", towards, directions).argmax(axis=-1)
    np.testing.assert_array_equal(nearest, p.argmax(axis=0))
    # the colour's strength grows with the confidence, from a toss-up (⅓) to certainty
    conf = p.max(axis=0)
    strength = (
        np.linalg.norm(rgb.astype(float) - paper, axis=-1)
        / np.linalg.norm(palette - paper, axis=-1)[p.argmax(axis=0)]
    )
    assert conf.max() - conf.min() > 0.3
    assert np.corrcoef(strength.ravel(), conf.ravel())[0, 1] > 0.99
    # the lines between classes run where the arg-max changes
    x, y = plot.contour.getData()
    assert len(x) > 0
    probs = net_now(plot.session).output(np.vstack([x, y]))
    top2 = np.sort(probs, axis=0)[-2:]
    np.testing.assert_allclose(top2[1] - top2[0], 0.0, atol=0.05)


def test_a_feature_pair_chooser_for_more_than_two_inputs(qtbot):
    plot = make(qtbot, BoundaryPlot, three_inputs())
    data = plot.session.spec.dataset
    assert plot.controls.isVisible()
    assert plot.grid.features == (0, 1)
    plot.feature_y.setCurrentIndex(2)
    assert plot.grid.features == (0, 2)
    _, ring_y = scatter_xy(plot.ring)  # the ring moves to the new plane
    np.testing.assert_array_equal(ring_y, plot.session.batch.x[2])
    means = data.x.mean(axis=0)
    np.testing.assert_allclose(plot.grid.points[1], means[1])  # x₂ held at its mean
    _, py = scatter_xy(plot.train_points)
    np.testing.assert_array_equal(py, data.x[:, 2])
    np.testing.assert_allclose(plot.image.image, expected_output(plot.session, plot.grid)[0])
    assert "x₂" in plot.held_label.text()
    # choosing the other axis's feature swaps the two
    plot.feature_x.setCurrentIndex(2)
    assert plot.grid.features == (2, 0)


def test_two_inputs_have_no_feature_chooser(qtbot):
    plot = make(qtbot, BoundaryPlot, Session.from_demo("xor"))
    assert not plot.controls.isVisible()


def test_a_new_session_rebuilds_the_plot(qtbot):
    plot = make(qtbot, BoundaryPlot, Session.from_demo("xor"))
    plot.qt.replace(spiral())
    assert plot.multi and plot.class_image.isVisible()
    np.testing.assert_array_equal(
        plot.class_image.image,
        class_rgb(expected_output(plot.session, plot.grid), class_colours(3)),
    )
    assert len(scatter_xy(plot.train_points)[0]) == len(plot.session.spec.dataset.x)


@pytest.mark.parametrize("cls", [BoundaryPlot, HiddenSpacePlot, UnitMapsPlot])
def test_a_diverged_network_draws_without_warnings(qtbot, monkeypatch, cls):
    """Parameters gone to inf and NaN (a blow-up the non-finite breakpoint reports) still
    draw: grey or empty where the values are not numbers, and no warning."""
    session = Session.from_demo("xor")
    plot = make(qtbot, cls, session)
    params = session.params()
    params["W[2]"] = np.array([[np.inf, -np.inf], [np.nan, 1.0]])
    params["b[3]"] = np.array([np.inf])
    monkeypatch.setattr(session, "params", lambda: params)
    plot.refresh()
    assert plot.redraws == 2
    if cls is BoundaryPlot:
        assert np.isnan(plot.image.image).any()
        x, y = plot.contour.getData()
        assert np.isfinite(x).all() and np.isfinite(y).all()
    plot.grab()  # and paints
    # all of it gone: nothing left to draw but the axes
    monkeypatch.setattr(session, "params", lambda: {k: v * np.nan for k, v in params.items()})
    plot.refresh()
    assert plot.redraws == 3
    plot.grab()


# --- hidden space ---------------------------------------------------------------------------


def test_hidden_points_are_the_hidden_activations_of_the_data(qtbot):
    plot = make(qtbot, HiddenSpacePlot, Session.from_demo("xor"))
    qt = plot.qt
    qt.session.continue_(max_iterations=200)
    data = plot.session.spec.dataset
    net = net_now(plot.session)
    a2 = net.forward(np.ascontiguousarray(data.x.T))[1][2]
    px, py = scatter_xy(plot.train_points)
    np.testing.assert_allclose(px, a2[0])
    np.testing.assert_allclose(py, a2[1])
    # the ring: the current sample's hidden activations
    ring = net.forward(np.array(qt.session.batch.x))[1][2]
    rx, ry = scatter_xy(plot.ring)
    np.testing.assert_allclose(np.vstack([rx, ry]), ring)
    assert not plot.controls.isVisible()  # one hidden layer of two units: nothing to choose


def test_the_output_line_is_where_the_output_logit_is_zero(qtbot):
    plot = make(qtbot, HiddenSpacePlot, Session.from_demo("xor"))
    plot.qt.session.continue_(max_iterations=50)
    net = net_now(plot.session)
    x, y = plot.line.getData()
    assert len(x) == 2 and plot.line.isVisible()
    z = net.W[3] @ np.vstack([x, y]) + net.b[3][:, None]
    np.testing.assert_allclose(z, 0.0, atol=1e-9)  # σ(z) = ½ on the line
    # the background is ŷ over the hidden plane
    assert plot.background.isVisible()
    image = plot.background.image
    assert float(image.min()) >= 0.0 and float(image.max()) <= 1.0


def test_the_warped_mesh_is_the_input_grid_through_the_layer(qtbot):
    plot = make(qtbot, HiddenSpacePlot, Session.from_demo("xor"))
    spec = plot.session.spec
    grid = InputGrid.around(spec.dataset.x, resolution=2)
    mesh = mesh_points(grid)
    a2 = net_now(plot.session).forward(mesh)[1][2]
    mx, my = scatter_xy(plot.mesh_x)
    finite = np.isfinite(mx)
    half = mesh.shape[1] // 2
    np.testing.assert_allclose(mx[finite], a2[0, :half])
    np.testing.assert_allclose(my[finite], a2[1, :half])
    assert np.isnan(mx).sum() > 5  # broken between lines


def test_wide_and_deep_networks_get_layer_and_unit_choosers(qtbot):
    session = generated("moons", [2, 5, 3, 1], ["relu", "tanh", "sigmoid"], "bce")
    plot = make(qtbot, HiddenSpacePlot, session)
    assert plot.controls.isVisible() and plot.layer_choice.isVisible()
    assert plot.layer == 3 and plot.unit_x.isVisible()
    assert not plot.line.isVisible()  # 3 units, 2 shown: the output's line is not in this plane
    assert "cannot be drawn" in plot.note.text()
    plot.unit_y.setCurrentIndex(2)
    assert plot.units == (0, 2)
    net = net_now(plot.session)
    a3 = net.forward(np.ascontiguousarray(plot.session.spec.dataset.x.T))[1][3]
    px, py = scatter_xy(plot.train_points)
    np.testing.assert_allclose(px, a3[0])
    np.testing.assert_allclose(py, a3[2])
    plot.layer_choice.setCurrentIndex(0)
    assert plot.layer == 2
    assert "feeds another hidden layer" in plot.note.text()
    a2 = net.forward(np.ascontiguousarray(plot.session.spec.dataset.x.T))[1][2]
    np.testing.assert_allclose(scatter_xy(plot.train_points)[0], a2[0])


def test_no_hidden_layer_says_so(qtbot):
    session = generated("linear", [2, 1], ["sigmoid"], "bce")
    plot = make(qtbot, HiddenSpacePlot, session)
    assert "no hidden layer" in plot.note.text()
    assert not plot.graphics.isVisible()


# --- unit maps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session", "count"),
    [
        (lambda: Session.from_demo("xor"), 2),
        (circles, 4),
        (lambda: generated("moons", [2, 5, 3, 1], ["relu", "tanh", "sigmoid"], "bce"), 8),
    ],
)
def test_one_map_per_hidden_unit_showing_its_activation(qtbot, session, count):
    plot = make(qtbot, UnitMapsPlot, session())
    assert len(plot.maps) == count
    values = evaluate(net_now(plot.session), plot.grid)
    for m in plot.maps:
        np.testing.assert_array_equal(m.image.image, values.hidden[m.l][m.i])
    assert "first" not in plot.note.text()


def test_wide_layers_show_the_first_units_and_say_so(qtbot):
    session = generated("circles", [2, 40, 1], ["tanh", "sigmoid"], "bce")
    plot = make(qtbot, UnitMapsPlot, session)
    assert len(plot.maps) == MAX_UNITS
    assert f"first {MAX_UNITS} of 40" in plot.note.text()


def test_tanh_maps_are_centred_at_zero_and_sigmoid_maps_run_from_zero(qtbot):
    session = generated("moons", [2, 2, 2, 1], ["tanh", "sigmoid", "sigmoid"], "bce")
    plot = make(qtbot, UnitMapsPlot, session)
    assert plot.bars[2].levels() == (-1.0, 1.0)
    assert plot.bars[3].levels() == (0.0, 1.0)


def test_clicking_a_map_shows_it_large_and_esc_goes_back(qtbot):
    plot = make(qtbot, UnitMapsPlot, circles())
    target = plot.maps[2]
    view = plot.thumbs
    centre = view.mapFromScene(target.view.sceneBoundingRect().center())
    qtbot.mouseClick(view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=centre)
    assert plot.shown == (target.l, target.i)
    assert plot.stack.currentWidget() is plot.large
    values = evaluate(net_now(plot.session), plot.large_grid)
    np.testing.assert_array_equal(plot.large_image.image, values.hidden[target.l][target.i])
    assert plot.large_bar.levels() == plot.bars[target.l].levels()
    qtbot.keyClick(plot, QtCore.Qt.Key.Key_Escape)
    assert plot.shown is None and plot.stack.currentWidget() is plot.thumbs
    plot.show_unit(2, 0)
    large = plot.large
    qtbot.mouseClick(large.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=large.rect().center())
    assert plot.shown is None


# --- all three: export, context menu, zoom, hidden panels -----------------------------------


@pytest.mark.parametrize("cls", PLOTS)
def test_export_writes_a_png_of_the_plot_and_an_svg_that_parses(qtbot, tmp_path, cls):
    plot = make(qtbot, cls, Session.from_demo("xor"))
    plot.export(tmp_path / "plot.png")
    image = QtGui.QImage(str(tmp_path / "plot.png"))
    assert not image.isNull()
    graphics = plot.thumbs if cls is UnitMapsPlot else plot.graphics
    assert (image.width(), image.height()) == (graphics.width(), graphics.height())
    # not blank: the heatmap and points give many colours
    pixels = np.array(
        [image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)]
    )
    assert len(np.unique(pixels)) > 20
    plot.export(tmp_path / "plot.svg")
    root = ET.parse(tmp_path / "plot.svg").getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 20
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        plot.export(tmp_path / "plot.gif")


@pytest.mark.parametrize("cls", PLOTS)
def test_the_context_menu_offers_export(qtbot, cls):
    plot = make(qtbot, cls, Session.from_demo("xor"))
    scene = plot.thumbs.scene() if cls is UnitMapsPlot else plot.graphics.scene()
    assert any(action.text() == "Export..." for action in scene.contextMenu)


def test_svg_closed_paths_become_lines_back_to_the_start():
    d = "M0,0 L4,0 L4,3 Z M5,5 C6,6 7,7 8,8 Z"
    assert close_paths_explicitly(d) == "M0,0 L4,0 L4,3 L0,0 M5,5 C6,6 7,7 8,8 L5,5"


@pytest.mark.parametrize("cls", PLOTS)
def test_zoom_scales_the_fonts(qtbot, cls):
    plot = make(qtbot, cls, Session.from_demo("xor"))
    axis_plot = plot.large_plot if cls is UnitMapsPlot else plot.plot
    base = QtWidgets.QApplication.font().pointSizeF()
    plot.set_zoom(1.5)
    assert plot.zoom() == 1.5
    tick_font = axis_plot.getAxis("bottom").style["tickFont"]
    assert tick_font.pointSizeF() == pytest.approx(base * 1.5)
    for label in plot.findChildren(QtWidgets.QLabel):
        assert label.font().pointSizeF() == pytest.approx(base * 1.5)


@pytest.mark.parametrize("cls", PLOTS)
def test_a_hidden_plot_catches_up_when_shown(qtbot, cls):
    qt = QtSession(Session.from_demo("xor"))
    plot = cls(qt)
    qtbot.addWidget(plot)
    qt.step_out()
    qt.step_out()
    qt.step_into()  # an update stop, while the plot is hidden
    assert plot.redraws == 0
    plot.resize(400, 300)
    plot.show()
    qtbot.waitExposed(plot)
    assert plot.redraws == 1
    net = plot.net
    assert math.isclose(float(net.W[3][0, 0]), float(qt.session.params()["W[3]"][0, 0]))

"""The loss and gradient-norm plots: they show the session's metrics, follow its position,
survive a diverged run and a long one, switch scale, export, and thin long curves right."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from helpers import contrast
from hypothesis import given
from hypothesis import strategies as st
from PySide6 import QtCore, QtGui, QtWidgets

from bpdebugger.debugger import Session
from bpdebugger.engine.session import parse_session
from bpdebugger.gui import theme
from bpdebugger.gui.plots.loss_plot import (
    FEWEST_ITERATIONS,
    HUGE,
    ROUND_MANTISSAS,
    LossPlot,
    decimate,
    plottable,
    snapped_range,
)
from bpdebugger.gui.plots.norms_plot import NormsPlot
from bpdebugger.gui.qt_session import QtSession
from bpdebugger.gui.views.network_text import fmt_long

SIZE = (720, 380)


def generated(sizes, activations, loss, lr, **data) -> Session:
    """A seeded network on a generated two-feature set (with a test share)."""
    return Session(
        parse_session(
            {
                "format": "bpdebugger-session/1",
                "network": {"sizes": sizes, "activations": activations, "loss": loss},
                "init": {"scheme": "xavier", "seed": 1},
                "training": {"learning_rate": lr, "batch_size": 8},
                "data": {"dataset": "moons", "n": 100, "test_fraction": 0.2, "seed": 2, **data},
            }
        )
    )


def deep_sigmoid() -> Session:
    return generated([2, 8, 8, 8, 8, 1], ["sigmoid"] * 5, "bce", 0.5)


def diverging() -> Session:
    """Identity output, squared error, learning rate 50: inf and NaN within 100 iterations."""
    return generated([2, 4, 1], ["tanh", "identity"], "squared_error", 50.0)


@pytest.fixture
def qt():
    q = QtSession(Session.from_demo("xor"))
    yield q
    q.pause()


def shown(qtbot, plot):
    qtbot.addWidget(plot)
    plot.resize(*SIZE)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


@pytest.fixture
def loss_plot(qt, qtbot) -> LossPlot:
    return shown(qtbot, LossPlot(qt))


@pytest.fixture
def norms_plot(qt, qtbot) -> NormsPlot:
    return shown(qtbot, NormsPlot(qt))


def data(curve) -> tuple[np.ndarray, np.ndarray]:
    """What the curve was given (before pyqtgraph's log mapping)."""
    x, y = curve.getOriginalDataset()
    return (np.empty(0), np.empty(0)) if x is None else (x, y)


def visible_curves(plot: NormsPlot) -> list:
    return [c for c in plot.curves if c.isVisible()]


def legend_names(plot) -> list[str]:
    return [label.text for _, label in plot.legend.items]


# --- what the plots show ----------------------------------------------------------------


def test_the_loss_curve_ends_at_the_sessions_last_loss(qt, loss_plot):
    qt.session.continue_(max_iterations=400)
    loss_plot.refresh()
    metrics = qt.session.metrics
    # pyqtgraph's displayed data is log10 of the loss on the default log scale
    x, y = loss_plot.iteration_curve.getData()
    assert x[-1] == 400
    assert 10 ** y[-1] == pytest.approx(metrics.loss[-1], rel=1e-12)
    # a short run is handed over whole: every iteration's loss, as recorded
    x, y = data(loss_plot.iteration_curve)
    np.testing.assert_array_equal(x, np.arange(1, 401))
    np.testing.assert_array_equal(y, metrics.loss)


def test_the_epoch_curve_has_a_point_per_completed_epoch(qt, loss_plot):
    qt.session.continue_(max_iterations=402)  # 100 epochs of 4 and two iterations over
    loss_plot.refresh()
    metrics = qt.session.metrics
    x, y = data(loss_plot.epoch_curve)
    assert len(y) == len(metrics.epoch) == 100
    np.testing.assert_array_equal(y, metrics.epoch_loss)
    assert x[0] == 2.5 and x[-1] == 398.5  # each at the middle of its four iterations


def test_accuracy_is_in_percent_after_the_evaluated_epochs(qt, loss_plot):
    qt.session.continue_(max_iterations=400)
    loss_plot.refresh()
    metrics = qt.session.metrics
    x, y = data(loss_plot.train_accuracy_curve)
    np.testing.assert_array_equal(y, 100 * metrics.train_accuracy)
    np.testing.assert_array_equal(x, 4 * metrics.evaluated_epoch)  # an epoch's last iteration
    assert not loss_plot.plot_item.getAxis("right").logMode


def test_test_curves_only_with_a_test_set(qt, loss_plot):
    assert not loss_plot.test_curve.isVisible()
    assert "test loss" not in legend_names(loss_plot)
    qt.replace(deep_sigmoid())
    qt.session.continue_(max_iterations=200)
    loss_plot.refresh()
    metrics = qt.session.metrics
    assert loss_plot.test_curve.isVisible()
    assert "test loss" in legend_names(loss_plot)
    np.testing.assert_array_equal(data(loss_plot.test_curve)[1], metrics.test_loss)
    np.testing.assert_array_equal(
        data(loss_plot.test_accuracy_curve)[1], 100 * metrics.test_accuracy
    )


def test_the_norms_plot_has_a_curve_per_layer_with_the_sessions_norms(qt, norms_plot):
    qt.session.continue_(max_iterations=400)
    norms_plot.set_log(False)
    norms = qt.session.metrics.grad_norm
    assert len(visible_curves(norms_plot)) == norms.shape[1] == 2
    assert legend_names(norms_plot) == ["W[2]", "W[3]"]
    for j, curve in enumerate(norms_plot.curves):
        np.testing.assert_array_equal(data(curve)[1], norms[:, j])
    # On the log scale a norm of exactly 0 cannot be drawn (W[2]'s, for the input
    # (0, 0)): those iterations are left out, the others kept.
    norms_plot.set_log(True)
    column = norms[:, 0]
    assert (column == 0).any()
    np.testing.assert_array_equal(data(norms_plot.curves[0])[1], column[column > 0])


def test_a_deeper_session_gets_a_curve_per_layer_and_back(qt, norms_plot):
    first_curves = list(norms_plot.curves)
    qt.replace(deep_sigmoid())
    qt.session.continue_(max_iterations=50)
    norms_plot.refresh()
    assert len(visible_curves(norms_plot)) == 5
    assert legend_names(norms_plot) == ["W[2]", "W[3]", "W[4]", "W[5]", "W[6]"]
    assert norms_plot.curves[:2] == first_curves  # reused, not re-created
    qt.replace(Session.from_demo("xor"))
    norms_plot.refresh()
    assert len(visible_curves(norms_plot)) == 2
    assert legend_names(norms_plot) == ["W[2]", "W[3]"]


@pytest.fixture
def dark_palette():
    """The application in the dark theme's palette while the test runs."""

    def use(palette: QtGui.QPalette) -> None:
        QtWidgets.QApplication.setPalette(palette)
        QtWidgets.QApplication.processEvents()  # Qt posts the change to each widget

    yield lambda: use(theme.DARK.palette())
    use(QtGui.QPalette())


def test_every_layers_curve_reads_on_the_light_and_the_dark_paper(qt, norms_plot, dark_palette):
    qt.replace(generated([2] + [6] * 8 + [1], ["tanh"] * 8 + ["sigmoid"], "bce", 0.1))
    norms_plot.refresh()
    assert len(visible_curves(norms_plot)) == 9

    def trend_colours() -> list[QtGui.QColor]:
        return [trend.opts["pen"].color() for trend in norms_plot.trends]

    def check(scheme: theme.Scheme) -> None:
        assert theme.scheme() is scheme
        colours = trend_colours()
        for j, colour in enumerate(colours):
            assert contrast(colour, scheme.paper) >= 2, (scheme.name, j, colour.name())
        # Seven colours, told apart; the eighth layer is the first again, dashed.
        assert len({c.name() for c in colours[:7]}) == 7
        assert colours[7] == colours[0]
        assert norms_plot.trends[7].opts["pen"].style() == QtCore.Qt.PenStyle.DashLine
        # Each raw band is a paler shade of its trend: between it and the paper.
        for trend, raw in zip(norms_plot.trends, norms_plot.curves, strict=True):
            paper_distance = contrast(raw.opts["pen"].color(), scheme.paper)
            assert 1 < paper_distance < contrast(trend.opts["pen"].color(), scheme.paper)

    check(theme.LIGHT)
    dark_palette()
    check(theme.DARK)
    assert trend_colours()[6] == theme.DARK.ink  # Okabe–Ito's black, as the theme's ink
    # The legend's samples draw with the curves' own pens, in the new colours too.
    samples = [sample.item for sample, _label in norms_plot.legend.items]
    assert samples[:9] == norms_plot.trends[:9]


def test_the_loss_plots_curves_follow_the_theme(loss_plot, dark_palette):
    for scheme in (theme.LIGHT, theme.DARK):
        if scheme is theme.DARK:
            dark_palette()
        pale = loss_plot.iteration_curve.opts["pen"].color()
        bold = loss_plot.epoch_curve.opts["pen"].color()
        assert bold == QtGui.QColor("#0072B2")
        # The per-iteration curve recedes behind the epoch means, on either paper.
        assert 1.2 < contrast(pale, scheme.paper) < contrast(bold, scheme.paper), scheme.name


def test_the_marker_follows_the_position(qt, qtbot, loss_plot, norms_plot, monkeypatch):
    qt.session.continue_(max_iterations=400)
    for plot in (loss_plot, norms_plot):
        assert plot.marker.value() == qt.session.position[0] == 400
    redraws = []
    monkeypatch.setattr(loss_plot, "_mark_dirty", lambda: redraws.append("asked"))
    qt.step_into()  # the first stop of iteration 401: the marker moves on the signal
    monkeypatch.undo()
    for plot in (loss_plot, norms_plot):
        assert plot.marker.value() == qt.session.position[0] == 401
    # and the readout with it (iteration 401 is not complete yet); the curves, whose
    # metrics did not change, are not asked to be drawn again
    assert loss_plot.readout.text().startswith("iteration 401: loss –")
    assert redraws == []
    qt.step_back()
    qt.step_back()  # the last stop of iteration 400, its loss recorded
    expected = f"iteration 400: loss {fmt_long(qt.session.metrics.loss[-1])}"
    qtbot.waitUntil(lambda: loss_plot.readout.text().startswith(expected))
    assert norms_plot.marker.value() == 400


def test_a_curve_of_one_point_shows_it_as_a_dot(qt, qtbot, loss_plot):
    """After the first iteration the loss is one point, which a line cannot draw: it is
    a dot until a second point makes a line."""
    curve = loss_plot.iteration_curve
    assert curve.opts["symbol"] is None
    qt.session.continue_(max_iterations=1)
    qtbot.waitUntil(lambda: len(data(curve)[1]) == 1)
    assert curve.opts["symbol"] == "o"
    image = loss_plot.view.grab().toImage()  # the plot and its legend
    area = loss_plot.plot_item.vb.sceneBoundingRect().toRect()  # inside the axes
    colour = curve.opts["pen"].color().rgb()
    dot = [
        (x, y)
        for x in range(area.left(), area.right())
        for y in range(area.top(), area.bottom())
        if image.pixel(x, y) == colour
    ]
    assert len(dot) > 10  # a dot in the curve's colour, not a line of nothing
    qt.session.continue_(max_iterations=1)
    qtbot.waitUntil(lambda: len(data(curve)[1]) == 2)
    assert curve.opts["symbol"] is None


def test_an_iterations_end_redraws_only_the_curves_whose_points_moved(qt, qtbot, loss_plot):
    """XOR one sample at a time: an epoch is four iterations. The end of iteration 9
    adds a loss point; the epoch mean and the accuracy wait for the end of epoch 3, so
    their curves are not given their same points again."""
    qt.session.continue_(max_iterations=8)
    qtbot.waitUntil(lambda: len(data(loss_plot.iteration_curve)[1]) == 8)
    changed = []
    for curve in (loss_plot.iteration_curve, loss_plot.epoch_curve):
        curve.sigPlotChanged.connect(changed.append)
    for _ in range(len(qt.session.stops)):
        qt.step_into()  # through iteration 9, whose last stop records its loss
    # one refresh sets every curve whose points moved: once it has set the loss curve,
    # the epoch curve's turn has passed
    qtbot.waitUntil(lambda: len(data(loss_plot.iteration_curve)[1]) == 9)
    assert changed == [loss_plot.iteration_curve]
    epoch_x, _ = data(loss_plot.epoch_curve)
    assert len(epoch_x) == 2  # epochs 1 and 2, as before


def test_signals_bring_the_plots_up_to_date_without_a_call(qt, qtbot, loss_plot, norms_plot):
    qt.session.continue_(max_iterations=120)
    qtbot.waitUntil(lambda: len(data(loss_plot.iteration_curve)[1]) == 120)
    qtbot.waitUntil(lambda: len(data(norms_plot.curves[1])[1]) == 120)


def test_a_hidden_plot_waits_until_it_is_shown(qt, qtbot, loss_plot):
    loss_plot.hide()
    qt.session.continue_(max_iterations=50)
    qtbot.wait(20)
    assert len(data(loss_plot.iteration_curve)[1]) == 0  # nothing drawn while hidden
    loss_plot.show()
    qtbot.waitUntil(lambda: len(data(loss_plot.iteration_curve)[1]) == 50)


def test_restart_empties_the_curves(qt, qtbot, loss_plot):
    qt.session.continue_(max_iterations=100)
    loss_plot.refresh()
    qt.restart()
    qtbot.waitUntil(lambda: len(data(loss_plot.iteration_curve)[1]) == 0)


def test_during_a_run_the_plot_waits_for_the_windows_frames_then_catches_up(qt, qtbot, loss_plot):
    refreshes = []
    draw = loss_plot.refresh
    loss_plot.refresh = lambda: (refreshes.append(time.perf_counter()), draw())
    qt.speed = None
    qt.run()
    qtbot.wait(300)
    assert qt.session.position[0] > 100
    assert refreshes == []  # not per slice: the window's frames drive it (test_run_mode.py)
    loss_plot.refresh_if_dirty()  # what a frame does
    assert len(refreshes) == 1
    qt.pause()
    # paused: the plot catches up with where the run stopped
    last = qt.session.metrics.loss[-1]
    qtbot.waitUntil(lambda: data(loss_plot.iteration_curve)[1][-1] == last)
    assert loss_plot.marker.value() == qt.session.position[0]


# --- a diverged run, a long run ---------------------------------------------------------


@pytest.mark.parametrize("log", [True, False])
def test_a_diverging_run_shows_its_finite_points_only(qtbot, log):
    qt = QtSession(diverging())
    loss_plot = shown(qtbot, LossPlot(qt))
    norms_plot = shown(qtbot, NormsPlot(qt))
    qt.session.continue_(max_iterations=300)  # stops at the blow-up
    assert qt.session.stop_reason.kind == "nonfinite"
    qt.session.disable_breakpoint(qt.session.breakpoints[0])  # the NaN breakpoint
    qt.session.continue_(max_iterations=100)  # on, into NaN
    losses = qt.session.metrics.loss
    assert not np.isfinite(losses).all()
    for plot in (loss_plot, norms_plot):
        plot.set_log(log)
        plot.refresh()
        plot.grab()  # a paint: autorange and the axes see the extremes (~1e307)
    curves = [loss_plot.iteration_curve, loss_plot.epoch_curve, *visible_curves(norms_plot)]
    for curve in curves:
        x, y = curve.getData()
        assert len(y) and np.isfinite(x).all() and np.isfinite(y).all()
    # The finite ones, up to 1e250: this run's last finite loss, 1.7e307, would make the
    # log axis overflow (a RuntimeWarning inside a paint, which crashes the test).
    assert losses[np.isfinite(losses)].max() > 1e300
    low = 1 / HUGE if log else -HUGE
    with np.errstate(invalid="ignore"):
        keep = (losses >= low) & (losses <= HUGE)
    np.testing.assert_array_equal(data(loss_plot.iteration_curve)[1], losses[keep])


def test_a_long_run_is_thinned_to_the_width_of_the_plot(qt, loss_plot, norms_plot):
    qt.session.continue_(max_iterations=50_000)
    metrics = qt.session.metrics
    for plot in (loss_plot, norms_plot):
        plot.refresh()
        plot.view.viewport().repaint()
    width = loss_plot.plot_item.vb.width()
    x, y = data(loss_plot.iteration_curve)
    assert len(y) < 3 * width  # a min–max pair per pixel and the few points after
    assert x[-1] == 50_000 and y[-1] == metrics.loss[-1]  # it still ends at the last one
    assert y.max() == metrics.loss.max() and y.min() == metrics.loss.min()  # peaks kept
    trend = norms_plot.trends[1]
    assert len(data(trend)[1]) < width / 4
    assert len(data(norms_plot.curves[1])[1]) < 3 * width


def test_zoomed_in_only_the_visible_iterations_are_drawn(qt, qtbot, loss_plot):
    qt.session.continue_(max_iterations=20_000)
    loss_plot.refresh()
    loss_plot.plot_item.setXRange(1000, 1200, padding=0)
    qtbot.waitUntil(lambda: data(loss_plot.iteration_curve)[0][0] >= 999)
    x, y = data(loss_plot.iteration_curve)
    assert x[0] == 999 and x[-1] == 1201  # one point beyond each edge, none further
    np.testing.assert_array_equal(y, qt.session.metrics.loss[998:1201])
    loss_plot.plot_item.enableAutoRange()  # back to the whole run
    qtbot.waitUntil(lambda: data(loss_plot.iteration_curve)[0][-1] == 20_000)


# --- scale, export, zoom ----------------------------------------------------------------


def test_the_log_toggle_changes_the_axis_mode(qt, loss_plot):
    qt.session.continue_(max_iterations=100)
    loss_plot.refresh()
    left = loss_plot.plot_item.getAxis("left")
    assert loss_plot.log_box.isChecked() and left.logMode  # log by default
    loss_plot.log_box.click()
    assert not loss_plot.log_y() and not left.logMode
    y = loss_plot.iteration_curve.getData()[1]
    assert y[-1] == qt.session.metrics.loss[-1]  # linear: the loss itself
    loss_plot.plot_item.setLogMode(y=True)  # from the context menu's "Log Y"
    assert loss_plot.log_box.isChecked() and left.logMode
    assert not loss_plot.plot_item.getAxis("right").logMode  # accuracy stays linear


def test_the_norms_plot_is_log_scaled_by_default(norms_plot):
    assert norms_plot.log_y() and norms_plot.plot_item.getAxis("left").logMode


@pytest.mark.parametrize("make", [LossPlot, NormsPlot])
def test_export_to_png_and_svg(qt, qtbot, tmp_path, make):
    plot = shown(qtbot, make(qt))
    qt.session.continue_(max_iterations=200)
    plot.refresh()
    plot.export(tmp_path / "plot.png")
    plot.export(tmp_path / "plot.svg")
    png = (tmp_path / "plot.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    root = ET.parse(tmp_path / "plot.svg").getroot()
    assert root.tag.endswith("svg") and len(list(root.iter())) > 10
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        plot.export(tmp_path / "plot.jpg")


def test_zoom_scales_the_axis_fonts(loss_plot):
    axis = loss_plot.plot_item.getAxis("left")
    before = axis.style["tickFont"].pointSizeF()
    loss_plot.set_zoom(2.0)
    assert loss_plot.zoom() == 2.0
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(2 * before)


# --- the thinning -----------------------------------------------------------------------


def test_decimate_keeps_extremes_and_the_last_point():
    x = np.arange(1.0, 10_001.0)
    y = np.sin(x / 50.0) + 2.0
    y[1234] = 10.0  # one spike
    dx, dy = decimate(x, y, blocks=100)
    assert len(dy) < 2 * 100 + 100
    assert dy.max() == 10.0 and dy.min() == y.min()
    assert dx[-1] == x[-1] and dy[-1] == y[-1]
    assert np.all(np.diff(dx) >= 0)


def test_decimate_means_are_geometric_on_a_log_scale():
    x = np.arange(8.0)
    y = np.array([1.0, 100.0] * 4)
    dx, dy = decimate(x, y, blocks=3, method="mean", log=True)
    # three blocks of two, (1, 100) → 10 at their middles, then the last two's mean
    np.testing.assert_array_equal(dx, [1.0, 3.0, 5.0, 7.0])
    np.testing.assert_allclose(dy, [10.0, 10.0, 10.0, 10.0])
    # the end is a whole block's mean, whatever the phase of a periodic signal there
    # (here the ninth point alone would give 1; the last two give 10)
    dx, dy = decimate(np.arange(9.0), np.array([1.0, 100.0] * 4 + [1.0]), 4, "mean", True)
    np.testing.assert_array_equal(dx, [1.0, 3.0, 5.0, 7.0, 8.0])
    np.testing.assert_allclose(dy, 10.0)
    dy = decimate(x, y, blocks=3, method="mean", log=False)[1]
    np.testing.assert_allclose(dy[:3], 50.5)


def test_short_series_pass_through_untouched():
    x = np.arange(10.0)
    y = np.arange(10.0)
    dy = decimate(x, y, blocks=100)[1]
    assert np.shares_memory(dy, y) and len(dy) == 10


def test_plottable_leaves_out_what_a_scale_cannot_show():
    x = np.arange(5.0)
    y = np.array([1.0, np.nan, 0.0, np.inf, 2.0])
    np.testing.assert_array_equal(plottable(x, y, log=False)[1], [1.0, 0.0, 2.0])
    np.testing.assert_array_equal(plottable(x, y, log=True)[1], [1.0, 2.0])
    extreme = np.array([1e-300, 1e-5, -1e300, 1e5, 1e300])
    np.testing.assert_array_equal(plottable(x, extreme, log=True)[0], [1.0, 3.0])
    np.testing.assert_array_equal(plottable(x, extreme, log=False)[0], [0.0, 1.0, 3.0])
    clean = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert plottable(x, clean, log=True)[1] is clean  # no copy in the usual case


@given(
    st.floats(1.0, 1e7),
    st.floats(1.0, 1e7),
    st.floats(-1e250, 1e250),
    st.floats(0.0, 1e250),
    st.booleans(),
)
def test_the_snapped_range_holds_the_data_and_ends_at_round_values(x0, dx, y0, dy, log_x):
    x = (np.log10(x0), np.log10(x0 + dx)) if log_x else (x0, x0 + dx)
    (x_low, x_high), (y_low, y_high) = snapped_range(x, (y0, y0 + dy), log_x)
    assert x_low == x[0] and x_high >= x[1] and y_low <= y0 and y_high >= y0 + dy
    assert y_high > y_low
    if not log_x:
        mantissa = x_high / 10.0 ** np.floor(np.log10(x_high))
        assert x_high == x0 + FEWEST_ITERATIONS or np.isclose(mantissa, ROUND_MANTISSAS).any()
        assert x_high <= max(1.5 * (x0 + dx), x0 + FEWEST_ITERATIONS) * (1 + 1e-9)


def test_stepping_iteration_after_iteration_rarely_changes_the_loss_plots_range(qtbot):
    """Every change of a metric plot's range regenerates all its axes and grid lines: the
    range moves in round steps, not with every new iteration, and shows all the data."""
    from bpdebugger.gui.main_window import MainWindow

    window = MainWindow(Session.from_demo("xor"), remember_layout=False)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    plot = window.plots["loss"]
    changes = []
    plot.plot_item.vb.sigRangeChanged.connect(lambda *_: changes.append(1))
    for _ in range(100):
        window.session.step_out()  # forward, backward, update: one iteration a round
        window.session.step_out()
        window.session.step_out()
        window.qt.step_into()  # through the window: the plots refresh as after a click
        QtWidgets.QApplication.processEvents()
        plot.grab()  # paint: pyqtgraph settles its autorange before a paint
        (x_low, x_high), (y_low, y_high) = plot.plot_item.vb.viewRange()
        x, y = plot.iteration_curve.getData()
        assert x_low <= x.min() and x.max() <= x_high
        assert y_low <= y.min() and y.max() <= y_high
    assert window.session.position[0] == 101
    assert len(changes) < 25  # about one per round x value and a few for y; not 100

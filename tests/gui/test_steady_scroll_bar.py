"""The steady scroll bar paints the pixels of a plain QScrollBar, from its cache or not."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from bpdebugger.gui.steady_scroll_bar import SteadyScrollBar


def bar_pair(qtbot, height: int = 300):
    plain = QtWidgets.QScrollBar(QtCore.Qt.Orientation.Vertical)
    steady = SteadyScrollBar()
    for bar in (plain, steady):
        qtbot.addWidget(bar)
        bar.resize(14, height)
        bar.show()
    return plain, steady


def same_look(plain: QtWidgets.QScrollBar, steady: SteadyScrollBar) -> bool:
    return plain.grab().toImage() == steady.grab().toImage()


def test_it_looks_like_a_plain_scroll_bar_at_every_range_and_position(qtbot):
    plain, steady = bar_pair(qtbot)
    for maximum, value, page in ((100, 0, 20), (100, 60, 20), (1000, 999, 5), (40, 10, 300)):
        for bar in (plain, steady):
            bar.setRange(0, maximum)
            bar.setPageStep(page)
            bar.setValue(value)
        assert same_look(plain, steady), (maximum, value, page)
        assert same_look(plain, steady)  # the second time from the cache


def style_draws(monkeypatch, bar: SteadyScrollBar) -> list:
    """The calls of the bar's style to draw it, from now on (the style itself draws none)."""
    drawn: list = []
    monkeypatch.setattr(
        bar.style(), "drawComplexControl", lambda *args: drawn.append(args), raising=False
    )
    return drawn


def test_a_range_seen_before_is_painted_from_its_picture(qtbot, monkeypatch):
    _, steady = bar_pair(qtbot)
    steady.setPageStep(100)
    steady.setRange(0, 100)
    steady.grab()
    drawn = style_draws(monkeypatch, steady)
    steady.setRange(0, 400)
    steady.setRange(0, 100)
    steady.grab()
    assert drawn == []
    steady.setRange(0, 400)  # a shorter handle: a look not seen yet, drawn by the style
    steady.grab()
    assert len(drawn) == 1


def test_ranges_that_place_the_handle_alike_share_one_picture(qtbot, monkeypatch):
    """The look is the handle's place: a card a line taller gives the same picture."""
    plain, steady = bar_pair(qtbot, height=479)
    for bar in (plain, steady):
        bar.setPageStep(479)
        bar.setRange(0, 700)
    steady.grab()
    drawn = style_draws(monkeypatch, steady)
    for bar in (plain, steady):
        bar.setRange(0, 701)
    assert same_look(plain, steady)
    assert drawn == []


def test_the_cache_keeps_at_most_32_pictures(qtbot):
    _, steady = bar_pair(qtbot)
    for maximum in range(1, 100):
        steady.setRange(0, maximum)
        steady.grab()
    assert 1 <= len(steady._cache) <= 32

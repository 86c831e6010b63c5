"""PySide6 6.12.0 on Python < 3.12 drops a reference to None on every
QPainter.drawLine(QPointF, QPointF) and aborts the process after a few thousand
calls ("Fatal Python error: none_dealloc"). pyqtgraph's axes draw such lines, so
painting a plot many times in one process is the test: with a bad build it dies.
The dependency pin in pyproject.toml keeps that build out.
"""

from __future__ import annotations

import sys

import pyqtgraph as pg
from PySide6 import QtCore, QtGui


def test_painting_axes_thousands_of_times_does_not_leak_none(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(320, 240)
    curve = plot.plot([0, 1, 2, 3], [0, 1, 0, 1])
    image = QtGui.QImage(320, 240, QtGui.QImage.Format.Format_ARGB32)
    refs_before = sys.getrefcount(None)
    for i in range(1500):
        curve.setData([0, 1, 2, 3], [0, 1, 0, i % 7])  # new ticks now and then
        painter = QtGui.QPainter(image)
        plot.render(painter)
        painter.end()
    # Each paint draws dozens of axis and tick lines: 1500 paints are tens of
    # thousands of drawLine calls, far past where the bad build aborts.
    if sys.version_info < (3, 12):
        # None is not immortal before 3.12; a leak would show as a falling count.
        assert sys.getrefcount(None) >= refs_before - 100


def test_drawline_qpointf_keeps_none_refcount(qapp):
    image = QtGui.QImage(64, 64, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.drawLine(QtCore.QPointF(0, 0), QtCore.QPointF(10, 10))
    after = sys.getrefcount(None)
    painter.end()
    if sys.version_info < (3, 12):
        assert after >= before - 10
    else:
        assert after == before  # immortal

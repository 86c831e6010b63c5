"""FieldImage draws a float field in exactly the colours pyqtgraph's ImageItem gives it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PySide6 import QtGui

from bpdebugger.gui import theme
from bpdebugger.gui.plots.field_image import FieldImage, colour_indices


def pixels(item: pg.ImageItem) -> np.ndarray:
    """What the item draws, premultiplied: a transparent pixel is 0 whatever its colour."""
    item.render()
    image = item.qimage.convertToFormat(QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    bits = np.frombuffer(image.constBits(), np.uint32, image.width() * image.height())
    return bits.reshape(image.height(), image.width()).copy()


def both(values: np.ndarray, levels: tuple[float, float], lut: np.ndarray) -> tuple:
    ours, theirs = FieldImage(), pg.ImageItem(axisOrder="row-major")
    for item in (ours, theirs):
        item.setLookupTable(lut)
        item.setImage(values, autoLevels=False, levels=levels)
    return pixels(ours), pixels(theirs)


DIVERGING = theme.DIVERGING.getLookupTable(nPts=256)

fields = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
    elements=st.floats(-3.0, 3.0) | st.sampled_from([np.nan, np.inf, -np.inf, 0.5]),
)


@settings(max_examples=60, deadline=None)
@given(fields, st.sampled_from([(0.0, 1.0), (-1.0, 1.0), (0.25, 0.3)]))
def test_the_colours_are_pyqtgraphs_for_any_field(qapp, values, levels):
    ours, theirs = both(values, levels, DIVERGING)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("alpha", [255, 128, 0])
def test_a_table_with_alpha_is_drawn_premultiplied_as_pyqtgraph_draws_it(qapp, alpha):
    lut = np.array([[255, 0, 0, alpha], [0, 128, 255, 255], [10, 20, 30, alpha]], np.uint8)
    values = np.linspace(-0.2, 1.2, 35).reshape(5, 7)
    ours, theirs = both(values, (0.0, 1.0), lut)
    # premultiplying rounds: a channel may differ by one level where alpha is partial
    diff = np.abs(ours.view(np.uint8).astype(int) - theirs.view(np.uint8).astype(int))
    assert diff.max() <= (0 if alpha in (0, 255) else 1)


def test_nan_is_transparent(qapp):
    values = np.array([[0.0, np.nan], [1.0, 0.5]])
    ours, _ = both(values, (0.0, 1.0), DIVERGING)
    assert ours[0, 1] >> 24 == 0 and (ours[[0, 1, 1], [0, 0, 1]] >> 24 == 255).all()


def test_anything_but_a_float_field_with_a_colour_map_is_left_to_pyqtgraph(qapp):
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[..., 1] = 200
    item = FieldImage()
    item.setImage(rgb, autoLevels=False)
    assert pixels(item)[0, 0] == 0xFF00C800  # opaque green


def test_only_nan_is_transparent_even_on_a_subnormal_span():
    """n / span overflows to inf on a tiny span: (v − low)·inf is NaN at v = low, which is
    still a number to colour (pyqtgraph gives it the first colour)."""
    index, nan = colour_indices(np.array([[0.0, 1e-321, np.nan]]), (0.0, 1e-320), 256)
    assert nan.tolist() == [[False, False, True]]
    assert index[0, 0] == 0

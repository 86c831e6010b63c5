"""The plots: input plane, hidden space, unit maps, loss and gradient norms (pyqtgraph)."""

# Importing the package mends pyqtgraph's SVG export for every plot and context menu.
from . import plot_svg  # noqa: F401

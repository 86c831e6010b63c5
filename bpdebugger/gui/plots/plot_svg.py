"""Make pyqtgraph's SVG export work with the closed paths Qt 6 writes.

pyqtgraph 0.14.0's SVGExporter re-parses every <path> that Qt's SVG generator writes,
expecting only "x,y" coordinate tokens; Qt 6 ends closed subpaths (a ViewBox's
background, every round scatter symbol) with a "Z" token, so every export of a plot
to SVG, from our menu or from pyqtgraph's own context menu, fails with "not enough
values to unpack" (pyqtgraph issue #3495). Before the exporter re-parses a group, this
rewrites each "Z" as a line back to the subpath's start point: the same shape, in the
tokens the exporter understands. Installed once, process-wide, when the plots are
imported; harmless for a pyqtgraph that handles "Z" itself.
"""

from __future__ import annotations

import importlib
from typing import Any
from xml.dom import minidom

_svg = importlib.import_module("pyqtgraph.exporters.SVGExporter")


def close_paths_explicitly(d: str) -> str:
    """A path's data with every "Z" replaced by "L" to the start of its subpath."""
    out: list[str] = []
    start: str | None = None
    for token in d.split():
        if token[0] in "Zz":
            if start is not None:
                out.append("L" + start)
            rest = token[1:]  # a command glued to the Z ("ZM1,2"), if a writer does that
            if not rest:
                continue
            token = rest
        if token[0] == "M":
            start = token[1:]
        out.append(token)
    return " ".join(out)


def _rewrite_paths(node: minidom.Element) -> None:
    for path in node.getElementsByTagName("path"):
        d = path.getAttribute("d")
        if "Z" in d or "z" in d:
            path.setAttribute("d", close_paths_explicitly(d))


def install() -> None:
    """Wrap the exporter's coordinate correction (once) so it sees no "Z" tokens."""
    original = _svg.correctCoordinates
    if getattr(original, "closes_paths_explicitly", False):
        return

    def correct_coordinates(node: minidom.Element, *args: Any, **kwargs: Any) -> Any:
        _rewrite_paths(node)
        return original(node, *args, **kwargs)

    correct_coordinates.closes_paths_explicitly = True  # type: ignore[attr-defined]
    _svg.correctCoordinates = correct_coordinates


install()

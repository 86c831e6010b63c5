"""The gradient card's words: a stop's document (engine.stop_text) laid out as the card's
equation and note, so that the card and the exported stop say the same thing.

The card writes arrays inside its equation only when they are short: the same numbers
stand in the matrices right above it.
"""

from __future__ import annotations

from bpdebugger.engine.stop_text import Document, Notation

# Unicode, like the Markdown export; arrays of at most this many numbers are written inline.
NOTATION = Notation(tex=False, inline=6)


def node_symbol(name: str) -> str:
    """A value's symbol, with x for the input a[1] and ŷ nowhere (the notes write a[L])."""
    return "a[1] = x" if name == "a[1]" else name


def equation_text(doc: Document) -> str:
    """Every line of the document's sections, a per-unit line indented under its equation."""
    return "\n".join(
        ("  " if line.detail else "") + line.math for s in doc.sections for line in s.lines
    )


def note_text(doc: Document) -> str:
    """The notes, one paragraph each."""
    return "\n".join(doc.notes)

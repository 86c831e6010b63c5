"""The one error type for bad user input: it names where, what and why."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user: a file, a field, an option or a value.

    Rendered as one line, ``source: field: problem``, with the parts that are
    known, e.g. ``session.json: network.sizes: expected at least 2 layers, got [2]``.
    """

    def __init__(self, problem: str, *, field: str | None = None, source: str | None = None):
        self.problem = problem
        self.field = field
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        return ": ".join(part for part in (self.source, self.field, self.problem) if part)

    def within(self, *, field: str | None = None, source: str | None = None) -> InputError:
        """The same error placed inside an outer field and/or a file.

        ``field`` is prefixed (``data`` + ``x[3]`` -> ``data.x[3]``); a source
        already set is kept, since the innermost file is the one to fix.
        """
        inner = self.field
        if field:
            inner = (
                f"{field}.{inner}"
                if inner and not inner.startswith("[")
                else f"{field}{inner or ''}"
            )
        return InputError(self.problem, field=inner, source=self.source or source)

"""The one error type for users' mistakes.

The CLI catches :class:`FramingError` once and prints ``Error: <what>, <where>, <how to fix>``
with exit status 1; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations


class FramingError(Exception):
    """A problem with the user's input, files or options, stated so they can fix it."""

    def __init__(self, what: str, where: str | None = None, fix: str | None = None):
        self.what, self.where, self.fix = what, where, fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return ", ".join(part for part in (self.what, self.where, self.fix) if part)


class ModelFileError(FramingError):
    """A model file that must not be loaded: missing card, hash mismatch, unreadable."""


class LabelledDataError(FramingError):
    """Labelled files with problems; ``problems`` lists every (file, line, reason)."""

    def __init__(self, problems: list[tuple[str, int | None, str]]):
        self.problems = problems
        shown = "; ".join(
            f"{path}:{line}: {reason}" if line else f"{path}: {reason}"
            for path, line, reason in problems[:20]
        )
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(
            f"{len(problems)} problem(s) in labelled data: {shown}{more}",
            None,
            "fix these lines and run again",
        )


class FramingWarning(UserWarning):
    """Something the user should know that does not stop the work (e.g. merged duplicate
    labelled passages). The CLI prints it as ``Warning: ...``."""

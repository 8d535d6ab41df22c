"""Everything a user can cause, as one exception family with one clear message each.

The CLI and the website catch ``AtlasError`` and show its message (the CLI as
``path:line: message`` when there is a place, exit 1); any other exception is a bug and
keeps its traceback. Each subclass names what went wrong and how to fix it.
"""

from __future__ import annotations


class AtlasError(Exception):
    """A problem the user can fix; ``str(error)`` is the whole message, place first when known."""

    def __init__(self, message: str, path: object = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        return f"{self.path}:{self.line or 1}: {self.message}"


class KnowledgeBaseMissing(AtlasError):
    """No database at the given path; the message says how to build one."""


class NotAKnowledgeBase(AtlasError):
    """The path names something that is not an atlas knowledge base (another file, a folder,
    an empty or damaged file); nothing was read from it or written over it."""


class KnowledgeBaseWriteError(AtlasError):
    """The knowledge base could not be written (read-only folder, full disk, ...); the old file is intact."""


class UnknownItem(AtlasError, KeyError):
    """A key, node, method or other id that the knowledge base does not have."""

    def __str__(self) -> str:  # KeyError would quote the message
        return AtlasError.__str__(self)


class InvalidInput(AtlasError, ValueError):
    """A value a user typed or uploaded that cannot be used as given."""

"""Text rules every layer shares, kept here because the taxonomy's vocabulary is the lowest code that needs
them (ingest, explorer and the rest import them from here; this module imports nothing of ours)."""

from __future__ import annotations

import unicodedata


def fold_ascii(text: str, *, keep_case: bool = False) -> str:
    """ASCII with accents folded ('Jörg Müller' -> 'jorg muller'); any other non-ASCII character dropped;
    lower case unless ``keep_case``.

    The one folding rule for matching names, titles, keys and vocabulary spellings across ways of writing
    them. (The full-text indexes fold differently on purpose, as SQLite's FTS5 does: ``explorer.fts``.)
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded if keep_case else folded.lower()

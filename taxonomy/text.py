"""Text rules every layer shares, kept here because the taxonomy's vocabulary is the lowest code that needs
them (ingest, explorer and the rest import them from here; this module imports nothing of ours), and the
YAML loader they all read with."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import yaml

# The loader every reader of our YAML files uses: libyaml's safe loader when present, since the pure-Python
# one dominates the time of a build. (Type checkers see SafeLoader: CSafeLoader has the same interface.)
if TYPE_CHECKING:
    SAFE_LOADER = yaml.SafeLoader
else:
    SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def fold_ascii(text: str, *, keep_case: bool = False) -> str:
    """ASCII with accents folded ('Jörg Müller' -> 'jorg muller'); any other non-ASCII character dropped;
    lower case unless ``keep_case``.

    The one folding rule for matching names, titles, keys and vocabulary spellings across ways of writing
    them. (The full-text indexes fold differently on purpose, as SQLite's FTS5 does: ``explorer.fts``.)
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded if keep_case else folded.lower()

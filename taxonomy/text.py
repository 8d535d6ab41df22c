"""Text rules every layer shares, kept here because the taxonomy's vocabulary is the lowest code that needs
them (ingest, explorer and the rest import them from here; this module imports nothing of ours): the one
folding rule for matching, how a count reads ("1 paper", "2 papers", "1,200 papers", so that no page, command
or build message says "1 papers" or "paper(s)"), and the YAML loader every reader uses."""

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


IRREGULAR = {"person": "people"}  # plurals that are not the singular plus "s" (or "y" -> "ies")


def plural(noun: str, n: int) -> str:
    """``noun`` as it goes with the number ``n``; of several words ("typed relation") the last one changes, so
    words that follow the noun ("in scope") belong after the count, outside the noun."""
    if n == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    if last in IRREGULAR:
        last = IRREGULAR[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":  # entry -> entries, but key -> keys
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def count(n: int, noun: str) -> str:
    """``count(1, "paper")`` -> "1 paper", ``count(1200, "new paper")`` -> "1,200 new papers"."""
    return f"{n:,} {plural(noun, n)}"

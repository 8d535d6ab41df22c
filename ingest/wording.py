"""How a count reads: "1 paper", "2 papers", "1,200 papers". The one helper for every count the website,
the command line and the build show, so none says "1 papers" or "paper(s)"."""

from __future__ import annotations

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

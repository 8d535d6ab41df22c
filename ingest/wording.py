"""How a count reads: "1 paper", "2 papers", "1,200 papers". The one helper for every count the website,
the command line and the build show, so none says "1 papers" or "paper(s)"."""

from __future__ import annotations

IRREGULAR = {"person": "people"}  # plurals that are not the singular plus "s" (or "y" -> "ies")


def plural(noun: str, n: int) -> str:
    """``noun`` as it goes with the number ``n``; a multi-word noun ("paper in scope") changes its first word."""
    if n == 1:
        return noun
    first, _, rest = noun.partition(" ")
    if first in IRREGULAR:
        first = IRREGULAR[first]
    elif first.endswith("y") and first[-2:-1] not in "aeiou":  # entry -> entries, but key -> keys
        first = first[:-1] + "ies"
    else:
        first += "s"
    return f"{first} {rest}" if rest else first


def count(n: int, noun: str) -> str:
    """``count(1, "paper")`` -> "1 paper", ``count(1200, "paper in scope")`` -> "1,200 papers in scope"."""
    return f"{n:,} {plural(noun, n)}"

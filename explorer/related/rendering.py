"""A result as the CLI and the downloads show it: a table, JSON or BibTeX."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from explorer.related.results import RelatedInputError, RelatedResult, printable
from taxonomy.text import count

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def bibtex_for(session: Session, result: RelatedResult) -> str:
    """The result's papers as BibTeX entries, in rank order, ready to paste into a paper."""
    from explorer.export import to_bibtex
    from explorer.papers import get_papers

    order = {p.key: i for i, p in enumerate(result.papers)}
    found = sorted(get_papers(session, keys=list(order)), key=lambda p: order[p.key])
    return to_bibtex(found)


FORMATS = ("table", "json", "bibtex")


def to_json(result: RelatedResult) -> str:
    """An array of papers: key, title, year, authors, ..., score, reasons (list of strings), components."""

    return json.dumps([p.as_dict() for p in result.papers], ensure_ascii=False, indent=2) + "\n"


def to_table(result: RelatedResult, width: int = 100) -> str:
    """Rank, score, year, key and title on one line, then one indented line per reason."""
    if not result.papers:
        return ""
    key_width = max(len(p.key) for p in result.papers)
    lines = [f"{'#':>3}  {'score':>6}  {'year':4}  {'key':<{key_width}}  title"]
    for rank, paper in enumerate(result.papers, start=1):
        head = f"{rank:>3}  {paper.score:>6.2f}  {paper.year or '':<4}  {paper.key:<{key_width}}  "
        title = (
            paper.title
            if len(head) + len(paper.title) <= width
            else paper.title[: max(width - len(head) - 1, 20)] + "…"
        )
        lines.append(head + title)
        lines.extend(" " * 15 + "- " + reason for reason in paper.reasons)
    return "\n".join(lines) + "\n"


def render(session: Session | None, result: RelatedResult, fmt: str) -> str:
    """The result in one of FORMATS (BibTeX reads the papers' entries through ``session``; the others need none)."""
    if fmt == "json":
        return to_json(result)
    if fmt == "bibtex":
        if session is None:
            raise ValueError("BibTeX output reads the papers' entries: pass a session")
        return bibtex_for(session, result)
    if fmt == "table":
        return to_table(result)
    raise RelatedInputError(f"unknown format '{printable(str(fmt))[:20]}': use one of {', '.join(FORMATS)}")


def input_summary(result: RelatedResult) -> list[str]:
    """What the query was made of, for a human reading the output (the .bib entries recognised, the seeds)."""
    if result.kind != "bib":
        return []
    total = len(result.matched) + len(result.unmatched)
    if not result.matched:
        return [f"none of the {count(total, 'entry')} is in the atlas"] if total else []
    shown = ", ".join(
        f"{x.bib_key} = {x.key} ({x.by})" if x.bib_key != x.key else f"{x.key} ({x.by})" for x in result.matched[:10]
    )
    more = f" and {len(result.matched) - 10} more" if len(result.matched) > 10 else ""
    # "1 of 1 entries": the plural goes with "of N", whatever N is
    return [f"{len(result.matched)} of {total} entries are in the atlas and left out of the results: {shown}{more}"]

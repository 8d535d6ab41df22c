"""Export papers as BibTeX, CSV or JSON (``atlas export`` and the website's downloads)."""

from __future__ import annotations

import csv
import io
import json

from explorer.papers import author_names
from ingest import latex
from ingest.bibtex import FIELD_ORDER
from kb.schema import Paper

_BIBTEX_NAMES = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}
_MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
CSV_COLUMNS = (
    "key",
    "title",
    "authors",
    "year",
    "venue",
    "doi",
    "arxiv_id",
    "url",
    "code_url",
    "categories",
    "modalities",
    "models",
    "technique",
    "granularity",
    "summary",
)


def bibtex_entry(paper: Paper) -> str:
    """One entry with every evaluated field; macros and crossrefs are already resolved, so it stands alone."""
    fields = dict(paper.fields)
    fields.pop("crossref", None)
    ordered: list[str] = [f for f in FIELD_ORDER if f in fields] + sorted(f for f in fields if f not in FIELD_ORDER)
    width = max((len(_BIBTEX_NAMES.get(f, f)) for f in ordered), default=0)
    lines = [f"@{paper.entry_type}{{{paper.key},"]
    for name in ordered:
        lines.append(f"  {_BIBTEX_NAMES.get(name, name).ljust(width)} = {_bibtex_value(name, fields[name])},")
    lines.append("}")
    return "\n".join(lines)


def _bibtex_value(name: str, value: str) -> str:
    if name == "month" and value.isdigit() and 1 <= int(value) <= 12:
        return _MONTH_MACROS[int(value) - 1]  # the standard macro, as BibTeX styles expect
    return f"{{{value}}}"


def to_bibtex(papers: list[Paper]) -> str:
    return "\n\n".join(bibtex_entry(p) for p in papers) + ("\n" if papers else "")


def paper_row(paper: Paper) -> dict:
    """Flat row for tables and CSV: lists joined with '; '."""
    return {
        "key": paper.key,
        "title": paper.title,
        "authors": "; ".join(author_names(paper)),
        "year": paper.year,
        "venue": paper.venue,
        "doi": paper.doi,
        "arxiv_id": paper.arxiv_id,
        "url": paper.url,
        "code_url": paper.code_url,
        "categories": "; ".join(c.node_id for c in paper.categories),
        "modalities": "; ".join(m.name for m in paper.modalities),
        "models": "; ".join(m.name for m in paper.models),
        "technique": "; ".join(t.name for t in paper.techniques),
        "granularity": paper.granularity,
        "summary": paper.summary,
    }


def to_csv(papers: list[Paper]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for paper in papers:
        writer.writerow(paper_row(paper))
    return buffer.getvalue()


def paper_record(paper: Paper) -> dict:
    """Everything known about a paper: key, every BibTeX field, decoded display fields, annotation."""
    return {
        "key": paper.key,
        "entry_type": paper.entry_type,
        "bibtex": dict(paper.fields),
        "display": {
            **{name: latex.decode(value) for name, value in paper.fields.items()},
            "title": paper.title,
            "authors": author_names(paper),
            "year": paper.year,
            "venue": paper.venue,
            "doi": paper.doi,
            "arxiv_id": paper.arxiv_id,
        },
        "annotation": paper.annotation,
        "classified": paper.classified,
        "source": {"path": paper.source_path, "line": paper.source_line},
    }


def to_json(papers: list[Paper]) -> str:
    return json.dumps([paper_record(p) for p in papers], ensure_ascii=False, indent=2) + "\n"


EXPORTERS = {"bibtex": to_bibtex, "csv": to_csv, "json": to_json}

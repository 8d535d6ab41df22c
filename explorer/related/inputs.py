"""The question as asked: paper identifiers, taxonomy nodes, filters, k and the user's .bib file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from explorer import urls
from explorer.related.index import Index
from explorer.related.results import CandidateFilters, RelatedInputError, printable
from explorer.related.weights import MAX_K
from explorer.url_values import URLCheck

if TYPE_CHECKING:
    from explorer.paper_catalog import PaperCatalog
    from ingest.bibtex import BibEntry
from ingest.identifiers import find_typed, normalise_title, typed_identifier


def resolve_paper(index: Index, identifier: str) -> int:
    """Index of the paper named by a key (any case), a DOI or an arXiv id; RelatedInputError otherwise."""
    ident = str(identifier).strip()
    if ident in index.position:
        return index.position[ident]
    lowered = ident.lower()
    if lowered in index.position_lower:
        return index.position_lower[lowered]
    typed = typed_identifier(ident)
    found = find_typed(typed, index.by_arxiv, index.by_doi) if typed is not None else None
    if found is not None:
        return found
    close = _close_keys(index, lowered)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `atlas export --format csv` lists every key"
    shown = ident if len(ident) <= 80 else ident[:77] + "..."
    raise RelatedInputError(f"no paper with key, DOI or arXiv id '{printable(shown)}' in the knowledge base{hint}")


def _close_keys(index: Index, wanted: str, limit: int = 3) -> list[str]:
    if not wanted:
        return []
    import difflib

    pool = [k for k in index.keys if k[:3] == wanted[:3]] or index.keys[:20_000]
    return difflib.get_close_matches(wanted, pool, n=limit, cutoff=0.75)


def check_k(k) -> tuple[int, list[str]]:
    try:
        value = int(k)
    except (TypeError, ValueError):
        raise RelatedInputError(f"k must be a whole number of papers, got '{printable(str(k))[:40]}'") from None
    if value < 1:
        raise RelatedInputError(f"k must be at least 1 (got {value}): ask for 1 to {MAX_K} papers")
    if value > MAX_K:
        return MAX_K, [f"k={value} is more than {MAX_K}; showing the best {MAX_K}"]
    return value, []


def resolve_category(index: Index, category: str) -> str:
    """A taxonomy node id from its id or its name (any case); RelatedInputError naming the known ones."""
    wanted = str(category).strip().strip("/")
    if wanted in index.node_names:
        return wanted
    lowered = wanted.casefold()
    for node_id, name in index.node_names.items():
        if node_id.casefold() == lowered or name.casefold() == lowered:
            return node_id
    known = ", ".join(index.node_names)
    raise RelatedInputError(f"unknown taxonomy node '{printable(wanted)[:80]}': use one of {known}")


def filter_mask(index: Index, filters: CandidateFilters) -> np.ndarray:
    mask = np.ones(index.size, dtype=bool)
    if filters.category:
        node = resolve_category(index, filters.category)
        inside = np.zeros(index.size, dtype=bool)
        for leaf in index.leaves_under(node):
            inside[index.leaf_members.get(leaf, np.zeros(0, dtype=np.int64))] = True
        mask &= inside
    year_from, year_to = _year(filters.year_from, "year from"), _year(filters.year_to, "year to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise RelatedInputError(
            f"the year range {year_from}-{year_to} is empty: the first year must not be after the last"
        )
    if year_from is not None:
        mask &= index.years >= year_from
    if year_to is not None:
        mask &= (index.years <= year_to) & (index.years >= 0)
    if filters.has_code:
        mask &= index.has_code
    return mask


def _year(value, label: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise RelatedInputError(f"{label} must be a year such as 2023, got '{printable(str(value))[:40]}'") from None
    if not 1000 <= year <= 9999:
        raise RelatedInputError(f"{label} must be a four-digit year such as 2023, got {year}")
    return year


def read_user_bib(bib) -> tuple[list[BibEntry], list[str], str]:
    """Entries of a user's .bib (path, str or bytes content) with the problems found, as plain messages."""
    label = "the BibTeX file"
    if isinstance(bib, Path):
        label = bib.name
        try:
            data = bib.read_bytes()
        except OSError as exc:
            raise RelatedInputError(f"cannot read {bib}: {exc.strerror or exc}; check the path") from None
    elif isinstance(bib, (bytes, bytearray)):
        data = bytes(bib)
    else:
        data = str(bib).encode("utf-8", "surrogatepass")
    notes = []
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = data.decode("latin-1")
        notes.append("not UTF-8, read as Latin-1")
    content = content.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")
    from ingest.bibtex import parse_bibtex  # bibtexparser is imported for a .bib question only

    try:
        parsed = parse_bibtex(content, label)
    except Exception as exc:  # noqa: BLE001 - a parser crash on hostile input is a message, not a traceback
        return [], [f"could not parse the file ({type(exc).__name__})"], label
    problems = notes + [f"line {p.line}: {p.message}" for p in parsed.problems if p.severity == "error"]
    return parsed.entries, problems, label


def match_entry(index: Index, entry: BibEntry) -> tuple[int, str] | None:
    """The atlas paper a user's entry is, by DOI, then arXiv id, then normalised title."""
    try:
        doi, arxiv_id, title = entry.doi, entry.arxiv_id, normalise_title(entry.title)
    except Exception:  # noqa: BLE001 - malformed fields: no match rather than a crash
        return None
    if doi and doi.lower() in index.by_doi:
        return index.by_doi[doi.lower()], "DOI"
    if arxiv_id and arxiv_id.lower() in index.by_arxiv:
        return index.by_arxiv[arxiv_id.lower()], "arXiv id"
    if title and title in index.by_title:
        return index.by_title[title], "title"
    return None


SOURCE_PARAMS = {"text": "text", "paper": "paper", "bib": "cites"}  # the question each source reads from the URL


def check_url(catalog: PaperCatalog, raw: dict[str, list[str]]) -> URLCheck:
    """The related-work page's parameters: an unknown source, node or cited key dropped, k and years clamped,
    and the question of another source (``paper`` with ``from=text``) ignored, each named. The paper stays as
    given: a DOI or an arXiv id is resolved, and an unknown one explained, by ``find_related``."""
    P = urls.RELATED_PARAMS
    check = URLCheck(raw)
    check.unknown(P.values())
    source = check.choice(P["source"], SOURCE_PARAMS, "a kind of question") or "text"
    for other, name in SOURCE_PARAMS.items():
        if other != source:
            for value in check.values(P[name]):
                check.note(P[name], value, f"ignored: the question is from={source}")
    if source == "text":
        check.text(P["text"])
    elif source == "paper":
        check.text(P["paper"])
    else:
        check.choices(P["cites"], catalog.by_key, "a paper key of the atlas")
    check.number(P["k"], 1, MAX_K)
    check.choice(P["node"], catalog.nodes, "a taxonomy node", list_them=False)
    check.years(P["years"], catalog.years())
    check.flag(P["has_code"])
    return check

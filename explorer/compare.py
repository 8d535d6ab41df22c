"""Faceted comparison: filter papers over the many-to-many data, show picked papers side by side,
and export a selection as BibTeX, CSV or a LaTeX table.

Within a facet the chosen values are alternatives (any of them); across facets all must hold.
Models, techniques and modalities are vocabulary ids. Choosing a broader technique includes its
narrower ones, and choosing a model family (llava-family) includes its models, as a taxonomy node
includes its leaves. Everything here works on the catalogue's plain records, so filtering costs no query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from explorer import urls
from explorer.browse import SORTS
from explorer.export import to_bibtex, to_csv
from explorer.paper_catalog import PaperCatalog, PaperRecord
from explorer.papers import get_papers
from explorer.safety import safe_url
from explorer.url_values import URLCheck
from taxonomy.text import fold_ascii

FACETS = ("node", "modality", "model", "technique", "granularity")
# What a chosen value is matched against: a paper's model_terms hold its models and their families,
# its technique_terms its techniques and every broader technique.
_ATTRIBUTE = {"modality": "modalities", "model": "model_terms", "technique": "technique_terms"}


@dataclass(frozen=True)
class FacetFilters:
    """The Compare view's facet choices: which papers of the catalogue the table shows (its URL is ``link``)."""

    node: tuple[str, ...] = ()  # taxonomy nodes; a node includes its descendants
    modality: tuple[str, ...] = ()  # vocabulary ids
    model: tuple[str, ...] = ()  # model or family ids; a family includes its models
    technique: tuple[str, ...] = ()  # technique ids; a technique includes its narrower ones
    granularity: tuple[str, ...] = ()
    years: tuple[int, int] | None = None  # inclusive
    has_code: bool = False
    text: str = ""  # every word must appear in title, authors, summary, key, models or techniques

    def without(self, facet: str) -> FacetFilters:
        cleared: dict[str, Any] = {facet: ()}  # facet names one of the tuple fields, chosen at run time
        return replace(self, **cleared)

    def link(self, picked: tuple[str, ...] | list[str] = (), order: str = urls.DEFAULT_ORDER) -> urls.Link:
        """The permalink of this view: these filters, the picked papers and the order of the list."""
        return urls.compare(
            self.node,
            self.modality,
            self.model,
            self.technique,
            self.granularity,
            self.years,
            self.has_code,
            self.text,
            picked,
            order,
        )


@dataclass(frozen=True)
class FacetOption:
    value: str
    papers: int  # papers that would match with this value chosen and the other facets as they are
    label: str = ""  # display name ("LLaVA family", "Gradient-based attribution")
    depth: int = 0  # techniques and taxonomy nodes: depth in their hierarchy, for indenting


@dataclass
class Result:
    papers: list[PaperRecord]
    facets: dict[str, list[FacetOption]] = field(default_factory=dict)


def _haystack(paper: PaperRecord) -> str:
    return fold_ascii(
        " ".join(
            [
                paper.key,
                paper.title,
                paper.summary or "",
                paper.venue or "",
                *paper.authors,
                *paper.model_names,
                *paper.technique_names,
                *paper.domains,
            ]
        )
    )


class Matcher:
    """FacetFilters compiled once against a catalogue."""

    def __init__(self, catalog: PaperCatalog, filters: FacetFilters):
        self.filters = filters
        self.leaves: set[str] | None = None
        if filters.node:
            self.leaves = set()
            for node_id in filters.node:
                self.leaves |= catalog.leaves_under(node_id)  # KeyError for an unknown node
        self.words = fold_ascii(filters.text).split()

    def failed(self, paper: PaperRecord) -> set[str]:
        """The facets (and "other" for years, code and text) that the paper does not satisfy."""
        f = self.filters
        failed = set()
        if self.leaves is not None and not self.leaves.intersection(paper.leaves):
            failed.add("node")
        for facet, attribute in _ATTRIBUTE.items():
            chosen = getattr(f, facet)
            if chosen and not set(chosen).intersection(getattr(paper, attribute)):
                failed.add(facet)
        if f.granularity and paper.granularity not in f.granularity:
            failed.add("granularity")
        if f.years is not None and (paper.year is None or not f.years[0] <= paper.year <= f.years[1]):
            failed.add("other")
        elif f.has_code and not paper.has_code:
            failed.add("other")
        elif self.words:
            haystack = _haystack(paper)
            if not all(word in haystack for word in self.words):
                failed.add("other")
        return failed

    def matches(self, paper: PaperRecord) -> bool:
        return not self.failed(paper)


def filter_papers(catalog: PaperCatalog, filters: FacetFilters) -> list[PaperRecord]:
    matcher = Matcher(catalog, filters)
    return [p for p in catalog.papers if matcher.matches(p)]


def search(catalog: PaperCatalog, filters: FacetFilters) -> Result:
    """Matching papers, plus for every facet each value's count given the other facets' choices."""
    matcher = Matcher(catalog, filters)
    papers = []
    counters: dict[str, Counter] = {facet: Counter() for facet in FACETS}
    for paper in catalog.papers:
        failed = matcher.failed(paper)
        if not failed:
            papers.append(paper)
        if len(failed) > 1 or "other" in failed:
            continue
        for facet in FACETS:  # the paper counts in a facet if it passes every other facet
            if not failed or failed == {facet}:
                counters[facet].update(_values(catalog, paper, facet))
    return Result(papers, {facet: _options(catalog, facet, counters[facet]) for facet in FACETS})


def _values(catalog: PaperCatalog, paper: PaperRecord, facet: str) -> set[str]:
    if facet == "node":
        out: set[str] = set()
        for leaf in paper.leaves:
            node: str | None = leaf
            while node is not None:
                out.add(node)
                node = catalog.nodes[node].parent
        return out
    if facet == "granularity":
        return {paper.granularity} if paper.granularity else set()
    return set(getattr(paper, _ATTRIBUTE[facet]))


def _options(catalog: PaperCatalog, facet: str, counter: Counter) -> list[FacetOption]:
    if facet == "node":  # every node, in tree order, so the list reads like the taxonomy
        return [FacetOption(n.id, counter.get(n.id, 0), n.name, n.depth) for n in catalog.nodes.values()]
    vocabulary = catalog.vocabulary
    if facet == "technique":  # the hierarchy in display order: each broad technique before its narrower ones
        return [
            FacetOption(t, counter[t], vocabulary.label("technique", t), depth)
            for t, depth in vocabulary.walk("technique")
            if counter.get(t)
        ]
    if facet == "modality":  # the vocabulary's fixed order
        return [
            FacetOption(m, counter[m], vocabulary.label("modality", m)) for m in vocabulary.modalities if counter.get(m)
        ]
    if facet == "model":  # each family before its models, as the vocabulary lists them
        return [
            FacetOption(m, counter[m], vocabulary.label("model", m), depth)
            for m, depth in vocabulary.walk("model")
            if counter.get(m)
        ]
    return [FacetOption(v, n, v) for v, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def facet_values(catalog: PaperCatalog) -> dict[str, list[str]]:
    """Every value of every facet in the catalogue (the options of the filter widgets)."""
    return {facet: [o.value for o in search(catalog, FacetFilters()).facets[facet]] for facet in FACETS}


def facet_labels(catalog: PaperCatalog) -> dict[str, dict[str, str]]:
    """What a filter shows for each value (the URL keeps the id): a taxonomy node as its path, a family as
    covering its models, a model with its family, a narrower technique with its broader one."""
    vocabulary = catalog.vocabulary

    def term(kind: str, term_id: str) -> str:
        name = vocabulary.label(kind, term_id)
        if kind == "model" and term_id in vocabulary.families:
            return f"{name} (all its models)"
        broader = vocabulary.ancestors(kind, term_id)[:1]
        return f"{name} · {vocabulary.label(kind, broader[0])}" if broader else name

    values = facet_values(catalog)
    return {
        "node": {n: catalog.node_path(n) for n in values["node"]},
        "modality": {m: vocabulary.label("modality", m) for m in values["modality"]},
        "model": {m: term("model", m) for m in values["model"]},
        "technique": {t: term("technique", t) for t in values["technique"]},
        "granularity": {g: g for g in values["granularity"]},
    }


# --- the URL ---------------------------------------------------------------------------------------


def check_url(catalog: PaperCatalog, values: Mapping[str, Collection[str]], raw: dict[str, list[str]]) -> URLCheck:
    """The comparison page's parameters checked against the catalogue: unknown nodes, facet values and
    picked keys dropped, years swapped or clamped, each change named (``explorer.url_values``)."""
    P = urls.COMPARE_PARAMS
    check = URLCheck(raw)
    check.unknown(P.values())
    check.choices(P["node"], catalog.nodes, "a taxonomy node")
    for facet in ("modality", "model", "technique", "granularity"):
        check.choices(P[facet], set(values[facet]), f"a {facet} of any paper")
    check.years(P["years"], catalog.years())
    check.flag(P["has_code"])
    check.text(P["text"])
    check.choices(P["picked"], catalog.by_key, "a paper key")
    check.choice(P["order"], SORTS, "an order")
    return check


# --- side by side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One value in a side-by-side cell: text, a link when ``href`` is set, a bold ``label`` before it."""

    text: str
    href: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class SideBySide:
    papers: list[PaperRecord]
    rows: list[tuple[str, list[list[Piece]]]]  # (attribute, one list of pieces per paper); empty rows left out


def _leaf_pieces(catalog: PaperCatalog, paper: PaperRecord) -> list[Piece]:
    return [
        Piece(why, urls.taxonomy(leaf).href, catalog.nodes[leaf].name if leaf in catalog.nodes else leaf)
        for leaf, why in zip(paper.leaves, paper.whys or [""] * len(paper.leaves), strict=True)
    ]


def _texts(*values) -> list[Piece]:
    return [Piece(str(v)) for v in values if v not in (None, "")]


SIDE_BY_SIDE_ROWS = (
    ("Authors", lambda c, p: _texts(", ".join(p.authors))),
    ("Year", lambda c, p: _texts(p.year)),
    ("Venue", lambda c, p: _texts(p.venue)),
    ("Taxonomy leaves and why", _leaf_pieces),
    ("Summary", lambda c, p: _texts(p.summary)),
    ("Modalities", lambda c, p: _texts(", ".join(p.modalities))),
    ("Models", lambda c, p: _texts(", ".join(p.model_names))),
    ("Technique", lambda c, p: _texts(", ".join(p.technique_names))),
    ("Granularity", lambda c, p: _texts(p.granularity)),
    ("Domains", lambda c, p: _texts(", ".join(p.domains))),
    ("Code", lambda c, p: [Piece(p.code_url, safe_url(p.code_url))] if p.code_url else [Piece("none released")]),
)


def side_by_side(catalog: PaperCatalog, keys: list[str] | tuple[str, ...]) -> SideBySide:
    """The picked papers' attributes, row by row; a row no paper has a value for (say Domains) is left out."""
    papers = [catalog.by_key[k] for k in keys if k in catalog.by_key]
    rows = []
    for name, get in SIDE_BY_SIDE_ROWS:
        cells = [get(catalog, paper) for paper in papers]
        if any(cells):
            rows.append((name, cells))
    return SideBySide(papers, rows)


def table_rows(catalog: PaperCatalog, papers: list[PaperRecord]) -> list[dict]:
    """One flat row per paper for the results table: names, not ids; the code's address when it is safe to link."""
    nodes, label = catalog.nodes, catalog.vocabulary.label
    return [
        {
            "key": p.key,
            "title": p.title,
            "authors": p.first_author,
            "year": p.year,
            "leaves": ", ".join(nodes[leaf].name if leaf in nodes else leaf for leaf in p.leaves),
            "modalities": ", ".join(label("modality", m) for m in p.modalities),
            "models": ", ".join(p.model_names),
            "technique": ", ".join(p.technique_names),
            "granularity": p.granularity or "",
            "code": safe_url(p.code_url) or "",  # only an http(s) address becomes a link
            "page": urls.paper(p.key).href,
        }
        for p in papers
    ]


# --- exports -------------------------------------------------------------------------------------


def export_bibtex(session: Session, keys: list[str]) -> str:
    return to_bibtex(get_papers(session, keys=keys))


def export_csv(session: Session, keys: list[str]) -> str:
    return to_csv(get_papers(session, keys=keys))


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(text: object) -> str:
    return "".join(_LATEX_SPECIALS.get(c, c) for c in " ".join(str(text or "").split()))


LATEX_COLUMNS = (
    ("Paper", lambda p: f"\\cite{{{p.key}}}"),
    ("Year", lambda p: latex_escape(p.year or "")),
    ("Leaves", lambda p: latex_escape(", ".join(leaf.rsplit("/", 1)[-1] for leaf in p.leaves))),
    ("Modalities", lambda p: latex_escape(", ".join(p.modalities))),
    ("Models", lambda p: latex_escape(", ".join(p.model_names))),
    ("Technique", lambda p: latex_escape(", ".join(p.technique_names))),
    ("Code", lambda p: r"\checkmark" if p.has_code else "--"),
)


def to_latex_table(
    papers: list[PaperRecord],
    caption: str = "Papers compared in the MLLM Interpretability Atlas.",
    label: str = "tab:atlas-comparison",
) -> str:
    """A booktabs table (one row per paper; ``\\cite`` keys match the BibTeX export)."""
    spec = r"l c p{2.6cm} p{1.8cm} p{2.6cm} p{3.2cm} c"
    lines = [
        "% Needs \\usepackage{booktabs} and \\usepackage{amssymb} (for \\checkmark).",
        r"\begin{table*}[t]",
        r"\centering",
        r"\small",
        f"\\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(name for name, _ in LATEX_COLUMNS) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(get(p) for _, get in LATEX_COLUMNS) + r" \\" for p in papers]
    lines += [
        r"\bottomrule",
        r"\end{tabular}",
        f"\\caption{{{latex_escape(caption)}}}",
        f"\\label{{{latex_escape(label)}}}",
        r"\end{table*}",
    ]
    return "\n".join(lines) + "\n"

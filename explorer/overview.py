"""The overview page's data: totals, papers per year per perspective, gap heat-maps, recent papers.

The gap maps cross the taxonomy's leaves with the vocabulary: every modality, and every broad
technique (a paper counts under a broad technique when it uses it or any narrower one), so an empty
cell is a real gap rather than a spelling nobody else used.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from explorer.paper_catalog import PERSPECTIVE_ORDER, PaperCatalog, PaperRecord
from taxonomy import join_path, leaf_target


@dataclass(frozen=True)
class Totals:
    papers: int
    classified: int
    leaves: int
    leaves_at_target: int  # leaves holding at least max(survey refs, 5) papers
    models: int
    techniques: int
    authors: int
    first_year: int | None
    last_year: int | None


@dataclass(frozen=True)
class Cell:
    row: str  # leaf id
    row_label: str
    column: str  # a vocabulary id (modality, technique)
    papers: int
    column_label: str = ""  # its display name


@dataclass(frozen=True)
class Overview:
    totals: Totals
    per_year: list[dict]  # {"year", "perspective", "papers"}
    leaf_by_modality: list[Cell]
    leaf_by_technique: list[Cell]  # columns: the broad techniques, narrower ones included
    recent: list[PaperRecord]

    def gaps(self, cells: list[Cell]) -> int:
        return sum(1 for c in cells if c.papers == 0)


def totals(catalog: PaperCatalog) -> Totals:
    counts = catalog.node_counts()
    leaves = [n for n in catalog.nodes.values() if n.is_leaf]
    years = catalog.years()
    return Totals(
        papers=len(catalog.papers),
        classified=sum(1 for p in catalog.papers if p.classified),
        leaves=len(leaves),
        leaves_at_target=sum(1 for n in leaves if counts[n.id] >= leaf_target(n.survey_refs)),
        models=len({m for p in catalog.papers for m in p.models if m in catalog.vocabulary.models}),
        techniques=len({t for p in catalog.papers for t in p.techniques}),
        authors=len({a for p in catalog.papers for a in p.authors}),
        first_year=years[0] if years else None,
        last_year=years[1] if years else None,
    )


def papers_per_year(catalog: PaperCatalog) -> list[dict]:
    """Rows ``{year, perspective, papers}``; a paper counts once in each perspective it sits in."""
    names = {n.id: n.name for n in catalog.roots()}
    counter: Counter = Counter()
    for paper in catalog.papers:
        if paper.year is None:
            continue
        for perspective in paper.perspectives or ("unclassified",):
            counter[(paper.year, perspective)] += 1
    order = {p: i for i, p in enumerate(PERSPECTIVE_ORDER)}
    return [
        {"year": year, "perspective": names.get(p, p), "papers": n}
        for (year, p), n in sorted(counter.items(), key=lambda item: (item[0][0], order.get(item[0][1], 99)))
    ]


def leaf_matrix(
    catalog: PaperCatalog,
    attribute: str,
    columns: list[str] | None = None,
    top: int | None = None,
    kind: str | None = None,
) -> list[Cell]:
    """Papers per (leaf, value of ``attribute``), every combination included so empty cells show.

    ``attribute`` is a PaperRecord field holding values (``modalities``, ``techniques``, ``technique_terms``,
    ``models``); ``kind`` names their vocabulary kind, for the column labels.
    Without ``columns``, the ``top`` most frequent values are the columns, most frequent first.
    """
    counter: Counter = Counter()
    totals_by_value: Counter = Counter()
    for paper in catalog.papers:
        values = getattr(paper, attribute)
        totals_by_value.update(values)
        for leaf in paper.leaves:
            for value in values:
                counter[(leaf, value)] += 1
    if columns is None:
        columns = [v for v, _ in sorted(totals_by_value.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:top]]
    leaves = [n for n in catalog.nodes.values() if n.is_leaf]
    label = (lambda v: catalog.vocabulary.label(kind, v)) if kind else str
    return [
        Cell(leaf.id, _leaf_label(catalog, leaf.id), value, counter[(leaf.id, value)], label(value))
        for leaf in leaves
        for value in columns
    ]


def _leaf_label(catalog: PaperCatalog, leaf_id: str) -> str:
    chain = [n.name for n in catalog.ancestors(leaf_id)[1:]] + [catalog.nodes[leaf_id].name]
    return join_path(chain)


def recent(catalog: PaperCatalog, limit: int = 10) -> list[PaperRecord]:
    """The papers most recently added to the atlas: latest ``added`` date first, by title within a date
    (never by publication year: an old paper added today is news to the atlas)."""
    dated = sorted((p for p in catalog.papers if p.added), key=lambda p: (p.title.casefold(), p.key))
    return sorted(dated, key=lambda p: p.added or "", reverse=True)[:limit]


def build_overview(catalog: PaperCatalog, recent_limit: int = 10) -> Overview:
    vocabulary = catalog.vocabulary
    return Overview(
        totals=totals(catalog),
        per_year=papers_per_year(catalog),
        leaf_by_modality=leaf_matrix(catalog, "modalities", columns=list(vocabulary.modalities), kind="modality"),
        leaf_by_technique=leaf_matrix(
            catalog, "technique_terms", columns=vocabulary.roots("technique"), kind="technique"
        ),
        recent=recent(catalog, recent_limit),
    )

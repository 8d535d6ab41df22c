"""Every paper as a plain, immutable record: what the website's overview, taxonomy browser,
comparison tables and graphs work on.

One pass of bulk queries (a dozen, whatever the size of the knowledge base) instead of one
per paper; the result is plain frozen dataclasses, so the website can cache it for as long
as the database file does not change, and the functions that consume it are pure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from explorer.stats import count_per_node
from ingest.errors import UnknownItem
from ingest.models import (
    Author, Domain, Model, Paper, PaperAuthor, PaperCategory, Relation, Technique, TaxonomyNode,
    paper_domains, paper_modalities, paper_models, paper_techniques,
)

PERSPECTIVE_ORDER = ("data", "model", "training-inference")


@dataclass(frozen=True)
class NodeInfo:
    id: str
    name: str
    parent: str | None
    description: str
    survey_refs: int | None
    depth: int
    is_leaf: bool

    @property
    def perspective(self) -> str:
        return self.id.split("/", 1)[0]


@dataclass(frozen=True)
class PaperRecord:
    key: str
    title: str
    year: int | None
    venue: str | None
    authors: tuple[str, ...]
    leaves: tuple[str, ...]
    modalities: tuple[str, ...]
    models: tuple[str, ...]
    techniques: tuple[str, ...]
    domains: tuple[str, ...]
    granularity: str | None
    summary: str | None
    code_url: str | None
    doi: str | None
    arxiv_id: str | None
    url: str | None
    added: str | None
    classified: bool
    whys: tuple[str, ...] = ()  # why the paper sits at each of its leaves, in the order of ``leaves``

    def why(self, leaf: str) -> str:
        """Why the paper sits at this leaf ('' if it does not)."""
        return self.whys[self.leaves.index(leaf)] if leaf in self.leaves and len(self.whys) == len(self.leaves) else ""

    def whys_under(self, leaves: set[str] | frozenset[str]) -> list[tuple[str, str]]:
        """(leaf, why) for each of the paper's leaves among ``leaves``, in tree order."""
        return [(leaf, self.why(leaf)) for leaf in self.leaves if leaf in leaves]

    @property
    def perspectives(self) -> tuple[str, ...]:
        seen = {leaf.split("/", 1)[0] for leaf in self.leaves}
        return tuple(p for p in PERSPECTIVE_ORDER if p in seen) + tuple(sorted(seen - set(PERSPECTIVE_ORDER)))

    @property
    def has_code(self) -> bool:
        return bool(self.code_url)

    @property
    def first_author(self) -> str:
        if not self.authors:
            return ""
        return self.authors[0] + (" et al." if len(self.authors) > 2 else f" and {self.authors[1]}" if len(self.authors) == 2 else "")


@dataclass(frozen=True)
class RelationRecord:
    source: str
    target: str
    type: str
    note: str | None


@dataclass(frozen=True)
class Catalog:
    papers: tuple[PaperRecord, ...]
    nodes: dict[str, NodeInfo]  # in display order
    relations: tuple[RelationRecord, ...]
    by_key: dict[str, PaperRecord] = field(repr=False)

    def children(self, node_id: str) -> list[NodeInfo]:
        return [n for n in self.nodes.values() if n.parent == node_id]

    def roots(self) -> list[NodeInfo]:
        return [n for n in self.nodes.values() if n.parent is None]

    def leaves_under(self, node_id: str) -> set[str]:
        """Leaf ids at or below a node; KeyError names an unknown node and the known ones."""
        if node_id not in self.nodes:
            raise UnknownItem(f"unknown taxonomy node '{node_id}'; known nodes: {', '.join(self.nodes)}")
        return {n.id for n in self.nodes.values() if n.is_leaf and (n.id == node_id or n.id.startswith(node_id + "/"))}

    def ancestors(self, node_id: str) -> list[NodeInfo]:
        """The node's ancestors, root first (the node excluded)."""
        chain = []
        parent = self.nodes[node_id].parent
        while parent is not None:
            chain.append(self.nodes[parent])
            parent = self.nodes[parent].parent
        return chain[::-1]

    def papers_under(self, node_id: str) -> list[PaperRecord]:
        leaves = self.leaves_under(node_id)
        return [p for p in self.papers if leaves.intersection(p.leaves)]

    def node_counts(self) -> dict[str, int]:
        """Papers per node; a paper counts once at each node at or above its leaves."""
        parents = {n.id: n.parent for n in self.nodes.values()}
        return count_per_node(parents, ((p.key, leaf) for p in self.papers for leaf in p.leaves))

    def years(self) -> tuple[int, int] | None:
        years = [p.year for p in self.papers if p.year is not None]
        return (min(years), max(years)) if years else None


def load_catalog(session: Session) -> Catalog:
    nodes = {
        n.id: NodeInfo(n.id, n.name, n.parent_id, n.description, n.survey_refs, n.depth, n.is_leaf)
        for n in session.scalars(select(TaxonomyNode).order_by(TaxonomyNode.position))
    }
    authors = _grouped(session.execute(
        select(PaperAuthor.paper_key, Author.name).join(Author, Author.id == PaperAuthor.author_id)
        .order_by(PaperAuthor.paper_key, PaperAuthor.position)))
    order = {node_id: i for i, node_id in enumerate(nodes)}
    categories: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, node_id, why in session.execute(select(PaperCategory.paper_key, PaperCategory.node_id, PaperCategory.why)):
        categories[key].append((node_id, why))
    for placed in categories.values():
        placed.sort(key=lambda pair: order.get(pair[0], len(order)))
    models = _grouped(session.execute(
        select(paper_models.c.paper_key, Model.name).join(Model, Model.id == paper_models.c.model_id)))
    techniques = _grouped(session.execute(
        select(paper_techniques.c.paper_key, Technique.name).join(Technique, Technique.id == paper_techniques.c.technique_id)))
    modalities = _grouped(session.execute(select(paper_modalities.c.paper_key, paper_modalities.c.modality)))
    domains = _grouped(session.execute(
        select(paper_domains.c.paper_key, Domain.name).join(Domain, Domain.name == paper_domains.c.domain)))
    rows = session.execute(select(
        Paper.key, Paper.title, Paper.year, Paper.venue, Paper.granularity, Paper.summary, Paper.code_url,
        Paper.doi, Paper.arxiv_id, Paper.url, Paper.added, Paper.classified,
    ).order_by(Paper.year, Paper.key))
    papers = tuple(
        PaperRecord(
            key=r.key, title=r.title, year=r.year, venue=r.venue, authors=tuple(authors.get(r.key, ())),
            leaves=tuple(node_id for node_id, _ in categories.get(r.key, ())),
            whys=tuple(why for _, why in categories.get(r.key, ())),
            modalities=tuple(sorted(modalities.get(r.key, ()))), models=tuple(sorted(models.get(r.key, ()), key=str.casefold)),
            techniques=tuple(sorted(techniques.get(r.key, ()), key=str.casefold)), domains=tuple(sorted(domains.get(r.key, ()))),
            granularity=r.granularity, summary=r.summary, code_url=r.code_url, doi=r.doi, arxiv_id=r.arxiv_id,
            url=r.url, added=r.added, classified=bool(r.classified),
        )
        for r in rows
    )
    relations = tuple(
        RelationRecord(r.source_key, r.target_key, r.type, r.note)
        for r in session.scalars(select(Relation).order_by(Relation.source_key, Relation.target_key, Relation.type))
    )
    return Catalog(papers, nodes, relations, {p.key: p for p in papers})


def _grouped(rows) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for key, value in rows:
        out[key].append(value)
    return out

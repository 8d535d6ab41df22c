"""The paper catalogue: every paper as a plain, immutable record, what the website's overview, taxonomy
browser, comparison tables and graphs work on. (The methods catalogue is another thing: ``methods.catalog``.)

One pass of bulk queries (a dozen, whatever the size of the knowledge base) instead of one
per paper; the result is plain frozen dataclasses, so the website can cache it for as long
as the database file does not change, and the functions that consume it are pure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from explorer.stats import count_per_node
from explorer.terms import load_terms, method_names
from ingest.errors import UnknownItem
from kb.schema import (
    Author,
    Domain,
    Paper,
    PaperAuthor,
    PaperCategory,
    Relation,
    TaxonomyNode,
    paper_domains,
    paper_modalities,
    paper_models,
    paper_techniques,
)
from taxonomy import join_path
from taxonomy.vocabulary import Vocabulary, count_papers

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
    modalities: tuple[str, ...]  # vocabulary ids
    models: tuple[str, ...]  # vocabulary ids, as annotated (a family id when the paper names only the family)
    techniques: tuple[str, ...]  # vocabulary ids, as annotated
    domains: tuple[str, ...]
    granularity: str | None
    summary: str | None
    code_url: str | None
    doi: str | None
    arxiv_id: str | None
    url: str | None
    added: str | None
    classified: bool
    model_names: tuple[str, ...] = ()  # display names, in the order of ``models``
    technique_names: tuple[str, ...] = ()
    model_terms: frozenset[str] = frozenset()  # the models and their families: what a model facet matches
    technique_terms: frozenset[str] = frozenset()  # the techniques and every broader technique
    whys: tuple[str, ...] = ()  # why the paper sits at each of its leaves, in the order of ``leaves``

    def why(self, leaf: str) -> str:
        """Why the paper sits at this leaf ('' if it does not)."""
        placed = leaf in self.leaves and len(self.whys) == len(self.leaves)
        return self.whys[self.leaves.index(leaf)] if placed else ""

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
        return self.authors[0] + (
            " et al." if len(self.authors) > 2 else f" and {self.authors[1]}" if len(self.authors) == 2 else ""
        )


@dataclass(frozen=True)
class RelationRecord:
    source: str
    target: str
    type: str
    note: str | None


@dataclass(frozen=True)
class PaperCatalog:
    papers: tuple[PaperRecord, ...]
    nodes: dict[str, NodeInfo]  # in display order
    relations: tuple[RelationRecord, ...]
    by_key: dict[str, PaperRecord] = field(repr=False)
    vocabulary: Vocabulary = field(repr=False)  # every term stored in the knowledge base
    method_names: dict[str, str] = field(default_factory=dict, repr=False)  # methods catalogue id -> name

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

    def node_path(self, node_id: str) -> str:
        """'Model › Token › Visual Token'."""
        return join_path(n.name for n in [*self.ancestors(node_id), self.nodes[node_id]])

    def term_counts(self, kind: str) -> Counter:
        """Papers per vocabulary term (model, technique or modality), narrower terms and family members included."""
        return self._term_counts[kind]

    @cached_property
    def _term_counts(self) -> dict[str, Counter]:
        lists = {
            "model": [p.models for p in self.papers],
            "technique": [p.techniques for p in self.papers],
            "modality": [p.modalities for p in self.papers],
        }
        return {kind: count_papers(self.vocabulary, kind, ids) for kind, ids in lists.items()}


def load_paper_catalog(session: Session) -> PaperCatalog:
    nodes = {
        n.id: NodeInfo(n.id, n.name, n.parent_id, n.description, n.survey_refs, n.depth, n.is_leaf)
        for n in session.scalars(select(TaxonomyNode).order_by(TaxonomyNode.position))
    }
    authors = _grouped(
        session.execute(
            select(PaperAuthor.paper_key, Author.name)
            .join(Author, Author.id == PaperAuthor.author_id)
            .order_by(PaperAuthor.paper_key, PaperAuthor.position)
        )
    )
    order = {node_id: i for i, node_id in enumerate(nodes)}
    categories: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, node_id, why in session.execute(select(PaperCategory.paper_key, PaperCategory.node_id, PaperCategory.why)):
        categories[key].append((node_id, why))
    for placed in categories.values():
        placed.sort(key=lambda pair: order.get(pair[0], len(order)))
    vocabulary = load_terms(session)
    models = _grouped(session.execute(select(paper_models.c.paper_key, paper_models.c.model_id)))
    techniques = _grouped(session.execute(select(paper_techniques.c.paper_key, paper_techniques.c.technique_id)))
    modalities = _grouped(session.execute(select(paper_modalities.c.paper_key, paper_modalities.c.modality)))
    domains = _grouped(
        session.execute(
            select(paper_domains.c.paper_key, Domain.name).join(Domain, Domain.name == paper_domains.c.domain)
        )
    )
    rows = session.execute(
        select(
            Paper.key,
            Paper.title,
            Paper.year,
            Paper.venue,
            Paper.granularity,
            Paper.summary,
            Paper.code_url,
            Paper.doi,
            Paper.arxiv_id,
            Paper.url,
            Paper.added,
            Paper.classified,
        ).order_by(Paper.year, Paper.key)
    )
    papers = tuple(
        PaperRecord(
            key=r.key,
            title=r.title,
            year=r.year,
            venue=r.venue,
            authors=tuple(authors.get(r.key, ())),
            leaves=tuple(node_id for node_id, _ in categories.get(r.key, ())),
            whys=tuple(why for _, why in categories.get(r.key, ())),
            domains=tuple(sorted(domains.get(r.key, ()))),
            granularity=r.granularity,
            summary=r.summary,
            code_url=r.code_url,
            doi=r.doi,
            arxiv_id=r.arxiv_id,
            url=r.url,
            added=r.added,
            classified=bool(r.classified),
            **_terms_of(vocabulary, models.get(r.key, ()), techniques.get(r.key, ()), modalities.get(r.key, ())),
        )
        for r in rows
    )
    relations = tuple(
        RelationRecord(r.source_key, r.target_key, r.type, r.note)
        for r in session.scalars(select(Relation).order_by(Relation.source_key, Relation.target_key, Relation.type))
    )
    return PaperCatalog(papers, nodes, relations, {p.key: p for p in papers}, vocabulary, method_names(session))


def _terms_of(vocabulary: Vocabulary, models, techniques, modalities) -> dict:
    """A paper's terms sorted by display name, with their names and broader terms."""

    def by_name(kind, ids):
        return tuple(sorted(ids, key=lambda i: (vocabulary.label(kind, i).casefold(), i)))

    models, techniques = by_name("model", models), by_name("technique", techniques)
    modality_order = {m: i for i, m in enumerate(vocabulary.modalities)}
    return {
        "models": models,
        "techniques": techniques,
        "modalities": tuple(sorted(modalities, key=lambda m: (modality_order.get(m, len(modality_order)), m))),
        "model_names": tuple(vocabulary.label("model", i) for i in models),
        "technique_names": tuple(vocabulary.label("technique", i) for i in techniques),
        "model_terms": frozenset(vocabulary.expand("model", models)),
        "technique_terms": frozenset(vocabulary.expand("technique", techniques)),
    }


def _grouped(rows) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for key, value in rows:
        out[key].append(value)
    return out

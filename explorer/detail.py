"""The paper page's data: one paper with everything that hangs off it, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from explorer import urls
from explorer.export import bibtex_entry
from explorer.papers import author_names, get_paper
from explorer.safety import safe_url
from ingest.errors import UnknownItem
from kb.schema import Paper, Relation, TaxonomyNode
from taxonomy import join_path


class UnknownPaper(UnknownItem):
    """A key that is not in the knowledge base."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ExternalLink:
    label: str  # "arXiv", "DOI", "URL", "Code"
    text: str  # what the data says, shown as text
    href: str | None  # a safe http(s) URL, or None when the value is not a web link


@dataclass(frozen=True)
class CategoryView:
    node_id: str
    path: str  # "Model › Token › Visual Token"
    why: str


@dataclass(frozen=True)
class RelationView:
    direction: str  # "out": this paper -> other; "in": other -> this paper
    type: str
    key: str
    title: str
    year: int | None
    note: str | None


@dataclass(frozen=True)
class TermLink:
    """A vocabulary term of the paper: its id, display name and the page about it."""

    id: str
    name: str
    href: str


@dataclass(frozen=True)
class MethodView:
    id: str
    name: str


@dataclass(frozen=True)
class PaperView:
    key: str
    title: str
    authors: list[str]
    venue: str | None
    year: int | None
    entry_type: str
    summary: str | None
    classified: bool
    links: list[ExternalLink]
    code: ExternalLink | None
    categories: list[CategoryView]
    models: list[str]  # vocabulary ids (the Compare facet values); names and pages in model_links
    modalities: list[str]
    techniques: list[str]
    granularity: str | None
    domains: list[str]
    methods: list[MethodView]
    relations: list[RelationView]
    bibtex: str
    added: str | None
    source: str  # "data/papers/<key>.bib:1"
    checked_against: ExternalLink | None = None  # the page the metadata was verified on
    verification_notes: str | None = None  # caveats, e.g. a venue seen only on a third-party page
    model_links: list[TermLink] = field(default_factory=list)  # in the order of ``models``, to the model pages
    technique_links: list[TermLink] = field(default_factory=list)  # to the technique pages
    modality_links: list[TermLink] = field(default_factory=list)  # to Compare filtered by the modality


def external(label: str, value: str | None, href: str | None = None) -> ExternalLink | None:
    if not value:
        return None
    return ExternalLink(label, value, safe_url(href if href is not None else value))


def paper_view(session: Session, key: str) -> PaperView:
    paper = get_paper(session, key)
    if paper is None:
        raise UnknownPaper(f"no paper with key '{key}' in the knowledge base")
    nodes = {
        node_id: (name, position)
        for node_id, name, position in session.execute(
            select(TaxonomyNode.id, TaxonomyNode.name, TaxonomyNode.position)
        )
    }
    names = {node_id: name for node_id, (name, _) in nodes.items()}
    categories = sorted(paper.categories, key=lambda c: nodes.get(c.node_id, ("", len(nodes)))[1])
    model_links = _term_links(paper.models, lambda m: m.name, urls.model)
    technique_links = _term_links(paper.techniques, lambda t: t.name, urls.technique)
    modality_links = [
        TermLink(m.name, m.label, urls.compare(modality=[m.name]).href)
        for m in sorted(paper.modalities, key=lambda m: m.position)
    ]
    links = [
        external("arXiv", paper.arxiv_id, urls.arxiv(paper.arxiv_id) if paper.arxiv_id else None),
        external("DOI", paper.doi, urls.doi(paper.doi) if paper.doi else None),
        external("URL", paper.url),
    ]
    return PaperView(
        key=paper.key,
        title=paper.title,
        authors=author_names(paper),
        venue=paper.venue,
        year=paper.year,
        entry_type=paper.entry_type,
        summary=paper.summary,
        classified=paper.classified,
        links=[link for link in links if link is not None],
        code=external("Code", paper.code_url),
        categories=[CategoryView(c.node_id, _node_path(names, c.node_id), c.why) for c in categories],  # in tree order
        models=[link.id for link in model_links],
        modalities=[link.id for link in modality_links],
        techniques=[link.id for link in technique_links],
        model_links=model_links,
        technique_links=technique_links,
        modality_links=modality_links,
        granularity=paper.granularity,
        domains=sorted(d.name for d in paper.domains),
        methods=[MethodView(m.id, m.name) for m in sorted(paper.methods, key=lambda m: m.id)],
        relations=relations_of(session, key),
        bibtex=bibtex_entry(paper),
        added=paper.added,
        source=f"{paper.source_path}:{paper.source_line}",
        checked_against=external("checked against", _verification(paper).get("source")),
        verification_notes=_verification(paper).get("notes"),
    )


def _term_links(rows, name_of, page) -> list[TermLink]:
    """The paper's terms by display name, each with the link to its page."""
    ordered = sorted(rows, key=lambda r: name_of(r).casefold())
    return [TermLink(row.id, name_of(row), page(row.id).href) for row in ordered]


def _verification(paper) -> dict:
    verification = (paper.annotation or {}).get("verification")
    return verification if isinstance(verification, dict) else {}


def relations_of(session: Session, key: str) -> list[RelationView]:
    """Typed links from and to the paper, with the other paper's title."""
    rows = session.execute(
        select(Relation, Paper.title, Paper.year)
        .join(
            Paper,
            or_(
                (Relation.source_key == key) & (Paper.key == Relation.target_key),
                (Relation.target_key == key) & (Paper.key == Relation.source_key),
            ),
        )
        .where(or_(Relation.source_key == key, Relation.target_key == key))
    ).all()
    views = []
    for relation, title, year in rows:
        outgoing = relation.source_key == key
        other = relation.target_key if outgoing else relation.source_key
        views.append(RelationView("out" if outgoing else "in", relation.type, other, title, year, relation.note))
    return sorted(views, key=lambda v: (v.direction != "out", v.type, v.key))


def _node_path(names: dict[str, str], node_id: str) -> str:
    parts = node_id.split("/")
    return join_path(names.get("/".join(parts[: i + 1]), parts[i]) for i in range(len(parts)))

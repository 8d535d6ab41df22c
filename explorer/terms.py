"""The vocabulary on the read side: the terms as the knowledge base stores them, the technique and
model pages, and the listing of ``atlas vocabulary``.

The knowledge base holds every term of ``taxonomy/vocabulary/`` (see ``ingest.load``), so the
website needs no file but the database. :func:`load_terms` turns those rows back into the
:class:`~taxonomy.vocabulary.Vocabulary` that ingest checked against, so the hierarchy rules
(broader terms, families, spellings) live in one place. The pages are built from the catalogue
as plain data (:func:`technique_page`, :func:`model_page`); rendering is the website's job.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from explorer import urls
from explorer.safety import safe_url
from ingest.annotations import read_annotation
from ingest.errors import UnknownItem
from ingest.kbfile import default_db_path
from ingest.validate import DEFAULT_DATA_DIR, source_files
from kb.schema import Method, Modality, Model, ModelKind, Technique
from taxonomy.vocabulary import FIELDS, Term, Vocabulary, count_papers

RELATED_LIMIT = 8  # co-occurring terms shown on a page


class UnknownTerm(UnknownItem):
    """A term id the vocabulary does not have; the message names the closest ids."""


# --- the vocabulary from the knowledge base -----------------------------------------------------------


def load_terms(session: Session) -> Vocabulary:
    """The vocabulary stored in the knowledge base (every term, used by a paper or not)."""
    kinds = {k.id: Term("kind", k.id, k.name, k.definition) for k in session.scalars(select(ModelKind))}
    families, models = {}, {}
    for row in session.scalars(select(Model).order_by(Model.position)):
        if row.kind == "family":
            families[row.id] = Term(
                "family", row.id, row.name, row.definition, tuple(row.aliases or ()), organisation=row.organisation
            )
        else:
            models[row.id] = Term(
                "model",
                row.id,
                row.name,
                row.definition,
                tuple(row.aliases or ()),
                row.family_id,
                model_kind=row.kind,
                organisation=row.organisation,
                year=row.year,
                homepage=row.homepage,
                paper=row.paper_key,
                source=row.source,
                unconfirmed=tuple(row.unconfirmed or ()),
            )
    techniques = {
        t.id: Term("technique", t.id, t.name, t.definition, tuple(t.aliases or ()), t.broader_id, method=t.method_id)
        for t in session.scalars(select(Technique).order_by(Technique.position))
    }
    modalities = {
        m.name: Term("modality", m.name, m.label, m.definition, tuple(m.aliases or ()))
        for m in session.scalars(select(Modality).order_by(Modality.position))
    }
    return Vocabulary(models, families, techniques, modalities, kinds)


def method_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Method.id, Method.name)).all())


# --- technique and model pages -----------------------------------------------------------------------


@dataclass(frozen=True)
class TermRef:
    """A link to another term's page, with how many papers it covers (narrower terms included)."""

    kind: str  # model | family | technique | modality
    id: str
    name: str
    papers: int
    href: str


@dataclass(frozen=True)
class Fact:
    label: str
    text: str
    href: str | None = None  # a safe link, or None to show the text alone


@dataclass(frozen=True)
class LeafPapers:
    leaf: str
    path: str  # "Model › Token › Visual Token"
    papers: tuple  # PaperRecord, newest first
    compare: urls.Link  # the Compare page filtered by the term and this leaf: every one of these papers


@dataclass(frozen=True)
class TermPage:
    """Everything a technique, model or model-family page shows."""

    kind: str  # technique | model | family
    id: str
    name: str
    definition: str
    aliases: tuple[str, ...]
    broader: tuple[TermRef, ...]  # a technique's broader terms (broadest first), a model's family
    narrower: tuple[TermRef, ...]  # a technique's narrower terms, a family's models
    facts: tuple[Fact, ...]  # a model's kind, organisation, year, homepage and paper
    method: Fact | None  # a technique's runnable implementation in methods/, when there is one
    papers: tuple  # every paper with the term or a narrower one, newest first
    by_leaf: tuple[LeafPapers, ...]  # in taxonomy order
    by_year: tuple[tuple[int, int], ...]  # (year, papers), oldest first
    related_techniques: tuple[TermRef, ...]  # used together with this term most often
    related_models: tuple[TermRef, ...]
    compare: urls.Link  # the Compare page filtered by this term


def technique_page(catalog, technique_id: str) -> TermPage:
    vocabulary = catalog.vocabulary
    term = _term(vocabulary, "technique", technique_id)
    papers = _papers_with(catalog, "technique", technique_id)
    method = None
    if term.method:
        name = catalog.method_names.get(term.method, term.method)
        method = Fact("Runnable method", name, urls.methods(term.method).href)
    around = {
        technique_id,
        *vocabulary.ancestors("technique", technique_id),
        *vocabulary.descendants("technique", technique_id),
    }
    return TermPage(
        kind="technique",
        id=term.id,
        name=term.name,
        definition=term.definition,
        aliases=term.aliases,
        broader=tuple(_ref(catalog, "technique", i) for i in reversed(vocabulary.ancestors("technique", technique_id))),
        narrower=tuple(_ref(catalog, "technique", i) for i in vocabulary.narrower("technique", technique_id)),
        facts=(),
        method=method,
        papers=tuple(papers),
        by_leaf=_by_leaf(catalog, papers, "technique", technique_id),
        by_year=_by_year(papers),
        related_techniques=_co_occurring(catalog, papers, "technique", exclude=around),
        related_models=_co_occurring(catalog, papers, "model", exclude=set()),
        compare=urls.compare(technique=[technique_id]),
    )


def model_page(catalog, model_id: str) -> TermPage:
    """The page of a model, or of a family (``llava-family``) with all its models' papers."""
    vocabulary = catalog.vocabulary
    term = _term(vocabulary, "model", model_id)
    papers = _papers_with(catalog, "model", model_id)
    family = vocabulary.families.get(term.broader) if term.broader else None
    kind = "family" if model_id in vocabulary.families else "model"
    siblings = set(vocabulary.narrower("model", term.broader)) if term.broader else set()
    return TermPage(
        kind=kind,
        id=term.id,
        name=term.name,
        definition=term.definition,
        aliases=term.aliases,
        broader=(_ref(catalog, "model", family.id),) if family else (),
        narrower=tuple(_ref(catalog, "model", i) for i in vocabulary.narrower("model", model_id)),
        facts=_model_facts(catalog, term),
        method=None,
        papers=tuple(papers),
        by_leaf=_by_leaf(catalog, papers, "model", model_id),
        by_year=_by_year(papers),
        related_techniques=_co_occurring(catalog, papers, "technique", exclude=set()),
        related_models=_co_occurring(
            catalog, papers, "model", exclude={model_id, *vocabulary.narrower("model", model_id)}, first=siblings
        ),
        compare=urls.compare(model=[model_id]),
    )


def _term(vocabulary: Vocabulary, kind: str, term_id: str) -> Term:
    term = vocabulary.term(kind, term_id)
    if term is None:
        closest = vocabulary.suggest(kind, term_id)
        hint = f"closest: {', '.join(closest)}" if closest else f"see `atlas vocabulary --kind {kind}`"
        raise UnknownTerm(f"no {kind} '{term_id}' in the vocabulary ({hint})")
    return term


def _papers_with(catalog, kind: str, term_id: str) -> list:
    attribute = "model_terms" if kind == "model" else "technique_terms"
    papers = [p for p in catalog.papers if term_id in getattr(p, attribute)]
    return sorted(papers, key=lambda p: (-(p.year or 0), p.key))


def _ref(catalog, kind: str, term_id: str) -> TermRef:
    term = catalog.vocabulary.term(kind, term_id)
    page = urls.technique(term_id) if kind == "technique" else urls.model(term_id)
    return TermRef(term.kind, term_id, term.name, catalog.term_counts(kind)[term_id], page.href)


def _by_leaf(catalog, papers: list, kind: str, term_id: str) -> tuple[LeafPapers, ...]:
    out = []
    for node in catalog.nodes.values():
        if node.is_leaf:
            here = tuple(p for p in papers if node.id in p.leaves)
            if here:
                term = [term_id]
                compare = urls.compare(
                    node=[node.id], model=term if kind == "model" else [], technique=term if kind == "technique" else []
                )
                out.append(LeafPapers(node.id, catalog.node_path(node.id), here, compare))
    return tuple(out)


def _by_year(papers: list) -> tuple[tuple[int, int], ...]:
    return tuple(sorted(Counter(p.year for p in papers if p.year is not None).items()))


def _co_occurring(
    catalog, papers: list, kind: str, exclude: set[str], first: AbstractSet[str] = frozenset()
) -> tuple[TermRef, ...]:
    """Terms the papers name most often (their own ids, not broader ones), ``first`` ahead of the rest."""
    attribute = "models" if kind == "model" else "techniques"
    counts = Counter(t for p in papers for t in getattr(p, attribute) if t not in exclude)
    ranked = sorted(set(counts) | (set(first) - exclude), key=lambda t: (t not in first, -counts[t], t))
    return tuple(_ref(catalog, kind, t) for t in ranked[:RELATED_LIMIT] if catalog.vocabulary.term(kind, t))


def _as_confirmed(term: Term, field_name: str, value: str) -> str:
    """The value, marked when no primary page could confirm it (readers should not cite it as fact)."""
    return f"{value} (not confirmed on a primary page)" if field_name in term.unconfirmed else value


def _model_facts(catalog, term: Term) -> tuple[Fact, ...]:
    vocabulary = catalog.vocabulary
    facts = []
    if term.model_kind:
        kind = vocabulary.model_kinds.get(term.model_kind)
        facts.append(Fact("Kind", kind.name if kind else term.model_kind))
    if term.organisation:
        facts.append(Fact("Organisation", _as_confirmed(term, "organisation", term.organisation)))
    if term.year:
        facts.append(Fact("First released", _as_confirmed(term, "year", str(term.year))))
    if term.homepage:
        facts.append(Fact("Homepage", term.homepage, safe_url(term.homepage)))
    if term.source:
        facts.append(Fact("Source of these facts", term.source, safe_url(term.source)))
    if term.paper:
        in_atlas = term.paper in catalog.by_key
        facts.append(
            Fact(
                "Paper",
                catalog.by_key[term.paper].title if in_atlas else term.paper,
                urls.paper(term.paper).href if in_atlas else None,
            )
        )
    return tuple(facts)


# --- the listing of `atlas vocabulary` ----------------------------------------------------------------


def paper_terms(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, list[list[str]]]:
    """For each field kind, every annotation's list of term ids, read from the data folder."""
    out: dict[str, list[list[str]]] = {kind: [] for kind in FIELDS}
    for path in source_files(Path(data_dir)):
        if path.suffix != ".yaml":
            continue
        annotation, _ = read_annotation(path)
        if annotation is not None:
            for kind, name in FIELDS.items():
                out[kind].append([v for v in annotation.items(name) if isinstance(v, str)])
    return out


def vocabulary_entries(
    vocabulary: Vocabulary,
    papers: dict[str, list[list[str]]],
    kinds: tuple[str, ...] = tuple(FIELDS),
    papers_per_topic: dict[str, int] | None = None,
) -> list[dict]:
    """Every term of the chosen kinds as a plain object: id, name, family or broader term, aliases,
    definition and paper count (a broader term or a family counts the papers of its narrower terms).
    A topic's count is ``papers_per_topic[name]`` (``topic_counts``); None when there is none."""
    entries = []
    for kind in kinds:
        if kind == "topic":
            by_name = papers_per_topic or {}
            counts: Mapping[str, int | None] = {t.id: by_name.get(t.name) for t in vocabulary.topics.values()}
        else:
            counts = count_papers(vocabulary, kind, papers.get(kind, []))
        order = [i for i, _ in vocabulary.walk(kind)] if kind != "modality" else list(vocabulary.modalities)
        for term_id in order:
            entries.append(_entry(vocabulary.terms(kind)[term_id], counts[term_id]))
    return entries


def topic_counts(db_path: Path | None) -> tuple[dict[str, int] | None, str]:
    """Topic name -> papers about it in the knowledge base (``--db``, else $ATLAS_DB or the default file when it
    exists), by related-work search's rule, and a sentence saying where the counts come from. No annotation names
    a topic, so without a knowledge base there is no count; a ``db_path`` given but unusable is an error."""
    from contextlib import closing

    from explorer.db import KnowledgeBaseMissing, connect_read_only, resolve_db_path
    from explorer.related.topics import papers_per_topic

    try:
        path = resolve_db_path(db_path)
    except KnowledgeBaseMissing:
        if db_path is not None:
            raise
        return None, f"topic paper counts need a knowledge base: none at {default_db_path()} (run `atlas build`)"
    with closing(connect_read_only(path)) as conn:
        counts = papers_per_topic(conn)
    return counts, (
        f"topic paper counts: papers of {path} whose title, summary or a category's why names the topic "
        "(as related-work search finds them)"
    )


def _entry(term: Term, papers: int | None) -> dict:
    entry: dict[str, object] = {"kind": term.kind, "id": term.id, "name": term.name}
    if term.kind == "model":
        entry["family"] = term.broader
    elif term.kind in ("technique", "topic"):
        entry["broader"] = term.broader
    entry.update({"aliases": list(term.aliases), "definition": term.definition, "papers": papers})
    if term.kind == "model":
        entry.update(
            {
                "model_kind": term.model_kind,
                "organisation": term.organisation,
                "year": term.year,
                "homepage": term.homepage,
                "paper": term.paper,
                "source": term.source,
                "unconfirmed": list(term.unconfirmed),
            }
        )
    if term.kind == "topic":
        entry.update({"plain": term.plain, "informal": list(term.informal)})
    if term.kind == "technique":
        entry.update({"method": term.method, "plain": term.plain, "informal": list(term.informal)})
    return entry

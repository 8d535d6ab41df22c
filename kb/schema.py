"""The knowledge base schema: SQLAlchemy 2 typed models.

Written only by ``ingest.load``; read by ``explorer``; both import it from here, a layer below both.
Everything here is portable SQL
except the FTS5 index, which ``ingest.load`` creates on SQLite only.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, LargeBinary, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _link_table(name: str, column: str, target: str) -> Table:
    """A plain many-to-many table between papers and a named vocabulary table."""
    return Table(
        name,
        Base.metadata,
        Column("paper_key", ForeignKey("papers.key", ondelete="CASCADE"), primary_key=True),
        Column(column, ForeignKey(target, ondelete="CASCADE"), primary_key=True, index=True),
    )


paper_models = _link_table("paper_models", "model_id", "models.id")
paper_modalities = _link_table("paper_modalities", "modality", "modalities.name")
paper_techniques = _link_table("paper_techniques", "technique_id", "techniques.id")
paper_methods = _link_table("paper_methods", "method_id", "methods.id")
paper_domains = _link_table("paper_domains", "domain", "domains.name")


class Paper(Base):
    __tablename__ = "papers"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    entry_type: Mapped[str]
    title: Mapped[str]  # decoded for display
    year: Mapped[int | None] = mapped_column(index=True)
    month: Mapped[int | None]
    venue: Mapped[str | None]
    doi: Mapped[str | None] = mapped_column(index=True)
    arxiv_id: Mapped[str | None] = mapped_column(index=True)
    url: Mapped[str | None]
    code_url: Mapped[str | None]
    summary: Mapped[str | None] = mapped_column(Text)
    granularity: Mapped[str | None]
    classified: Mapped[bool] = mapped_column(default=False)
    added: Mapped[str | None]
    bibtex: Mapped[str] = mapped_column(Text)  # the entry exactly as written in its file
    fields: Mapped[dict] = mapped_column(JSON)  # evaluated BibTeX fields (TeX kept); decode with ingest.latex
    annotation: Mapped[dict | None] = mapped_column(JSON)
    source_path: Mapped[str]
    source_line: Mapped[int]

    authors: Mapped[list[PaperAuthor]] = relationship(order_by="PaperAuthor.position", viewonly=True)
    categories: Mapped[list[PaperCategory]] = relationship(viewonly=True)
    models: Mapped[list[Model]] = relationship(secondary=paper_models, viewonly=True)
    modalities: Mapped[list[Modality]] = relationship(secondary=paper_modalities, viewonly=True)
    techniques: Mapped[list[Technique]] = relationship(secondary=paper_techniques, viewonly=True)
    methods: Mapped[list[Method]] = relationship(secondary=paper_methods, viewonly=True)
    domains: Mapped[list[Domain]] = relationship(secondary=paper_domains, viewonly=True)


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]  # as displayed, e.g. "Jörg Müller"
    name_key: Mapped[str] = mapped_column(unique=True)  # folded form that identifies the person


class PaperAuthor(Base):
    __tablename__ = "paper_authors"

    paper_key: Mapped[str] = mapped_column(ForeignKey("papers.key", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)

    author: Mapped[Author] = relationship(viewonly=True)


class TaxonomyNode(Base):
    __tablename__ = "taxonomy_nodes"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("taxonomy_nodes.id"))
    description: Mapped[str] = mapped_column(Text)
    survey_refs: Mapped[int | None]
    depth: Mapped[int]
    position: Mapped[int]  # display order
    is_leaf: Mapped[bool]


class PaperCategory(Base):
    __tablename__ = "paper_categories"

    paper_key: Mapped[str] = mapped_column(ForeignKey("papers.key", ondelete="CASCADE"), primary_key=True)
    node_id: Mapped[str] = mapped_column(ForeignKey("taxonomy_nodes.id"), primary_key=True, index=True)
    why: Mapped[str] = mapped_column(Text)

    node: Mapped[TaxonomyNode] = relationship(viewonly=True)


class ModelKind(Base):
    """A kind of model of the vocabulary (mllm, vision-encoder, ...) with what it means."""

    __tablename__ = "model_kinds"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    definition: Mapped[str] = mapped_column(Text)


class ModelFamily(Base):
    """A family of the vocabulary (taxonomy/vocabulary/models.yaml), e.g. llava-family."""

    __tablename__ = "model_families"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    organisation: Mapped[str | None]
    definition: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int]  # file order


class Model(Base):
    """Every model of the vocabulary, and one row per family (``kind`` 'family', ``family_id`` its own id)
    for papers that name only a family: so ``family_id = X`` selects a family's papers in one join."""

    __tablename__ = "models"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    family_id: Mapped[str | None] = mapped_column(ForeignKey("model_families.id"), index=True)
    kind: Mapped[str]  # a model kind of the vocabulary (mllm, vision-encoder, ...) or 'family'
    organisation: Mapped[str | None]
    year: Mapped[int | None]
    definition: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    homepage: Mapped[str | None]
    paper_key: Mapped[str | None]  # the introducing paper; may be outside the knowledge base
    source: Mapped[str | None]  # the primary page that confirms organisation and year
    unconfirmed: Mapped[list] = mapped_column(JSON, default=list)  # facts no primary page could confirm
    position: Mapped[int]


class Modality(Base):
    __tablename__ = "modalities"

    name: Mapped[str] = mapped_column(primary_key=True)  # the vocabulary id (text, image, ...)
    label: Mapped[str]
    definition: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int]


class Technique(Base):
    __tablename__ = "techniques"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    definition: Mapped[str] = mapped_column(Text)
    broader_id: Mapped[str | None] = mapped_column(ForeignKey("techniques.id"), index=True)
    method_id: Mapped[str | None]  # methods/catalog.yaml id of our runnable implementation
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    depth: Mapped[int]  # 0 for the broad families
    position: Mapped[int]  # display order: each broad family followed by its narrower terms


class TechniqueAncestor(Base):
    """The technique hierarchy as a closure table: every (technique, broader term) pair at any distance,
    and each technique with itself at distance 0, so a broader technique's papers are one join away."""

    __tablename__ = "technique_ancestors"

    technique_id: Mapped[str] = mapped_column(ForeignKey("techniques.id"), primary_key=True)
    ancestor_id: Mapped[str] = mapped_column(ForeignKey("techniques.id"), primary_key=True, index=True)
    distance: Mapped[int]


class Domain(Base):
    __tablename__ = "domains"

    name: Mapped[str] = mapped_column(primary_key=True)


class Method(Base):
    """An entry of methods/catalog.yaml, so papers can link to runnable implementations."""

    __tablename__ = "methods"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    paper_key: Mapped[str | None]  # canonical paper; may be outside the knowledge base
    description: Mapped[str | None] = mapped_column(Text)  # the catalogue's paragraph (related work reads it)


class Relation(Base):
    __tablename__ = "relations"

    source_key: Mapped[str] = mapped_column(ForeignKey("papers.key", ondelete="CASCADE"), primary_key=True)
    target_key: Mapped[str] = mapped_column(ForeignKey("papers.key", ondelete="CASCADE"), primary_key=True, index=True)
    type: Mapped[str] = mapped_column(primary_key=True)
    note: Mapped[str | None]


class BuildInfo(Base):
    __tablename__ = "build_info"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_hash: Mapped[str]
    ingest_version: Mapped[int]
    built_at: Mapped[str]  # ISO 8601, UTC
    counts: Mapped[dict] = mapped_column(JSON)
    warnings: Mapped[list] = mapped_column(JSON)  # "path:line: message" of every warning of the build
    # "path:line: message" of every error of a --keep-going build (the entries concerned were left out)
    errors: Mapped[list] = mapped_column(JSON, default=list)


class RelatedIndexPart(Base):
    """One part of the arrays related work ranks with (explorer.related.index writes and reads the format),
    computed at build time so that the first query does not have to read every paper."""

    __tablename__ = "related_index"

    name: Mapped[str] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


# The full-text index is an FTS5 virtual table, not a model: its names are in kb.fts.

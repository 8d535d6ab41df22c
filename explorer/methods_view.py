"""The methods catalogue as the Methods page and ``atlas methods list`` show it: each entry of
``methods/catalog.yaml`` joined with the knowledge base (is the canonical paper in the atlas, which
papers use the method). The demo figures are run and cached by ``methods.demo_runs``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from explorer.safety import safe_url
from kb.schema import Paper, paper_methods
from methods.catalog import MethodEntry, UnknownMethodError, load_catalog
from taxonomy import join_path, load_taxonomy

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Library:
    name: str
    url: str  # as the catalogue says
    href: str | None  # a safe http(s) URL, or None: then the URL is shown as text, never as a link


@dataclass(frozen=True)
class Leaf:
    id: str
    path: str  # "Model › Token › Visual Token"


@dataclass(frozen=True)
class PaperRef:
    key: str
    title: str
    year: int | None


@dataclass(frozen=True)
class MethodCard:
    id: str
    name: str
    description: str
    leaves: tuple[Leaf, ...]
    paper: str  # key of the canonical paper
    paper_title: str
    paper_in_atlas: bool | None  # None: no knowledge base to ask
    libraries: tuple[Library, ...]
    implementation: str  # dotted path of our implementation
    used_by: tuple[PaperRef, ...] | None  # papers of the atlas whose annotation lists the method; None: no database

    @property
    def summary(self) -> str:
        """The description's first sentence."""
        return _SENTENCE_END.split(self.description, maxsplit=1)[0]

    def as_dict(self) -> dict:
        """Plain JSON-ready values (``atlas methods list --format json``)."""
        return {
            "id": self.id,
            "name": self.name,
            "leaves": [leaf.id for leaf in self.leaves],
            "paper": self.paper,
            "paper_title": self.paper_title,
            "paper_in_atlas": self.paper_in_atlas,
            "libraries": [{"name": lib.name, "url": lib.url} for lib in self.libraries],
            "implementation": self.implementation,
            "description": self.description,
            "used_by": None if self.used_by is None else [p.key for p in self.used_by],
        }


def method_cards(session: Session | None = None, catalog_path: Path | str | None = None) -> list[MethodCard]:
    """Every catalogued method in catalogue order; with a session, joined with the knowledge base."""
    entries = load_catalog(catalog_path)
    taxonomy = load_taxonomy()
    in_atlas: set[str] | None = None
    used_by: dict[str, list[PaperRef]] | None = None
    if session is not None:
        wanted = {e.paper for e in entries}
        in_atlas = set(session.scalars(select(Paper.key).where(Paper.key.in_(wanted))))
        used_by = {}
        rows = session.execute(
            select(paper_methods.c.method_id, Paper.key, Paper.title, Paper.year).join(
                Paper, Paper.key == paper_methods.c.paper_key
            )
        )
        for method_id, key, title, year in rows:
            used_by.setdefault(method_id, []).append(PaperRef(key, title, year))
    return [_card(e, taxonomy, in_atlas, used_by) for e in entries]


def method_card(method_id: str, session: Session | None = None, catalog_path: Path | str | None = None) -> MethodCard:
    """One method; raises :class:`UnknownMethodError` (a KeyError whose message lists the known ids)."""
    return find(method_cards(session, catalog_path), method_id)


def find(cards: list[MethodCard], method_id: str) -> MethodCard:
    """The card with this id; raises :class:`UnknownMethodError` listing the known ids."""
    for card in cards:
        if card.id == method_id:
            return card
    raise UnknownMethodError(method_id, [c.id for c in cards])


def _card(
    entry: MethodEntry, taxonomy, in_atlas: set[str] | None, used_by: dict[str, list[PaperRef]] | None
) -> MethodCard:
    def path(node_id: str) -> str:
        ids = [*reversed(taxonomy.ancestors(node_id)), node_id] if node_id in taxonomy else [node_id]
        return join_path(taxonomy[i].name if i in taxonomy else i for i in ids)

    papers = None
    if used_by is not None:
        papers = tuple(sorted(used_by.get(entry.id, []), key=lambda p: (-(p.year or 0), p.title.casefold())))
    return MethodCard(
        id=entry.id,
        name=entry.name,
        description=entry.description,
        leaves=tuple(Leaf(leaf, path(leaf)) for leaf in entry.leaves),
        paper=entry.paper,
        paper_title=entry.paper_title,
        paper_in_atlas=None if in_atlas is None else entry.paper in in_atlas,
        libraries=tuple(Library(lib["name"], lib["url"], safe_url(lib["url"])) for lib in entry.libraries),
        implementation=entry.implementation,
        used_by=papers,
    )

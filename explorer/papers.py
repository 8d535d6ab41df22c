"""Fetch papers with everything that hangs off them, and select them by taxonomy node."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ingest.errors import UnknownItem
from kb.schema import Paper, PaperAuthor, PaperCategory, TaxonomyNode


def _with_links(query):
    return query.options(
        selectinload(Paper.authors).selectinload(PaperAuthor.author),
        selectinload(Paper.categories),
        selectinload(Paper.models),
        selectinload(Paper.modalities),
        selectinload(Paper.techniques),
        selectinload(Paper.methods),
        selectinload(Paper.domains),
    )


def leaf_ids_under(session: Session, node_ids: Iterable[str]) -> set[str]:
    """Leaf ids at or below each node; raises KeyError naming an unknown node."""
    nodes = {n.id: n for n in session.scalars(select(TaxonomyNode))}
    leaves = set()
    for node_id in node_ids:
        if node_id not in nodes:
            known = ", ".join(sorted(nodes))
            raise UnknownItem(f"unknown taxonomy node '{node_id}'; known nodes: {known}")
        leaves |= {n for n, node in nodes.items() if node.is_leaf and (n == node_id or n.startswith(node_id + "/"))}
    return leaves


def get_papers(session: Session, categories: Iterable[str] = (), keys: Iterable[str] | None = None) -> list[Paper]:
    """Papers (ordered by year, then key) in any of ``categories`` (nodes, descendants included)."""
    query = _with_links(select(Paper)).order_by(Paper.year, Paper.key)
    categories = list(categories)
    if categories:
        leaves = leaf_ids_under(session, categories)
        query = query.where(Paper.key.in_(select(PaperCategory.paper_key).where(PaperCategory.node_id.in_(leaves))))
    if keys is not None:
        query = query.where(Paper.key.in_(list(keys)))
    return list(session.scalars(query))


def get_paper(session: Session, key: str) -> Paper | None:
    return session.scalar(_with_links(select(Paper)).where(Paper.key == key))


def author_names(paper: Paper) -> list[str]:
    return [link.author.name for link in paper.authors]

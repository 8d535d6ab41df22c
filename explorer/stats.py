"""Totals and per-node paper counts (``atlas stats`` and the website's overview)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from explorer.db import build_info
from kb.schema import Paper, PaperCategory, TaxonomyNode
from taxonomy import leaf_target


@dataclass
class NodeCount:
    id: str
    name: str
    depth: int
    is_leaf: bool
    papers: int
    survey_refs: int | None
    minimum: int | None  # the content target for a leaf: max(survey refs, 5)


@dataclass
class Stats:
    papers: int
    classified: int
    unclassified: int
    left_out: int  # entries of the .bib files not loaded (errors, with build --keep-going)
    containers: int  # crossref parents that are not papers; papers + left_out + containers = entries
    warnings: int
    errors: int
    built_at: str | None
    nodes: list[NodeCount]

    def as_dict(self) -> dict:
        return asdict(self)


def count_per_node(parents: dict[str, str | None], placements: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Papers per taxonomy node from (paper key, leaf id) pairs; a paper counts once at each node
    at or above its leaves. The one home of this rule: the CLI's stats and the website share it."""
    papers_by_node: dict[str, set[str]] = {node: set() for node in parents}
    for paper_key, leaf_id in placements:
        node_id: str | None = leaf_id
        while node_id is not None:
            papers_by_node[node_id].add(paper_key)
            node_id = parents[node_id]
    return {node: len(keys) for node, keys in papers_by_node.items()}


def node_paper_counts(session: Session) -> dict[str, int]:
    """Papers per taxonomy node in the knowledge base (see count_per_node)."""
    parents = dict(session.execute(select(TaxonomyNode.id, TaxonomyNode.parent_id)).all())
    return count_per_node(parents, session.execute(select(PaperCategory.paper_key, PaperCategory.node_id)))


def compute_stats(session: Session) -> Stats:
    counts = node_paper_counts(session)
    total = session.scalar(select(func.count()).select_from(Paper)) or 0
    classified = session.scalar(select(func.count()).select_from(Paper).where(Paper.classified)) or 0
    info = build_info(session)
    nodes = [
        NodeCount(
            n.id,
            n.name,
            n.depth,
            n.is_leaf,
            counts.get(n.id, 0),
            n.survey_refs,
            leaf_target(n.survey_refs) if n.is_leaf else None,
        )
        for n in session.scalars(select(TaxonomyNode).order_by(TaxonomyNode.position))
    ]
    return Stats(
        papers=total,
        classified=classified,
        unclassified=total - classified,
        left_out=info.counts.get("left_out", 0) if info else 0,
        containers=info.counts.get("containers", 0) if info else 0,
        warnings=len(info.warnings) if info else 0,
        errors=info.counts.get("errors", 0) if info else 0,
        built_at=info.built_at if info else None,
        nodes=nodes,
    )

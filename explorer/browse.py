"""The taxonomy browser's data: the tree with paper counts, and one node with its papers."""

from __future__ import annotations

from dataclasses import dataclass

from explorer import urls
from explorer.paper_catalog import NodeInfo, PaperCatalog, PaperRecord
from explorer.url_values import URLCheck, only
from ingest.errors import UnknownItem
from taxonomy import leaf_target


class UnknownNode(UnknownItem):
    """A node id that is not in the taxonomy; the message lists the known ids."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class TreeRow:
    id: str
    name: str
    depth: int
    is_leaf: bool
    papers: int
    survey_refs: int | None


SORTS = {"newest": "newest first", "oldest": "oldest first", "title": "title A–Z"}


@dataclass(frozen=True)
class NodePaper:
    """A paper listed under a node, with why it sits at each of its leaves below that node."""

    paper: PaperRecord
    whys: list[tuple[str, str]]  # (leaf id, why), in tree order


def check_url(raw: dict[str, list[str]]) -> URLCheck:
    """The taxonomy page's parameters: an unknown order or parameter dropped with a notice. The node stays as
    given: an unknown one is explained by ``node_view``, with the known ids."""
    check = only(raw, (urls.TAXONOMY_NODE,), also=(urls.PAPER_ORDER,))
    check.choice(urls.PAPER_ORDER, SORTS, "an order")
    return check


def sort_papers(papers: list[PaperRecord], sort: str) -> list[PaperRecord]:
    """Papers ordered as ``SORTS`` names: newest or oldest first (then by title), or by title."""
    if sort not in SORTS:
        raise UnknownItem(f"unknown order '{sort}': choose one of {', '.join(SORTS)}")
    by_title = sorted(papers, key=lambda p: (p.title.casefold(), p.key))
    if sort == "title":
        return by_title
    undated = 0 if sort == "oldest" else 10_000
    return sorted(by_title, key=lambda p: (p.year if p.year is not None else undated) * (1 if sort == "oldest" else -1))


@dataclass(frozen=True)
class NodeView:
    node: NodeInfo
    breadcrumbs: list[NodeInfo]  # root first, the node excluded
    children: list[TreeRow]
    papers: list[NodePaper]  # at or below the node, in the order asked for
    ours: int
    survey_refs: int | None  # for an inner node: the sum over its leaves
    target: int | None  # what a leaf should hold: max(survey refs, 5)


def tree(catalog: PaperCatalog) -> list[TreeRow]:
    """Every node in display order (each root followed by its subtree) with its paper count."""
    counts = catalog.node_counts()
    return [
        TreeRow(n.id, n.name, n.depth, n.is_leaf, counts[n.id], survey_refs(catalog, n.id))
        for n in catalog.nodes.values()
    ]


def survey_refs(catalog: PaperCatalog, node_id: str) -> int | None:
    """The survey's reference count at a leaf; at an inner node, the sum over its leaves."""
    node = catalog.nodes[node_id]
    if node.is_leaf:
        return node.survey_refs
    values = [catalog.nodes[leaf].survey_refs for leaf in catalog.leaves_under(node_id)]
    return sum(v for v in values if v is not None) if any(v is not None for v in values) else None


def node_view(catalog: PaperCatalog, node_id: str, sort: str = "newest") -> NodeView:
    if node_id not in catalog.nodes:
        raise UnknownNode(f"unknown taxonomy node '{node_id}': pick one of {', '.join(catalog.nodes)}")
    node = catalog.nodes[node_id]
    counts = catalog.node_counts()
    children = [
        TreeRow(c.id, c.name, c.depth, c.is_leaf, counts[c.id], survey_refs(catalog, c.id))
        for c in catalog.children(node_id)
    ]
    leaves = catalog.leaves_under(node_id)
    papers = [NodePaper(p, p.whys_under(leaves)) for p in sort_papers(catalog.papers_under(node_id), sort)]
    return NodeView(
        node=node,
        breadcrumbs=catalog.ancestors(node_id),
        children=children,
        papers=papers,
        ours=counts[node_id],
        survey_refs=survey_refs(catalog, node_id),
        target=leaf_target(node.survey_refs) if node.is_leaf else None,
    )

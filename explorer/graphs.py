"""Linked graphs: build them with networkx, render them with pyvis.

Four graphs over the catalogue, each limited to a taxonomy scope and a year range:

- ``taxonomy``: the tree with its papers hanging off their leaves;
- ``papers``: papers linked by a shared leaf, model, model family, technique or broader technique,
  or by an explicit relation (models and techniques are vocabulary ids, so spellings never split a link);
- ``co-authors``: authors linked by the papers they wrote together;
- ``models``: models linked to the papers that study them.

A graph that would exceed ``max_nodes`` or ``max_edges`` is not built: ``GraphTooLarge`` says
how large it would be and how to narrow it. The caps are checked on counts and cheap upper bounds
before any edge is made, so the work stays bounded whatever the data (one paper with 10,000
authors included). Rendering escapes every tooltip (see ``render_html``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import pyvis
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyvis.edge import Edge
from pyvis.network import Network
from pyvis.node import Node

from explorer import urls
from explorer.graph_layout import HUB_PIXELS, ROW, labels_apart, lay_out, place_neighbourhood
from explorer.paper_catalog import PERSPECTIVE_ORDER, PaperCatalog, PaperRecord
from explorer.safety import plain_text, tooltip_html
from explorer.url_values import URLCheck
from ingest.errors import AtlasError, InvalidInput, UnknownItem
from taxonomy.text import count

KINDS = {
    "taxonomy": "Taxonomy and its papers",
    "papers": "Papers linked to papers",
    "paper": "One paper's neighbourhood: its relations and nearest related papers, two hops at most",
    "co-authors": "Co-authorship",
    "models": "Models and papers",
}
# What links two papers in the papers graph. A shared leaf is not offered: the taxonomy's leaf lists already show it.
LINK_BY = {
    "relation+broader": "a typed relation, or a shared technique family (a technique or a broader one, "
    "the broadest left out: they would link nearly all)",
    "relation": "a typed relation (builds on, extends, uses, ...)",
    "broader": "a shared technique family",
    "technique": "a shared technique",
    "family": "a shared model family",
    "model": "a shared model",
}
SHARED = {
    "relation+broader": "broader",
    "broader": "broader",
    "technique": "technique",
    "family": "family",
    "model": "model",
}  # the value two papers share, per way of linking them
SHARED_NAMES = {"broader": "technique family", "technique": "technique", "family": "model family", "model": "model"}
COLOR_BY = {"perspective": "perspective", "year": "year"}
COLORED_KINDS = ("taxonomy", "papers", "paper", "models")  # the graphs whose papers "Colour papers by" colours
NEAREST = 8  # nearest related papers drawn around a paper
SECOND_HOP = 40  # at most this many papers two hops away (by typed relations)
MAX_NODES = 800
MAX_EDGES = 5000
# Pairs enumerated per allowed edge before the exact count is given up for an upper bound: enough for
# any graph near the cap, small enough that the refusal takes milliseconds.
WORK_PER_EDGE = 20

PERSPECTIVE_COLORS = {"data": "#1f77b4", "model": "#ff7f0e", "training-inference": "#2ca02c"}
SEVERAL_COLOR = "#9467bd"
NONE_COLOR = "#8c8c8c"
AUTHOR_COLOR = "#8c564b"
RELATION_COLOR = "#444444"
MODEL_COLOR = "#e377c2"
_YEAR_STOPS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")  # viridis, old to new
LABEL_LIMIT = 40


@dataclass(frozen=True)
class GraphSettings:
    kind: str = "taxonomy"
    link_by: str = "relation+broader"
    color_by: str = "perspective"
    scope: str | None = None  # a taxonomy node id; None for the whole atlas
    paper: str | None = None  # the paper whose neighbourhood the "paper" graph shows
    years: tuple[int, int] | None = None
    min_papers: int = 2  # co-authorship and models: keep authors/models with at least this many papers
    max_nodes: int = MAX_NODES
    max_edges: int = MAX_EDGES

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InvalidInput(f"unknown graph '{self.kind}': choose one of {', '.join(KINDS)}")
        if self.link_by not in LINK_BY:
            raise InvalidInput(f"unknown link '{self.link_by}': choose one of {', '.join(LINK_BY)}")
        if self.color_by not in COLOR_BY:
            raise InvalidInput(f"unknown colouring '{self.color_by}': choose one of {', '.join(COLOR_BY)}")
        if self.kind == "paper" and not self.paper:
            raise InvalidInput("the neighbourhood graph needs a paper: give its key (paper=KEY)")


# The settings each graph uses; a URL value for another one is ignored and the page says so.
ACTS_ON = {
    "taxonomy": ("color_by", "scope", "years"),
    "papers": ("link_by", "color_by", "scope", "years"),
    "paper": ("paper", "color_by"),
    "co-authors": ("scope", "years", "min_papers"),
    "models": ("color_by", "scope", "years", "min_papers"),
}
MIN_PAPERS_RANGE = (1, 10)


def check_url(catalog: PaperCatalog, raw: dict[str, list[str]]) -> URLCheck:
    """The graphs page's parameters: unknown values dropped, numbers and years clamped, and settings that
    the chosen graph does not use (say a colour for the co-author graph) ignored, each named."""
    P = urls.GRAPH_PARAMS
    check = URLCheck(raw)
    check.unknown(P.values())
    kind = check.choice(P["kind"], KINDS, "a graph") or "taxonomy"
    for setting in ("paper", "link_by", "color_by", "scope", "years", "min_papers"):
        if setting not in ACTS_ON[kind]:
            for value in check.values(P[setting]):
                check.note(P[setting], value, f"ignored: the {kind} graph does not use it")
    acts = ACTS_ON[kind]
    if "paper" in acts:
        check.choice(P["paper"], catalog.by_key, "a paper key", list_them=False)
    if "link_by" in acts:
        if check.values(P["link_by"]) == ["leaf"]:  # an old link
            check.note(
                P["link_by"],
                "leaf",
                "ignored: papers are no longer linked by a shared leaf (the taxonomy page lists each leaf's papers)",
            )
        else:
            check.choice(P["link_by"], LINK_BY, "a way to link papers")
    if "color_by" in acts:
        check.choice(P["color_by"], COLOR_BY, "a colouring")
    if "scope" in acts:
        check.choice(P["scope"], [*catalog.nodes, "all"], "a taxonomy node", list_them=False)
    if "years" in acts:
        check.years(P["years"], catalog.years())
    if "min_papers" in acts:
        check.number(P["min_papers"], *MIN_PAPERS_RANGE)
    return check


class GraphTooLarge(AtlasError):
    """The graph would exceed the cap; the message gives its size and how to narrow it."""

    def __init__(self, nodes: int, edges: int, settings: GraphSettings, exact: bool = True):
        self.nodes, self.edges, self.settings = nodes, edges, settings
        size = f"{nodes:,} nodes and {'' if exact else 'up to '}{edges:,} edges"
        super().__init__(
            f"This graph would have {size}; the cap is {settings.max_nodes:,} nodes and {settings.max_edges:,} edges, "
            "beyond which it is too dense to read or draw. Narrow it: choose a smaller taxonomy scope or a shorter "
            "year range"
            + (", or raise the minimum papers per node" if settings.kind in ("co-authors", "models") else "")
            + (", or link by relation only" if settings.kind == "papers" and settings.link_by != "relation" else "")
            + "."
        )


@dataclass
class GraphResult:
    graph: nx.Graph
    papers: int  # papers in scope
    legend: list[tuple[str, str]] = field(default_factory=list)  # (label, colour)
    notes: list[str] = field(default_factory=list)


# --- selecting and colouring ----------------------------------------------------------------------


def papers_in_scope(catalog: PaperCatalog, settings: GraphSettings) -> list[PaperRecord]:
    papers = list(catalog.papers) if settings.scope is None else catalog.papers_under(settings.scope)
    if settings.years is not None:
        first, last = settings.years
        papers = [p for p in papers if p.year is not None and first <= p.year <= last]
    return papers


def year_color(year: int | None, span: tuple[int, int] | None) -> str:
    if year is None or span is None:
        return NONE_COLOR
    first, last = span
    t = 0.0 if last == first else min(max((year - first) / (last - first), 0.0), 1.0)
    position = t * (len(_YEAR_STOPS) - 1)
    i = min(int(position), len(_YEAR_STOPS) - 2)
    a, b = _hex(_YEAR_STOPS[i]), _hex(_YEAR_STOPS[i + 1])
    f = position - i
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b, strict=True))


def _hex(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def paper_color(paper: PaperRecord, settings: GraphSettings, span: tuple[int, int] | None) -> str:
    if settings.color_by == "year":
        return year_color(paper.year, span)
    perspectives = paper.perspectives
    if not perspectives:
        return NONE_COLOR
    return PERSPECTIVE_COLORS.get(perspectives[0], NONE_COLOR) if len(perspectives) == 1 else SEVERAL_COLOR


LEGEND_YEARS = 8  # a span of up to this many years shows each; a longer one, this many evenly spaced


def legend_years(span: tuple[int, int]) -> list[int]:
    """The years the colour-by-year legend names: each year of a short span, so that every colour on the canvas is
    in the legend; on a long one, evenly spaced years from the first to the last, which read as a scale."""
    first, last = span
    if last - first < LEGEND_YEARS:
        return list(range(first, last + 1))
    step = (last - first) / (LEGEND_YEARS - 1)
    return sorted({first + round(i * step) for i in range(LEGEND_YEARS)})


def legend(catalog: PaperCatalog, settings: GraphSettings, span: tuple[int, int] | None) -> list[tuple[str, str]]:
    if settings.color_by == "year" and span:
        items = [(str(y), year_color(y, span)) for y in legend_years(span)]
    else:
        names = {n.id: n.name for n in catalog.roots()}
        items = [(names.get(p, p), PERSPECTIVE_COLORS[p]) for p in PERSPECTIVE_ORDER if p in names]
        items.append(("several perspectives", SEVERAL_COLOR))
    if settings.kind == "co-authors":
        items = [("author", AUTHOR_COLOR)]
    elif settings.kind == "models":
        items.append(("model", MODEL_COLOR))
    return items


# --- building ------------------------------------------------------------------------------------


def _add_paper(graph: nx.Graph, paper: PaperRecord, settings: GraphSettings, span, **extra) -> None:
    authors = ", ".join(paper.authors[:6]) + (" et al." if len(paper.authors) > 6 else "")
    options = {"size": 10, **extra}
    graph.add_node(
        f"paper:{paper.key}",
        kind="paper",
        label=plain_text(paper.title, LABEL_LIMIT),
        tooltip=tooltip_html(
            paper.title, f"{authors} ({paper.year or 'n.d.'})", ", ".join(paper.leaves), "Click to open the paper page."
        ),
        color=paper_color(paper, settings, span),
        href=urls.paper(paper.key).href,
        **options,
    )


def _check(nodes: int, edges: int, settings: GraphSettings, exact: bool = True) -> None:
    if nodes > settings.max_nodes or edges > settings.max_edges:
        raise GraphTooLarge(nodes, edges, settings, exact)


def _clique_edges(
    groups: Iterable[tuple[str, Collection[str]]], nodes: int, settings: GraphSettings
) -> dict[tuple[str, str], list[str]]:
    """Edges joining every two members of each group (the authors of a paper, the papers sharing a
    model), each with the labels of the groups it comes from; ``nodes`` is the graph's node count.

    A group of n members gives n(n-1)/2 pairs, so one paper with 10,000 authors would give 50
    million: the node count and the number of pairs to enumerate are checked before any pair is
    made. Groups with the same members are enumerated once (ten papers by the same team cost one)."""
    by_members: dict[frozenset[str], list[str]] = defaultdict(list)
    for label, members in groups:
        if len(members) > 1:
            by_members[frozenset(members)].append(label)
    work = sum(len(members) * (len(members) - 1) // 2 for members in by_members)
    bound = min(work, nodes * (nodes - 1) // 2)  # no more edges than pairs made, nor than pairs of nodes
    if nodes > settings.max_nodes or (work > WORK_PER_EDGE * settings.max_edges and bound > settings.max_edges):
        raise GraphTooLarge(nodes, bound, settings, exact=False)
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for members, labels in by_members.items():
        for pair in combinations(sorted(members), 2):
            edges[pair] += labels
    _check(nodes, len(edges), settings)
    return edges


def build_graph(catalog: PaperCatalog, settings: GraphSettings, nearest: Iterable[tuple[str, str]] = ()) -> GraphResult:
    """The graph for these settings; raises GraphTooLarge (before building it) above the cap,
    UnknownItem for an unknown scope or paper. ``nearest``: (key, reason) of the papers most related to
    ``settings.paper`` (``explorer.related``), for the neighbourhood graph."""
    if settings.scope is not None and settings.scope not in catalog.nodes:
        raise UnknownItem(f"unknown taxonomy node '{settings.scope}'; known nodes: {', '.join(catalog.nodes)}")
    span = catalog.years()
    if settings.kind == "paper":
        graph, notes = _neighbourhood_graph(catalog, settings, span, list(nearest))
        return GraphResult(graph, graph.number_of_nodes(), legend(catalog, settings, span), notes)
    papers = papers_in_scope(catalog, settings)
    builder = {
        "taxonomy": _taxonomy_graph,
        "papers": _papers_graph,
        "co-authors": _coauthor_graph,
        "models": _models_graph,
    }
    graph, notes = builder[settings.kind](catalog, papers, settings, span)
    lay_out(graph)
    _mark_hubs(graph)
    return GraphResult(graph, len(papers), legend(catalog, settings, span), notes)


HUBS = 25  # at most this many nodes keep a readable label at any zoom


def _mark_hubs(graph: nx.Graph) -> None:
    """Flag the best-connected nodes (taxonomy nodes, models and authors first) as hubs: the page keeps
    their labels readable at any zoom, so a whole-atlas view still names its landmarks. Outside the taxonomy
    a node whose label would lie on a better-connected hub's label as first drawn is passed over (in a dense
    cluster the best-connected papers sit together, and their labels made one unreadable pile)."""

    def landmark(node) -> bool:
        return graph.nodes[node].get("kind") in ("node", "model")

    ranked = sorted(
        (n for n in graph if landmark(n) or graph.degree(n) > 1), key=lambda n: (not landmark(n), -graph.degree(n), n)
    )
    # the tree alone names the taxonomy graph
    taxonomy_nodes = sum(1 for n in graph if graph.nodes[n].get("kind") == "node")
    chosen = ranked[:taxonomy_nodes] if taxonomy_nodes else labels_apart(graph, ranked, HUBS, HEIGHT)
    for node in chosen:
        graph.nodes[node]["hub"] = True


def _taxonomy_graph(catalog: PaperCatalog, papers: list[PaperRecord], settings: GraphSettings, span):
    root = settings.scope
    tree = [n for n in catalog.nodes.values() if root is None or n.id == root or n.id.startswith(root + "/")]
    in_tree = {n.id for n in tree}
    memberships = sum(len(in_tree.intersection(p.leaves)) for p in papers)
    tree_edges = sum(1 for n in tree if n.parent in in_tree)
    _check(len(tree) + len(papers), tree_edges + memberships, settings)
    counts = catalog.node_counts()
    graph = nx.Graph()
    for node in tree:
        graph.add_node(
            f"node:{node.id}",
            kind="node",
            label=plain_text(node.name, LABEL_LIMIT),
            tooltip=tooltip_html(
                node.name,
                node.id,
                f"{count(counts[node.id], 'paper')} in the atlas",
                "Click to open this node in the taxonomy browser.",
            ),
            color=PERSPECTIVE_COLORS.get(node.perspective, NONE_COLOR),
            href=urls.taxonomy(node.id).href,
            size=30 - 6 * node.depth,
            shape="box" if not node.is_leaf else "ellipse",
            font_size=22 - 3 * node.depth,
            depth=node.depth,
        )
        if node.parent in in_tree:
            graph.add_edge(f"node:{node.parent}", f"node:{node.id}", width=3)
    for paper in papers:
        _add_paper(graph, paper, settings, span)
        for leaf in in_tree.intersection(paper.leaves):
            graph.add_edge(f"node:{leaf}", f"paper:{paper.key}", width=1)
    return graph, []


def _shared_values(catalog: PaperCatalog, papers: list[PaperRecord], link_by: str) -> dict[str, list[str]]:
    """Papers per value they can share (leaf id, or vocabulary id under its display name)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for paper in papers:
        for value in _link_values(catalog, paper, link_by):
            groups[value].append(paper.key)
    return groups


def _relation_edge(graph: nx.Graph, relation, labelled: bool = True) -> None:
    graph.add_edge(
        f"paper:{relation.source}",
        f"paper:{relation.target}",
        label=plain_text(relation.type) if labelled else "",
        tooltip=tooltip_html(relation.type, relation.note or ""),
        width=2,
        color=RELATION_COLOR,
    )


def _link_values(catalog: PaperCatalog, paper: PaperRecord, link_by: str) -> list[str]:
    vocabulary = catalog.vocabulary
    if link_by in ("model", "technique"):
        return list(paper.model_names if link_by == "model" else paper.technique_names)
    if link_by == "family":  # a model stands for its family; a model without one, for itself
        ids = {(vocabulary.ancestors("model", m) or [m])[0] for m in paper.models}
        return [vocabulary.label("model", i) for i in sorted(ids)]
    roots = set(vocabulary.roots("technique"))
    return [vocabulary.label("technique", t) for t in sorted(paper.technique_terms - roots)]


def _papers_graph(catalog: PaperCatalog, papers: list[PaperRecord], settings: GraphSettings, span):
    keys = {p.key for p in papers}
    with_relations = settings.link_by in ("relation", "relation+broader")
    shared_by = SHARED.get(settings.link_by)
    relations = [r for r in catalog.relations if r.source in keys and r.target in keys] if with_relations else []
    _check(len(papers), len(relations), settings)
    groups = _shared_values(catalog, papers, shared_by).items() if shared_by else ()
    shared = _clique_edges(groups, len(papers), settings) if shared_by else {}
    _check(len(papers), len(relations) + len(shared), settings)
    graph = nx.DiGraph() if with_relations else nx.Graph()
    for paper in papers:
        _add_paper(graph, paper, settings, span)
    for relation in relations:
        _relation_edge(graph, relation)
    for (a, b), values in shared.items():
        if graph.has_edge(f"paper:{a}", f"paper:{b}") or graph.has_edge(f"paper:{b}", f"paper:{a}"):
            continue  # a typed relation says more than a shared technique
        graph.add_edge(
            f"paper:{a}",
            f"paper:{b}",
            width=min(len(values), 5),
            undirected=True,
            dashes=with_relations,
            tooltip=tooltip_html(
                f"shared {SHARED_NAMES[shared_by or '']}{'s' if len(values) > 1 else ''}", ", ".join(values)
            ),
        )
    notes = []
    if with_relations:
        notes.append(
            f"{len(relations)} typed relations (dark arrows, from a paper to the one it builds on, uses, ...)."
        )
    if shared_by:
        notes.append(
            f"{len(graph.edges) - len(relations)} links between papers that share a {SHARED_NAMES[shared_by]}"
            f"{' (dashed)' if with_relations else ''}; thicker lines share more."
        )
    return graph, notes


def _neighbourhood_graph(catalog: PaperCatalog, settings: GraphSettings, span, nearest: list[tuple[str, str]]):
    """The paper, its typed relations and its nearest related papers, then the typed relations of those
    (two hops at most, ``SECOND_HOP`` papers at most)."""
    center = catalog.by_key.get(settings.paper or "")
    if center is None:
        raise UnknownItem(f"no paper with key '{settings.paper}' in the knowledge base")
    touching: dict[str, list] = defaultdict(list)
    for relation in catalog.relations:
        touching[relation.source].append(relation)
        touching[relation.target].append(relation)
    graph = nx.DiGraph()
    _add_paper(graph, center, settings, span, size=24, hub=True, borderWidth=3)
    first = []
    for relation in touching[center.key]:
        other = relation.target if relation.source == center.key else relation.source
        if f"paper:{other}" not in graph:
            _add_paper(graph, catalog.by_key[other], settings, span, size=14, hub=True)
            first.append(other)
        _relation_edge(graph, relation)
    related = 0
    for key, reason in nearest[:NEAREST]:
        if key == center.key or key not in catalog.by_key:
            continue
        if f"paper:{key}" not in graph:
            _add_paper(graph, catalog.by_key[key], settings, span, size=14, hub=True)
            first.append(key)
        related += 1
        here, there = f"paper:{center.key}", f"paper:{key}"
        if not graph.has_edge(here, there) and not graph.has_edge(there, here):
            graph.add_edge(
                f"paper:{center.key}",
                f"paper:{key}",
                undirected=True,
                dashes=True,
                width=1,
                tooltip=tooltip_html("related", reason),
            )
    reached_through: dict[str, list[str]] = defaultdict(list)  # a neighbour -> the papers first reached through it
    two_hops: set[str] = set()
    for key in first:
        for relation in touching[key]:
            other = relation.target if relation.source == key else relation.source
            if f"paper:{other}" not in graph:
                if len(two_hops) >= SECOND_HOP:
                    continue
                _add_paper(graph, catalog.by_key[other], settings, span, size=8)
                reached_through[key].append(other)
                two_hops.add(other)
            # only the paper's own lines are labelled: one between neighbours runs along a column or across the
            # paper, and its label would sit on theirs (the type is in its tooltip)
            _relation_edge(graph, relation, labelled=center.key in (relation.source, relation.target))
    place_neighbourhood(graph, center.key, first, reached_through)
    second = len(two_hops)
    notes = [
        f"{center.title[:80]}: {count(len(touching[center.key]), 'typed relation')} (arrows), "
        f"{count(related, 'nearest related paper')} (dashed, as Related work ranks them) and "
        f"{count(second, 'paper')} two hops away."
    ]
    return graph, notes


def _coauthor_graph(catalog: PaperCatalog, papers: list[PaperRecord], settings: GraphSettings, span):
    written: Counter = Counter(a for p in papers for a in set(p.authors))
    authors = {a for a, n in written.items() if n >= settings.min_papers}
    together = _clique_edges(((p.key, authors.intersection(p.authors)) for p in papers), len(authors), settings)
    graph = nx.Graph()
    for author in sorted(authors):
        graph.add_node(
            f"author:{author}",
            kind="author",
            label=plain_text(author, LABEL_LIMIT),
            tooltip=tooltip_html(
                author, f"{count(written[author], 'paper')} in scope", "Click to list them in Compare."
            ),
            color=AUTHOR_COLOR,
            href=urls.compare(text=author).href,
            size=8 + 3 * math.sqrt(written[author]),
        )
    for (a, b), keys in together.items():
        n = len(keys)
        graph.add_edge(
            f"author:{a}", f"author:{b}", width=min(n, 6), tooltip=tooltip_html(f"{count(n, 'paper')} together")
        )
    left_out = len(written) - len(authors)
    notes = (
        [
            f"Authors with at least {count(settings.min_papers, 'paper')} in scope ({len(authors)} of {len(written)});"
            f" {left_out} with fewer are left out."
        ]
        if left_out
        else []
    )
    return graph, notes


def _models_graph(catalog: PaperCatalog, papers: list[PaperRecord], settings: GraphSettings, span):
    studied: Counter = Counter(m for p in papers for m in p.models)
    models = {m for m, n in studied.items() if n >= settings.min_papers}
    linked = [p for p in papers if models.intersection(p.models)]
    edges = sum(len(models.intersection(p.models)) for p in linked)
    _check(len(models) + len(linked), edges, settings)
    graph = nx.Graph()
    vocabulary = catalog.vocabulary
    for model in sorted(models, key=lambda m: vocabulary.label("model", m).casefold()):
        name = vocabulary.label("model", model)
        family = [vocabulary.label("model", f) for f in vocabulary.ancestors("model", model)]
        graph.add_node(
            f"model:{model}",
            kind="model",
            label=plain_text(name, LABEL_LIMIT),
            tooltip=tooltip_html(
                name, *family, f"studied by {count(studied[model], 'paper')} in scope", "Click to list them in Compare."
            ),
            color=MODEL_COLOR,
            href=urls.compare(model=[model]).href,
            size=10 + 3 * math.sqrt(studied[model]),
            shape="diamond",
        )
    for paper in linked:
        _add_paper(graph, paper, settings, span)
        for model in models.intersection(paper.models):
            graph.add_edge(f"model:{model}", f"paper:{paper.key}", width=1)
    left_out = len(studied) - len(models)
    notes = (
        [
            f"Models studied by at least {count(settings.min_papers, 'paper')} in scope "
            f"({len(models)} of {len(studied)})."
        ]
        if left_out
        else []
    )
    return graph, notes


# --- rendering -----------------------------------------------------------------------------------

_TEMPLATE_DIR = Path(__file__).with_name("templates")
VIS_JS = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
_ENV = Environment(loader=FileSystemLoader(_TEMPLATE_DIR), autoescape=select_autoescape(["html"]))


class AtlasNetwork(Network):
    """pyvis's Network rendered with the atlas template: vis-network inlined (no CDN, works offline) or, for the
    website, loaded from the address ``vis_src`` its server gives the same file at (``publish_vis_js``), every
    tooltip already escaped by ``explorer.safety.tooltip_html`` and inserted as that escaped HTML, labels drawn on
    the canvas as text, data embedded as JSON with ``<``, ``>`` and ``&`` escaped, and a click on a node opening
    its page in a new tab.

    pyvis's own template turns every tooltip into raw HTML as soon as one contains "href"; this
    one never looks at the content, and the tooltips are escaped either way.
    """

    def generate_html(self, name="index.html", local=True, notebook=False, legend=(), height_px=650, vis_src=None):
        template = _ENV.get_template("graph.html")
        self.html = template.render(
            nodes=self.nodes,
            edges=self.edges,
            options=self.options,
            directed=self.directed,
            vis_src=vis_src,
            vis_js=None if vis_src else _vis_js(),
            legend=list(legend),
            height=f"{int(height_px)}px",
            hub_pixels=HUB_PIXELS,
        )
        return self.html


def _vis_js():
    from markupsafe import Markup

    return Markup(VIS_JS.read_text(encoding="utf-8"))  # checked to hold no "</script" (test_website_graphs)


def publish_vis_js(folder: Path) -> bool:
    """Put vis-network in ``folder`` (the website's static files) unless the same file is there already, so that
    graphs can load it from there (``render_html``'s ``vis_src``) instead of carrying its 470 kB each. False when
    the folder cannot be written: the graphs then carry it inline."""
    target = folder / VIS_JS.name
    try:
        library = VIS_JS.read_bytes()
        if not target.is_file() or target.read_bytes() != library:
            folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.building")
            partial.write_bytes(library)
            partial.replace(target)  # whole or not at all: a server may be reading it meanwhile
    except OSError:
        return False
    return True


def to_network(result: GraphResult, height_px: int = 650) -> AtlasNetwork:
    graph = result.graph
    net = AtlasNetwork(height=f"{height_px}px", width="100%", directed=graph.is_directed(), cdn_resources="remote")
    # The graph is already de-duplicated, so nodes and edges go straight into pyvis's lists
    # (Network.add_edge scans every edge for a duplicate: quadratic at a few thousand edges).
    for node_id, data in graph.nodes(data=True):
        extra: dict[str, Any] = {"font": {"size": data["font_size"]}} if "font_size" in data else {}
        extra.update({name: data[name] for name in ("hub", "borderWidth", "x", "y") if name in data})
        node = Node(
            node_id,
            data.get("shape", "dot"),
            label=data.get("label") or node_id,
            color=data.get("color", NONE_COLOR),
            title=data.get("tooltip", ""),
            size=data.get("size", 10),
            href=data.get("href"),
            **extra,
        )
        net.nodes.append(node.options)
        net.node_ids.append(node_id)
        net.node_map[node_id] = node.options
    for a, b, data in graph.edges(data=True):
        options: dict[str, Any] = {"width": data.get("width", 1)}
        if data.get("tooltip"):
            options["title"] = data["tooltip"]
        if data.get("label"):
            options["label"] = data["label"]
        if data.get("color"):
            options["color"] = {"color": data["color"]}
        if data.get("dashes"):
            options["dashes"] = True
        if data.get("undirected") and graph.is_directed():
            options["arrows"] = {"to": {"enabled": False}}
        net.edges.append(Edge(a, b, graph.is_directed(), **options).options)
    net.options = {
        # every graph comes laid out (explorer.graph_layout, or the neighbourhood's columns): drawn as is
        "physics": {"enabled": False},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False, "keyboard": False},
        # Labels smaller than 7 px on screen are not drawn (hubs are kept readable by the page's script).
        "nodes": {
            "font": {"size": 14, "face": "sans-serif", "multi": False},
            "borderWidth": 1,
            "scaling": {"label": {"enabled": False, "drawThreshold": 7}},
        },
        "edges": {
            "color": {"color": "#b0b0b0", "highlight": "#444444"},
            "smooth": False,
            "arrows": {"to": {"enabled": graph.is_directed(), "scaleFactor": 0.6}},
        },
    }
    return net


HEIGHT = 650  # pixels of the drawing; a laid-out neighbourhood with many rows gets taller, not squeezed


def canvas_height(result: GraphResult) -> int:
    """Pixels the drawing needs: HEIGHT, or enough for every row of a laid-out neighbourhood at zoom 1."""
    return max(HEIGHT, result.graph.graph.get("rows", 0) * ROW + 120)


def render_html(result: GraphResult, height_px: int = HEIGHT, vis_src: str | None = None) -> str:
    """A standalone HTML document drawing the graph (for ``st.iframe``): with vis-network inlined, or loaded
    from ``vis_src`` (an address relative to the page the frame sits in) when given."""
    return to_network(result, height_px).generate_html(legend=result.legend, height_px=height_px, vis_src=vis_src)

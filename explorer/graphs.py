"""Linked graphs: build them with networkx, render them with pyvis.

Four graphs over the catalogue, each limited to a taxonomy scope and a year range:

- ``taxonomy``: the tree with its papers hanging off their leaves;
- ``papers``: papers linked by a shared leaf, model or technique, or by an explicit relation;
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

import networkx as nx
import pyvis
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyvis.edge import Edge
from pyvis.network import Network
from pyvis.node import Node
from ingest.errors import AtlasError, InvalidInput, UnknownItem

from explorer import urls
from explorer.catalog import PERSPECTIVE_ORDER, Catalog, PaperRecord
from explorer.safety import plain_text, tooltip_html

KINDS = {
    "taxonomy": "Taxonomy and its papers",
    "papers": "Papers linked to papers",
    "co-authors": "Co-authorship",
    "models": "Models and papers",
}
LINK_BY = {"leaf": "a shared taxonomy leaf", "model": "a shared model", "technique": "a shared technique",
           "relation": "an explicit relation"}
COLOR_BY = {"perspective": "perspective", "year": "year"}
MAX_NODES = 800
MAX_EDGES = 5000
# Pairs enumerated per allowed edge before the exact count is given up for an upper bound: enough for
# any graph near the cap, small enough that the refusal takes milliseconds.
WORK_PER_EDGE = 20

PERSPECTIVE_COLORS = {"data": "#1f77b4", "model": "#ff7f0e", "training-inference": "#2ca02c"}
SEVERAL_COLOR = "#9467bd"
NONE_COLOR = "#8c8c8c"
AUTHOR_COLOR = "#8c564b"
MODEL_COLOR = "#e377c2"
_YEAR_STOPS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")  # viridis, old to new
LABEL_LIMIT = 40


@dataclass(frozen=True)
class GraphSettings:
    kind: str = "taxonomy"
    link_by: str = "leaf"
    color_by: str = "perspective"
    scope: str | None = None  # a taxonomy node id; None for the whole atlas
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


class GraphTooLarge(AtlasError):
    """The graph would exceed the cap; the message gives its size and how to narrow it."""

    def __init__(self, nodes: int, edges: int, settings: GraphSettings, exact: bool = True):
        self.nodes, self.edges, self.settings = nodes, edges, settings
        size = f"{nodes:,} nodes and {'' if exact else 'up to '}{edges:,} edges"
        super().__init__(
            f"This graph would have {size}; the cap is {settings.max_nodes:,} nodes and {settings.max_edges:,} edges, "
            "beyond which it is too dense to read or draw. Narrow it: choose a smaller taxonomy scope or a shorter "
            "year range" + (", or raise the minimum papers per node" if settings.kind in ("co-authors", "models") else "")
            + (", or link by relation" if settings.kind == "papers" and settings.link_by != "relation" else "") + "."
        )


@dataclass
class GraphResult:
    graph: nx.Graph
    papers: int  # papers in scope
    legend: list[tuple[str, str]] = field(default_factory=list)  # (label, colour)
    notes: list[str] = field(default_factory=list)


# --- selecting and colouring ----------------------------------------------------------------------

def papers_in_scope(catalog: Catalog, settings: GraphSettings) -> list[PaperRecord]:
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
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b))


def _hex(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def paper_color(paper: PaperRecord, settings: GraphSettings, span: tuple[int, int] | None) -> str:
    if settings.color_by == "year":
        return year_color(paper.year, span)
    perspectives = paper.perspectives
    if not perspectives:
        return NONE_COLOR
    return PERSPECTIVE_COLORS.get(perspectives[0], NONE_COLOR) if len(perspectives) == 1 else SEVERAL_COLOR


def legend(catalog: Catalog, settings: GraphSettings, span: tuple[int, int] | None) -> list[tuple[str, str]]:
    if settings.color_by == "year" and span:
        years = sorted({span[0], (span[0] + span[1]) // 2, span[1]})
        items = [(str(y), year_color(y, span)) for y in years]
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

def _add_paper(graph: nx.Graph, paper: PaperRecord, settings: GraphSettings, span) -> None:
    authors = ", ".join(paper.authors[:6]) + (" et al." if len(paper.authors) > 6 else "")
    graph.add_node(
        f"paper:{paper.key}",
        kind="paper",
        label=plain_text(paper.title, LABEL_LIMIT),
        tooltip=tooltip_html(paper.title, f"{authors} ({paper.year or 'n.d.'})", ", ".join(paper.leaves),
                             "Click to open the paper page."),
        color=paper_color(paper, settings, span),
        href=urls.paper(paper.key).href,
        size=10,
    )


def _check(nodes: int, edges: int, settings: GraphSettings, exact: bool = True) -> None:
    if nodes > settings.max_nodes or edges > settings.max_edges:
        raise GraphTooLarge(nodes, edges, settings, exact)


def _clique_edges(groups: Iterable[tuple[str, Collection[str]]], nodes: int,
                  settings: GraphSettings) -> dict[tuple[str, str], list[str]]:
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


def build_graph(catalog: Catalog, settings: GraphSettings) -> GraphResult:
    """The graph for these settings; raises GraphTooLarge (before building it) above the cap,
    KeyError for an unknown scope."""
    if settings.scope is not None and settings.scope not in catalog.nodes:
        raise UnknownItem(f"unknown taxonomy node '{settings.scope}'; known nodes: {', '.join(catalog.nodes)}")
    papers = papers_in_scope(catalog, settings)
    span = catalog.years()
    builder = {"taxonomy": _taxonomy_graph, "papers": _papers_graph, "co-authors": _coauthor_graph, "models": _models_graph}
    graph, notes = builder[settings.kind](catalog, papers, settings, span)
    return GraphResult(graph, len(papers), legend(catalog, settings, span), notes)


def _taxonomy_graph(catalog: Catalog, papers: list[PaperRecord], settings: GraphSettings, span):
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
            f"node:{node.id}", kind="node", label=plain_text(node.name, LABEL_LIMIT),
            tooltip=tooltip_html(node.name, node.id, f"{counts[node.id]} papers in the atlas",
                                 "Click to open this node in the taxonomy browser."),
            color=PERSPECTIVE_COLORS.get(node.perspective, NONE_COLOR), href=urls.taxonomy(node.id).href,
            size=30 - 6 * node.depth, shape="box" if not node.is_leaf else "ellipse", font_size=22 - 3 * node.depth,
        )
        if node.parent in in_tree:
            graph.add_edge(f"node:{node.parent}", f"node:{node.id}", width=3)
    for paper in papers:
        _add_paper(graph, paper, settings, span)
        for leaf in in_tree.intersection(paper.leaves):
            graph.add_edge(f"node:{leaf}", f"paper:{paper.key}", width=1)
    return graph, []


def _shared_values(papers: list[PaperRecord], link_by: str) -> dict[str, list[str]]:
    attribute = {"leaf": "leaves", "model": "models", "technique": "techniques"}[link_by]
    groups: dict[str, list[str]] = defaultdict(list)
    for paper in papers:
        for value in getattr(paper, attribute):
            groups[value].append(paper.key)
    return groups


def _papers_graph(catalog: Catalog, papers: list[PaperRecord], settings: GraphSettings, span):
    keys = {p.key for p in papers}
    graph = nx.DiGraph() if settings.link_by == "relation" else nx.Graph()
    if settings.link_by == "relation":
        relations = [r for r in catalog.relations if r.source in keys and r.target in keys]
        _check(len(papers), len(relations), settings)
        for paper in papers:
            _add_paper(graph, paper, settings, span)
        for r in relations:
            graph.add_edge(f"paper:{r.source}", f"paper:{r.target}", label=plain_text(r.type),
                           tooltip=tooltip_html(r.type, r.note or ""), width=2)
        return graph, [f"{len(relations)} explicit relations (arrows point from a paper to the one it builds on, uses, ...)."]
    shared = _clique_edges(_shared_values(papers, settings.link_by).items(), len(papers), settings)
    for paper in papers:
        _add_paper(graph, paper, settings, span)
    for (a, b), values in shared.items():
        graph.add_edge(f"paper:{a}", f"paper:{b}", width=min(1 + len(values), 6),
                       tooltip=tooltip_html(f"shared {settings.link_by}", ", ".join(values)))
    return graph, [f"Papers are linked when they have {LINK_BY[settings.link_by]}; thicker lines share more."]


def _coauthor_graph(catalog: Catalog, papers: list[PaperRecord], settings: GraphSettings, span):
    written: Counter = Counter(a for p in papers for a in set(p.authors))
    authors = {a for a, n in written.items() if n >= settings.min_papers}
    together = _clique_edges(((p.key, authors.intersection(p.authors)) for p in papers), len(authors), settings)
    graph = nx.Graph()
    for author in sorted(authors):
        graph.add_node(
            f"author:{author}", kind="author", label=plain_text(author, LABEL_LIMIT),
            tooltip=tooltip_html(author, f"{written[author]} papers in scope", "Click to list them in Compare."),
            color=AUTHOR_COLOR, href=urls.compare(text=author).href, size=8 + 3 * math.sqrt(written[author]),
        )
    for (a, b), keys in together.items():
        n = len(keys)
        graph.add_edge(f"author:{a}", f"author:{b}", width=min(n, 6), tooltip=tooltip_html(f"{n} papers together"))
    left_out = len(written) - len(authors)
    notes = [f"Authors with at least {settings.min_papers} papers in scope ({len(authors)} of {len(written)});"
             f" {left_out} with fewer are left out."] if left_out else []
    return graph, notes


def _models_graph(catalog: Catalog, papers: list[PaperRecord], settings: GraphSettings, span):
    studied: Counter = Counter(m for p in papers for m in p.models)
    models = {m for m, n in studied.items() if n >= settings.min_papers}
    linked = [p for p in papers if models.intersection(p.models)]
    edges = sum(len(models.intersection(p.models)) for p in linked)
    _check(len(models) + len(linked), edges, settings)
    graph = nx.Graph()
    for model in sorted(models, key=str.casefold):
        graph.add_node(
            f"model:{model}", kind="model", label=plain_text(model, LABEL_LIMIT),
            tooltip=tooltip_html(model, f"studied by {studied[model]} papers in scope", "Click to list them in Compare."),
            color=MODEL_COLOR, href=urls.compare(model=[model]).href, size=10 + 3 * math.sqrt(studied[model]), shape="diamond",
        )
    for paper in linked:
        _add_paper(graph, paper, settings, span)
        for model in models.intersection(paper.models):
            graph.add_edge(f"model:{model}", f"paper:{paper.key}", width=1)
    left_out = len(studied) - len(models)
    notes = [f"Models studied by at least {settings.min_papers} papers in scope ({len(models)} of {len(studied)})."] if left_out else []
    return graph, notes


# --- rendering -----------------------------------------------------------------------------------

_TEMPLATE_DIR = Path(__file__).with_name("templates")
_VIS_JS = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"
_ENV = Environment(loader=FileSystemLoader(_TEMPLATE_DIR), autoescape=select_autoescape(["html"]))

PHYSICS = {
    "solver": "forceAtlas2Based",
    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90, "springConstant": 0.08, "avoidOverlap": 0.4},
    "stabilization": {"enabled": True, "iterations": 250, "fit": True},
}


class AtlasNetwork(Network):
    """pyvis's Network rendered with the atlas template: vis-network inlined (no CDN, works offline),
    every tooltip already escaped by ``explorer.safety.tooltip_html`` and inserted as that escaped
    HTML, labels drawn on the canvas as text, data embedded as JSON with ``<``, ``>`` and ``&``
    escaped, and a click on a node opening its page in a new tab.

    pyvis's own template turns every tooltip into raw HTML as soon as one contains "href"; this
    one never looks at the content, and the tooltips are escaped either way.
    """

    def generate_html(self, name="index.html", local=True, notebook=False, legend=(), height_px=650):
        template = _ENV.get_template("graph.html")
        self.html = template.render(
            nodes=self.nodes, edges=self.edges, options=self.options, directed=self.directed,
            vis_js=_vis_js(), legend=list(legend), height=f"{int(height_px)}px",
        )
        return self.html


def _vis_js():
    from markupsafe import Markup

    return Markup(_VIS_JS.read_text(encoding="utf-8"))  # checked to hold no "</script" (test_website_graphs)


def to_network(result: GraphResult, height_px: int = 650) -> AtlasNetwork:
    graph = result.graph
    net = AtlasNetwork(height=f"{height_px}px", width="100%", directed=graph.is_directed(), cdn_resources="remote")
    # The graph is already de-duplicated, so nodes and edges go straight into pyvis's lists
    # (Network.add_edge scans every edge for a duplicate: quadratic at a few thousand edges).
    for node_id, data in graph.nodes(data=True):
        options = {"font": {"size": data["font_size"]}} if "font_size" in data else {}
        node = Node(node_id, data.get("shape", "dot"), label=data.get("label") or node_id, color=data.get("color", NONE_COLOR),
                    title=data.get("tooltip", ""), size=data.get("size", 10), href=data.get("href"), **options)
        net.nodes.append(node.options)
        net.node_ids.append(node_id)
        net.node_map[node_id] = node.options
    for a, b, data in graph.edges(data=True):
        options = {"width": data.get("width", 1)}
        if data.get("tooltip"):
            options["title"] = data["tooltip"]
        if data.get("label"):
            options["label"] = data["label"]
        net.edges.append(Edge(a, b, graph.is_directed(), **options).options)
    net.options = {
        "physics": PHYSICS,
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False, "keyboard": False},
        "nodes": {"font": {"size": 14, "face": "sans-serif", "multi": False}, "borderWidth": 1},
        "edges": {"color": {"color": "#b0b0b0", "highlight": "#444444"}, "smooth": False,
                  "arrows": {"to": {"enabled": graph.is_directed(), "scaleFactor": 0.6}}},
    }
    return net


def render_html(result: GraphResult, height_px: int = 650) -> str:
    """A standalone HTML document drawing the graph (for ``st.iframe``)."""
    return to_network(result, height_px).generate_html(legend=result.legend, height_px=height_px)

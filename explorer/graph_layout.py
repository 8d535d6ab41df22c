"""Positions for every graph the Graphs page draws, computed on the server once per graph (the page caches the
HTML): the whole-atlas graphs here (``lay_out``), a paper's neighbourhood in two columns (``place_neighbourhood``).

vis-network would otherwise run its physics simulation in every visitor's browser (the heaviest page of the
site). Here the layout is seeded, so the same graph gets the same positions on every load, and the browser
draws it with physics off. The taxonomy is a tree, so it is drawn radially with its papers settled around
their leaves; the other graphs get a force layout (Fruchterman-Reingold, the algorithm of networkx's
spring_layout, written here on dense numpy arrays because networkx needs scipy above 500 nodes).
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import numpy as np

SEED = 7  # the same start positions on every load, so the same layout
ITERATIONS = 60
# In vis-network's units (a 14 px label at zoom 1): the natural length of an edge, about a label's width (up to
# LABEL_LIMIT characters), so neighbours' labels do not cover each other at the zoom where they are drawn.
SPACING = 220
RING = 300  # between the rings of the taxonomy tree (one ring per depth)
LEAF_ARC = 200  # at least this much of the outer ring for each leaf: about a leaf label's width, so they stay apart
# The rings are ellipses this much wider than tall, as the frame is. Near the top and bottom neighbouring leaves
# stand side by side, and hub labels keep their size on screen however far the rings grow (the fit to the frame
# shrinks the drawing again), so only the frame's unused width gives their labels more room there.
WIDTH_TO_HEIGHT = 1.4


def lay_out(graph: nx.Graph) -> None:
    """Give every node x and y (vis-network units)."""
    if graph.number_of_nodes() == 0:
        return
    tree = [n for n in graph if graph.nodes[n].get("kind") == "node"]
    fixed = _radial_tree(graph, tree) if tree else {}
    positions = _force(graph, fixed)
    for node, (x, y) in positions.items():
        graph.nodes[node].update(x=round(float(x)), y=round(float(y)))


def _radial_tree(graph: nx.Graph, tree: list[str]) -> dict[str, tuple[float, float]]:
    """The taxonomy nodes on rings by depth, every leaf on the outer ring (where there is the most room for
    labels), each subtree on an arc as wide as its leaves, the root(s) in the middle. (Leaves are not widened
    by their papers: the ring would grow, and the fit to the frame would shrink every arc again.)"""
    inside = graph.subgraph(tree)
    depth = {n: graph.nodes[n].get("depth", 0) for n in tree}
    top = min(depth.values())
    roots = sorted(n for n in tree if depth[n] == top)
    children: dict[str, list[str]] = defaultdict(list)
    for node in sorted(tree):
        for other in sorted(inside.neighbors(node)):
            if depth[other] == depth[node] + 1:
                children[node].append(other)
    weight: dict[str, float] = {}

    def measure(node: str) -> float:
        weight[node] = sum(measure(c) for c in children[node]) if children[node] else 1.0
        return weight[node]

    total = sum(measure(r) for r in roots)
    # several roots sit on a ring of their own around an empty middle, one root in the middle itself
    offset = 0 if len(roots) == 1 else 1
    outer = max(depth.values()) - top + offset
    # the rings grow until each leaf has LEAF_ARC of the outer ring
    stretch = max(1.0, total * LEAF_ARC / (2 * math.pi * max(outer, 1) * RING))
    placed: dict[str, tuple[float, float]] = {}

    def place(node: str, start: float, arc: float) -> None:
        ring = ((depth[node] - top + offset) if children[node] else outer) * RING * stretch
        middle = start + arc / 2
        placed[node] = (ring * WIDTH_TO_HEIGHT * math.cos(middle), ring * math.sin(middle))
        for child in children[node]:
            share = arc * weight[child] / weight[node]
            place(child, start, share)
            start += share

    start = 0.0
    for root in roots:
        share = 2 * math.pi * weight[root] / total
        place(root, start, share)
        start += share
    return placed


def _force(graph: nx.Graph, fixed: dict[str, tuple[float, float]]) -> dict[str, np.ndarray]:
    """Fruchterman-Reingold from seeded start positions; ``fixed`` nodes keep their place (in vis units) and
    the others start at the middle of their fixed neighbours. Returns vis-network units."""
    nodes = sorted(graph, key=str)
    index = {n: i for i, n in enumerate(nodes)}
    count = len(nodes)
    side = SPACING * math.sqrt(count)  # the free layout's width: the area grows with the nodes
    scale = max([side / 2] + [math.hypot(*p) for p in fixed.values()])
    rng = np.random.default_rng(SEED)
    pos = rng.random((count, 2)) * 2 - 1
    adjacency = np.zeros((count, count))
    for a, b in graph.edges():
        adjacency[index[a], index[b]] = adjacency[index[b], index[a]] = 1
    pinned = np.zeros(count, dtype=bool)
    for node, (x, y) in fixed.items():
        pos[index[node]] = (x / scale, y / scale)
        pinned[index[node]] = True
    for node in nodes:
        anchors = sorted(index[n] for n in graph.neighbors(node) if n in fixed)
        if not pinned[index[node]] and anchors:
            pos[index[node]] = pos[anchors].mean(axis=0) * 1.1 + (pos[index[node]] * 0.05)
    k = SPACING / scale  # the ideal edge length, in the layout's units
    pos = pos.astype(np.float32)  # half the memory traffic of float64; the layout needs no more precision
    adjacency = adjacency.astype(np.float32)
    # A pull to the middle that balances the others' push at the layout's radius (just outside the taxonomy's
    # outer ring): without it, papers that share nothing fly to the edges and the fit to the frame squeezes the
    # rest of the drawing, whose hub labels keep their size, into a pile in the middle.
    radius = 1.0 if not fixed else 1.25
    gravity = count * k * k / radius**2
    step = 0.1
    for _ in range(ITERATIONS):
        dx = pos[:, None, 0] - pos[None, :, 0]
        dy = pos[:, None, 1] - pos[None, :, 1]
        distance = np.maximum(np.sqrt(dx * dx + dy * dy), 0.01 * k)
        force = k * k / (distance * distance) - adjacency * (distance / k)
        move = np.stack(((dx * force).sum(axis=1), (dy * force).sum(axis=1)), axis=1) - gravity * pos
        length = np.maximum(np.hypot(move[:, 0], move[:, 1]), 1e-9)
        move *= (np.minimum(length, step) / length)[:, None]
        move[pinned] = 0
        pos += move
        step -= 0.1 / (ITERATIONS + 1)
    if not fixed:
        pos -= pos.mean(axis=0)
    return {node: pos[index[node]] * scale for node in nodes}


# What a hub's label takes on screen as first drawn (graph.html keeps it at HUB_PIXELS or more), for choosing
# hubs whose labels do not cover each other: a sans-serif letter is about 0.6 of the font size wide, a line 1.4
# high, and the frame is at least FRAME_WIDTH pixels wide on a desktop window.
HUB_PIXELS = 13
FRAME_WIDTH = 800


def labels_apart(graph: nx.Graph, ranked: list[str], limit: int, frame_height: int) -> list[str]:
    """Up to ``limit`` of ``ranked`` (best first, every node laid out), skipping each whose label would overlap
    the label of one chosen before it once the drawing is fitted to a frame_height-pixel frame."""
    if not ranked:
        return []
    xs = [graph.nodes[n]["x"] for n in graph]
    ys = [graph.nodes[n]["y"] for n in graph]
    scale = min(FRAME_WIDTH / max(max(xs) - min(xs), 1), frame_height / max(max(ys) - min(ys), 1))
    chosen: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []
    for node in ranked:
        if len(chosen) == limit:
            break
        data = graph.nodes[node]
        font = max(data.get("font_size", 14) * scale, HUB_PIXELS)
        half_width = 0.3 * font * len(str(data.get("label", node))) + 4
        top = data["y"] * scale + data.get("size", 10) * scale  # the label hangs below the dot
        box = (data["x"] * scale - half_width, top, data["x"] * scale + half_width, top + 1.4 * font)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        chosen.append(node)
        boxes.append(box)
    return chosen


# A paper's neighbourhood is laid out in columns, not by force: a force layout piles the labels (a line of up to
# graphs.LABEL_LIMIT characters under each node) on top of each other around the paper. In vis-network's units:
COLUMN = 420  # from the paper to each column of its neighbours: more than a label's width (about 300)
ROW = 64  # between the rows of a column: a node, its label under it (kept 13 px high), and a gap
OUTSET = 70  # a paper two hops away sits a little further out than the neighbour it is reached through


def place_neighbourhood(graph: nx.Graph, center: str, first: list[str], reached_through: dict[str, list[str]]) -> None:
    """Fixed positions: the paper in the middle; its neighbours in a column on its left and one on its right, each
    followed by the papers reached through it, one row each. Each neighbour goes to the shorter column, so the
    layout is the same for the same graph and both columns are about as tall."""
    columns: tuple[list[tuple[str, int]], list[tuple[str, int]]] = ([], [])
    for key in first:
        column = min(columns, key=len)
        column.append((key, 0))
        column.extend((other, 1) for other in reached_through.get(key, []))
    graph.nodes[f"paper:{center}"].update(x=0, y=0)
    for side, column in zip((-1, 1), columns, strict=True):
        top = -ROW * (len(column) - 1) / 2
        for row, (key, hop) in enumerate(column):
            graph.nodes[f"paper:{key}"].update(x=side * (COLUMN + hop * OUTSET), y=round(top + row * ROW))
    graph.graph["rows"] = max(len(column) for column in columns)

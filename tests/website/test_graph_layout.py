"""explorer.graph_layout: whole-atlas graphs laid out on the server, the same on every load, spaced for their
labels, bounded in size and in time at the largest graph the page draws."""

from __future__ import annotations

import math
import random
import time

import networkx as nx
import numpy as np
import pytest

from explorer.graph_layout import LEAF_ARC, SPACING, WIDTH_TO_HEIGHT, labels_apart, lay_out
from explorer.graphs import MAX_EDGES, MAX_NODES, GraphSettings, build_graph, render_html, to_network


def free_graph(nodes: int, edges: int, seed: int = 1) -> nx.Graph:
    graph = nx.relabel_nodes(nx.gnm_random_graph(nodes, edges, seed=seed), lambda n: f"paper:p{n:04d}")
    nx.set_node_attributes(graph, "paper", "kind")
    return graph


def tree_graph(papers: int) -> nx.Graph:
    """A taxonomy of 3 roots, 6 branches each, 4 leaves per branch but the last branch of each root a leaf
    itself (78 nodes), papers on 1-3 random leaves."""
    rng = random.Random(3)
    graph = nx.Graph()
    leaves = []
    for r in range(3):
        graph.add_node(f"node:r{r}", kind="node", depth=0)
        for b in range(6):
            graph.add_node(f"node:r{r}/{b}", kind="node", depth=1)
            graph.add_edge(f"node:r{r}", f"node:r{r}/{b}")
            if b == 5:
                leaves.append(f"node:r{r}/{b}")
                continue
            for leaf in range(4):
                graph.add_node(f"node:r{r}/{b}/{leaf}", kind="node", depth=2)
                graph.add_edge(f"node:r{r}/{b}", f"node:r{r}/{b}/{leaf}")
                leaves.append(f"node:r{r}/{b}/{leaf}")
    for p in range(papers):
        graph.add_node(f"paper:p{p}", kind="paper")
        for leaf in rng.sample(leaves, rng.randint(1, 3)):
            graph.add_edge(leaf, f"paper:p{p}")
    return graph


def positions(graph: nx.Graph) -> dict[str, tuple[int, int]]:
    return {n: (data["x"], data["y"]) for n, data in graph.nodes(data=True)}


def nearest_distances(graph: nx.Graph) -> np.ndarray:
    points = np.array(list(positions(graph).values()), dtype=float)
    gaps = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    return gaps.min(axis=1)


@pytest.mark.parametrize("make", [lambda: free_graph(300, 1500), lambda: tree_graph(300)])
def test_the_same_graph_gets_the_same_positions_whatever_its_order(make):
    one = make()
    two = nx.Graph()
    two.add_nodes_from(reversed(list(one.nodes(data=True))))  # built in another order: sorted before laying out
    two.add_edges_from(reversed(list(one.edges)))
    lay_out(one)
    lay_out(two)
    assert positions(one) == positions(two)


def test_the_largest_graph_is_laid_out_in_bounded_time_and_size():
    graph = free_graph(MAX_NODES, MAX_EDGES)
    started = time.process_time()
    lay_out(graph)
    assert time.process_time() - started < 2.0  # 0.4 s of CPU when measured alone
    extent = max(max(abs(x), abs(y)) for x, y in positions(graph).values())
    assert extent <= 2 * SPACING * math.sqrt(MAX_NODES)  # about SPACING * sqrt(n) / 2 from the middle
    nearest = nearest_distances(graph)  # a dense random graph (12.5 edges a node): tight, but no pile
    assert np.median(nearest) >= SPACING / 5 and np.percentile(nearest, 5) >= SPACING / 10


def test_papers_that_share_nothing_stay_near_the_others():
    graph = free_graph(6, 6)  # a small atlas (like the bundled one): without a pull the two fly twice as far
    graph.add_nodes_from(["paper:alone0", "paper:alone1"], kind="paper")
    lay_out(graph)
    linked = [p for n, p in positions(graph).items() if "alone" not in n]
    reach = max(math.hypot(*p) for p in linked)
    assert all(math.hypot(*positions(graph)[f"paper:alone{i}"]) < 1.5 * reach for i in range(2))


def test_the_taxonomy_is_drawn_as_rings_with_its_leaves_apart_on_the_outside():
    graph = tree_graph(200)
    lay_out(graph)
    at = positions(graph)

    def ring(n: str) -> float:  # the rings are ellipses as wide as the frame: their radius measured in height
        return math.hypot(at[n][0] / WIDTH_TO_HEIGHT, at[n][1])

    radius = {n: ring(n) for n in graph if graph.nodes[n]["kind"] == "node"}
    leaves = [n for n in radius if n.count("/") == 2 or n.endswith("/5")]
    for n in radius:  # every child further out than its parent
        if "/" in n:
            assert radius[n] > radius[n.rsplit("/", 1)[0]]
    assert max(radius[n] for n in leaves) - min(radius[n] for n in leaves) < 2  # the leaves share the outer ring
    leaf_points = np.array([at[n] for n in leaves], dtype=float)
    gaps = np.hypot(*(leaf_points[:, None, :] - leaf_points[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    assert gaps.min() >= 0.9 * LEAF_ARC  # room for each leaf's label
    width, height = np.ptp(leaf_points, axis=0)
    assert width / height == pytest.approx(WIDTH_TO_HEIGHT, rel=0.02)  # wider than tall, like the frame
    outer = radius[leaves[0]]
    papers = [ring(n) for n in graph if n.startswith("paper:")]
    assert max(papers) < 2 * outer  # the papers gather around the tree, not far off


def test_every_whole_atlas_graph_is_sent_laid_out_and_drawn_without_physics(catalog):
    for kind in ("taxonomy", "papers", "co-authors", "models"):
        result = build_graph(catalog, GraphSettings(kind=kind, min_papers=1))
        options = to_network(result).options
        assert options["physics"] == {"enabled": False}, kind
        assert all({"x", "y"} <= set(node) for node in to_network(result).nodes), kind
    one, two = (render_html(build_graph(catalog, GraphSettings())) for _ in range(2))
    assert one == two  # the same page on every load


def labelled(points: list[tuple[int, int]], label: str = "A paper title of about thirty letters") -> nx.Graph:
    graph = nx.Graph()
    for i, (x, y) in enumerate(points):
        graph.add_node(f"paper:p{i}", kind="paper", x=x, y=y, label=label, size=10)
    return graph


def test_hubs_are_chosen_best_first_with_their_labels_apart():
    # a drawing 4,000 units wide fitted to 800 pixels: a 13-pixel label of 36 letters is ~1,400 units wide
    far = [(-2000, 0), (0, 0), (2000, 0), (0, -1500), (0, 1500)]
    assert labels_apart(labelled(far), [f"paper:p{i}" for i in range(5)], 25, 650) == [f"paper:p{i}" for i in range(5)]
    # side by side 500 units apart (100 pixels): their labels would cover each other, so every other one goes
    row = labelled([(x, 0) for x in range(-2000, 2001, 500)] + [(0, -1500), (0, 1500)])
    ranked = [f"paper:p{i}" for i in range(11)]
    assert labels_apart(row, ranked, 25, 650) == ["paper:p0", "paper:p3", "paper:p6", "paper:p9", "paper:p10"]
    # a stack 50 units (10 pixels) apart, under labels 18 pixels high: every other one is named
    stack = labelled([(0, y) for y in range(0, 500, 50)] + [(-2000, 0), (2000, 0)])
    named = labels_apart(stack, [f"paper:p{i}" for i in range(12)], 25, 650)
    assert named == ["paper:p0", "paper:p2", "paper:p4", "paper:p6", "paper:p8", "paper:p10", "paper:p11"]
    assert labels_apart(labelled(far), [f"paper:p{i}" for i in range(5)], 2, 650) == ["paper:p0", "paper:p1"]
    assert labels_apart(labelled(far), [], 25, 650) == []

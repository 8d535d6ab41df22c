"""explorer.graphs: the four graphs, their caps, and escaping in pyvis's output (hostile data included)."""

from __future__ import annotations

import json
import re

import pytest
from pyvis.network import Network
from website_support import build_hostile_db

from explorer import graphs
from explorer.db import open_session
from explorer.graphs import GraphSettings, GraphTooLarge, build_graph, legend_years, render_html, to_network
from explorer.paper_catalog import load_paper_catalog

RAW_PAYLOADS = (
    "<script>window.__atlasXss",
    "<img src=x",
    "<svg onload",
    "<svg/onload",
    '<a href="javascript',
    "<iframe",
    "<b onmouseover",
    "</script><script>",
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    with open_session(build_hostile_db(tmp_path_factory.mktemp("hostile"))) as session:
        return load_paper_catalog(session)


def nodes_of(result, kind):
    return sorted(n for n, data in result.graph.nodes(data=True) if data["kind"] == kind)


def test_taxonomy_graph_hangs_papers_off_their_leaves(catalog):
    result = build_graph(catalog, GraphSettings())
    assert len(nodes_of(result, "node")) == 24 and len(nodes_of(result, "paper")) == 5
    assert result.graph.has_edge("node:model/token", "node:model/token/visual-token")
    assert result.graph.has_edge("node:model/token/visual-token", "paper:neo2024interpreting")
    assert result.graph.has_edge("node:model/layer/decision-making-workflow", "paper:neo2024interpreting")
    assert result.graph.number_of_edges() == 21 + 6  # tree edges (24 nodes, 3 roots) + paper-leaf memberships
    assert result.graph.nodes["paper:neo2024interpreting"]["href"] == "./paper?key=neo2024interpreting"
    assert result.graph.nodes["node:model/token"]["href"] == "./taxonomy?node=model%2Ftoken"


def test_scope_and_years_narrow_the_graph(catalog):
    result = build_graph(catalog, GraphSettings(scope="model/token"))
    assert nodes_of(result, "node") == [
        "node:model/token",
        "node:model/token/visual-text-token",
        "node:model/token/visual-token",
    ]
    assert nodes_of(result, "paper") == ["paper:muller2024sehen", "paper:neo2024interpreting"] and result.papers == 2
    assert build_graph(catalog, GraphSettings(years=(2023, 2023))).papers == 1
    with pytest.raises(KeyError, match="unknown taxonomy node 'model/x'"):
        build_graph(catalog, GraphSettings(scope="model/x"))
    with pytest.raises(ValueError, match="unknown graph 'tree'"):
        GraphSettings(kind="tree")


@pytest.mark.parametrize(
    "link_by, edges",
    [
        # the shared technique of neo and nostalgebraist is not drawn: their typed relation says more
        (
            "relation+broader",
            {("neo2024interpreting", "nostalgebraist2020interpreting"), ("muller2024sehen", "neo2024interpreting")},
        ),
        ("technique", {("neo2024interpreting", "nostalgebraist2020interpreting")}),
        (
            "model",
            {
                ("leng2024mitigating", "li2023evaluating"),
                ("leng2024mitigating", "muller2024sehen"),
                ("leng2024mitigating", "neo2024interpreting"),
                ("muller2024sehen", "neo2024interpreting"),
            },
        ),
        (
            "relation",
            {("neo2024interpreting", "nostalgebraist2020interpreting"), ("muller2024sehen", "neo2024interpreting")},
        ),
        # li2023evaluating (llava) and neo2024interpreting (llava-1.5) share no model but the LLaVA family
        (
            "family",
            {
                (a, b)
                for a in ("leng2024mitigating", "li2023evaluating", "muller2024sehen", "neo2024interpreting")
                for b in ("leng2024mitigating", "li2023evaluating", "muller2024sehen", "neo2024interpreting")
                if a < b
            },
        ),
        ("broader", {("neo2024interpreting", "nostalgebraist2020interpreting")}),
    ],
)
def test_papers_graph_links_by_shared_values_or_relations(catalog, link_by, edges):
    result = build_graph(catalog, GraphSettings(kind="papers", link_by=link_by))
    found = {tuple(x.removeprefix("paper:") for x in edge) for edge in result.graph.edges}
    if not link_by.startswith("relation"):
        found = {tuple(sorted(edge)) for edge in found}
    assert found == edges
    assert result.graph.is_directed() == link_by.startswith("relation")


def test_a_shared_leaf_no_longer_links_papers():
    with pytest.raises(ValueError, match="unknown link 'leaf'"):
        GraphSettings(kind="papers", link_by="leaf")


NEAREST = [("leng2024mitigating", "shares the model LLaVA-1.5"), ("li2023evaluating", "both study hallucination")]


def test_a_papers_neighbourhood_has_its_relations_its_nearest_papers_and_theirs(catalog):
    result = build_graph(catalog, GraphSettings(kind="paper", paper="muller2024sehen"), nearest=NEAREST)
    graph = result.graph
    assert set(graph) == {
        "paper:muller2024sehen",
        "paper:neo2024interpreting",
        "paper:leng2024mitigating",
        "paper:li2023evaluating",
        "paper:nostalgebraist2020interpreting",
    }
    assert graph.edges["paper:muller2024sehen", "paper:neo2024interpreting"]["label"] == "compares-with"  # typed, hop 1
    assert graph.has_edge("paper:neo2024interpreting", "paper:nostalgebraist2020interpreting")  # hop 2, by relation
    related = graph.edges["paper:muller2024sehen", "paper:leng2024mitigating"]
    assert related["dashes"] and related["undirected"] and "LLaVA" in related["tooltip"]
    assert graph.nodes["paper:muller2024sehen"]["hub"] and graph.nodes["paper:muller2024sehen"]["size"] > 10
    note = result.notes[0]
    assert "1 typed relation (arrows)" in note and "2 nearest related papers" in note and "1 paper two hops" in note


def test_a_neighbourhood_is_laid_out_in_columns_that_keep_its_labels_apart(catalog):
    result = build_graph(catalog, GraphSettings(kind="paper", paper="muller2024sehen"), nearest=NEAREST)
    places = {node: (data["x"], data["y"]) for node, data in result.graph.nodes(data=True)}
    assert places["paper:muller2024sehen"] == (0, 0)
    label_width = 7.5 * graphs.LABEL_LIMIT  # about 7.5 units per character of a 14-unit label
    for a, (ax, ay) in places.items():
        for b, (bx, by) in places.items():  # side by side with a label's width between, or a row apart
            assert a == b or abs(ax - bx) >= label_width or abs(ay - by) >= graphs.ROW, (a, b)
    labelled = [(a, b) for a, b, data in result.graph.edges(data=True) if data.get("label")]
    assert labelled and all("paper:muller2024sehen" in pair for pair in labelled)  # the others on hover only
    between_neighbours = result.graph.edges["paper:neo2024interpreting", "paper:nostalgebraist2020interpreting"]
    assert not between_neighbours["label"] and "builds-on" in between_neighbours["tooltip"]
    options = to_network(result).options
    assert options["physics"] == {"enabled": False}  # drawn where it was placed: the same on every load
    assert graphs.canvas_height(result) == graphs.HEIGHT  # a few rows fit the usual height


def test_a_neighbourhood_with_many_rows_gets_a_taller_canvas_not_a_smaller_zoom(catalog):
    result = build_graph(catalog, GraphSettings(kind="paper", paper="muller2024sehen"), nearest=NEAREST)
    result.graph.graph["rows"] = 30
    assert graphs.canvas_height(result) == 30 * graphs.ROW + 120
    assert "height: 2040px" in render_html(result, graphs.canvas_height(result))


def test_a_neighbourhood_needs_a_known_paper(catalog):
    with pytest.raises(ValueError, match="needs a paper"):
        GraphSettings(kind="paper")
    with pytest.raises(KeyError, match="no paper with key 'nobody'"):
        build_graph(catalog, GraphSettings(kind="paper", paper="nobody"))


def test_hubs_keep_their_labels_taxonomy_nodes_first(catalog):
    taxonomy = build_graph(catalog, GraphSettings()).graph
    assert all(data.get("hub") for node, data in taxonomy.nodes(data=True) if node.startswith("node:"))
    models = build_graph(catalog, GraphSettings(kind="models", min_papers=1)).graph
    assert all(data.get("hub") for node, data in models.nodes(data=True) if node.startswith("model:"))
    html = render_html(build_graph(catalog, GraphSettings(kind="models", min_papers=1)))
    assert "HUB_PIXELS / scale" in html and '"hub": true' in html


def test_a_graph_is_drawn_where_the_server_laid_it_out(catalog):
    one, two = (render_html(build_graph(catalog, GraphSettings(scope="model"))) for _ in range(2))
    assert one == two  # the same positions on every load
    assert embedded(one, "NODES")[0]["x"] is not None and '"physics": {"enabled": false}' in one
    assert "localStorage" not in one  # nothing kept in the browser: there is nothing to lay out there


def test_coauthor_and_model_graphs_keep_the_minimum(catalog):
    coauthors = build_graph(catalog, GraphSettings(kind="co-authors", min_papers=1))
    assert "author:Clement Neo" in coauthors.graph and coauthors.graph.has_edge("author:Clement Neo", "author:Luke Ong")
    assert coauthors.graph.nodes["author:Clement Neo"]["href"].startswith("./compare?q=Clement%20Neo")
    assert build_graph(catalog, GraphSettings(kind="co-authors", min_papers=2)).graph.number_of_nodes() == 0
    models = build_graph(catalog, GraphSettings(kind="models", min_papers=2))
    assert nodes_of(models, "model") == ["model:instructblip", "model:llava-1.5", "model:qwen-vl"]
    assert models.graph.nodes["model:llava-1.5"]["label"] == "LLaVA-1.5"
    assert "LLaVA family" in models.graph.nodes["model:llava-1.5"]["tooltip"]
    assert models.graph.has_edge("model:qwen-vl", "paper:muller2024sehen")
    assert models.notes and "3 of 6" in models.notes[0]


def test_colour_by_year_runs_old_to_new(catalog):
    result = build_graph(catalog, GraphSettings(color_by="year"))
    colours = {
        k: result.graph.nodes[f"paper:{k}"]["color"] for k in ("nostalgebraist2020interpreting", "neo2024interpreting")
    }
    assert colours == {"nostalgebraist2020interpreting": "#440154", "neo2024interpreting": "#fde725"}
    assert [label for label, _ in result.legend] == ["2020", "2021", "2022", "2023", "2024"]  # every colour shown


def test_a_long_span_of_years_is_a_scale_in_the_legend():
    assert legend_years((1990, 2025)) == [1990, 1995, 2000, 2005, 2010, 2015, 2020, 2025]
    assert legend_years((2020, 2027)) == list(range(2020, 2028))  # eight years: each
    assert legend_years((2024, 2024)) == [2024]


def test_a_graph_above_the_cap_is_refused_with_its_size_and_a_way_out(catalog):
    with pytest.raises(GraphTooLarge) as caught:
        build_graph(catalog, GraphSettings(max_nodes=10))
    assert caught.value.nodes == 29 and caught.value.edges == 27
    assert "29 nodes and 27 edges; the cap is 10 nodes" in str(caught.value) and "smaller taxonomy scope" in str(
        caught.value
    )
    with pytest.raises(GraphTooLarge, match="up to"):  # so dense that pairs are not even enumerated
        build_graph(catalog, GraphSettings(kind="papers", link_by="model", max_edges=0))
    with pytest.raises(GraphTooLarge, match="raise the minimum papers"):
        build_graph(catalog, GraphSettings(kind="co-authors", min_papers=1, max_nodes=3))


# --- rendering and escaping ------------------------------------------------------------------------


def embedded(html: str, name: str) -> list[dict]:
    return json.loads(re.search(rf"var {name} = (.*?);\n", html).group(1))


@pytest.mark.parametrize(
    "settings",
    [
        GraphSettings(),
        GraphSettings(kind="papers", link_by="technique"),
        GraphSettings(kind="papers", link_by="relation"),
        GraphSettings(kind="papers"),
        GraphSettings(kind="paper", paper="evil2024script"),
        GraphSettings(kind="co-authors", min_papers=1),
        GraphSettings(kind="models", min_papers=1),
    ],
)
def test_rendered_graph_escapes_every_hostile_text(hostile, settings):
    result = build_graph(hostile, settings)
    html = render_html(result)
    for payload in RAW_PAYLOADS:
        assert payload not in html
    assert "https://" not in html.split("<script>", 1)[0]  # nothing fetched from the network
    for item in embedded(html, "NODES") + embedded(html, "EDGES"):
        tooltip = item.get("title", "")
        assert re.sub(r"</?b>|<br>", "", tooltip).count("<") == 0, tooltip
    paper_titles = [n["title"] for n in embedded(html, "NODES") if n["id"].startswith("paper:evil2024script")]
    assert all("&lt;script&gt;window.__atlasXss=1" in t for t in paper_titles)


def test_escaped_tooltips_are_safe_even_in_pyvis_stock_href_mode(hostile):
    """pyvis's own template sets every tooltip with innerHTML once a title contains "href"."""
    net = to_network(build_graph(hostile, GraphSettings(kind="papers", link_by="technique")))
    assert any("href" in n["title"] for n in net.nodes)  # the hostile title triggers the switch ...
    stock = Network.generate_html(net)
    assert "popup.innerHTML = nodeData[0].title" in stock  # ... to raw HTML tooltips
    for payload in RAW_PAYLOADS:
        assert payload not in stock


def test_inlined_vis_network_cannot_close_its_script_tag():
    source = graphs.VIS_JS.read_text(encoding="utf-8")
    assert "</script" not in source.lower() and len(source) > 100_000


def test_a_graph_loads_vis_network_from_the_site_when_told_where(catalog, hostile):
    """The website's graphs name the library's address instead of carrying its 470 kB; the data stays escaped."""
    inline = render_html(build_graph(catalog, GraphSettings()))
    linked = render_html(build_graph(catalog, GraphSettings()), vis_src="app/static/vis-network.min.js")
    assert '<script src="app/static/vis-network.min.js"></script>' in linked
    assert len(inline) - len(linked) > 400_000 and embedded(inline, "NODES") == embedded(linked, "NODES")
    html = render_html(build_graph(hostile, GraphSettings(kind="papers")), vis_src="app/static/vis-network.min.js")
    assert not any(payload in html for payload in RAW_PAYLOADS)


def test_publish_vis_js_copies_the_library_once_and_says_when_it_cannot(tmp_path):
    folder = tmp_path / "static"
    assert graphs.publish_vis_js(folder)
    copied = folder / graphs.VIS_JS.name
    assert copied.read_bytes() == graphs.VIS_JS.read_bytes() and [p.name for p in folder.iterdir()] == [copied.name]
    copied.write_text("stale")  # another pyvis's library: replaced
    assert graphs.publish_vis_js(folder) and copied.read_bytes() == graphs.VIS_JS.read_bytes()
    (tmp_path / "a-file").write_text("x")
    assert not graphs.publish_vis_js(tmp_path / "a-file" / "static")  # a folder it cannot make: the graphs inline it


def test_click_opens_only_site_relative_pages(catalog):
    html = render_html(build_graph(catalog, GraphSettings(kind="models", min_papers=1)))
    assert 'node.href.indexOf("./") === 0' in html and 'window.open(node.href, "_blank", "noopener")' in html
    assert {n["href"][:10] for n in embedded(html, "NODES")} == {"./paper?ke", "./compare?"}

"""The website's read side on the real fixture database: catalogue, overview, taxonomy browser,
paper detail, faceted comparison and exports (no Streamlit involved)."""

from __future__ import annotations

import csv
import io

import pytest
from tests_paths import BUNDLED
from website_support import JAVASCRIPT_CODE_URL

from explorer import urls
from explorer.browse import UnknownNode, node_view, sort_papers, survey_refs, tree
from explorer.compare import (
    FacetFilters,
    export_bibtex,
    export_csv,
    facet_values,
    filter_papers,
    latex_escape,
    search,
    side_by_side,
    table_rows,
    to_latex_table,
)
from explorer.db import open_session
from explorer.detail import UnknownPaper, paper_view
from explorer.overview import build_overview, leaf_matrix, recent
from explorer.paper_catalog import load_paper_catalog
from ingest.errors import UnknownItem

ALL = [
    "leng2024mitigating",
    "li2023evaluating",
    "muller2024sehen",
    "neo2024interpreting",
    "nostalgebraist2020interpreting",
]


def keys(papers):
    return sorted(p.key for p in papers)


# --- catalogue -----------------------------------------------------------------------------------


def test_catalog_holds_every_paper_with_its_links(catalog):
    assert keys(catalog.papers) == ALL
    neo = catalog.by_key["neo2024interpreting"]
    assert neo.authors[:2] == ("Clement Neo", "Luke Ong") and len(neo.authors) == 6
    assert neo.leaves == ("model/token/visual-token", "model/layer/decision-making-workflow")  # tree order
    assert neo.models == ("llava-1.5",) and neo.model_names == ("LLaVA-1.5",)
    assert neo.modalities == ("text", "image")  # vocabulary ids, in the vocabulary's order
    assert neo.techniques == ("attention-knockout", "logit-lens", "token-ablation")  # ids, by display name
    assert neo.technique_names == ("Attention knockout", "Logit lens", "Token ablation")
    assert neo.model_terms == {"llava-1.5", "llava-family"}  # the family comes with the model
    assert {"lens-decoding", "causal-intervention", "ablation"} <= neo.technique_terms  # and the broader techniques
    assert neo.perspectives == ("model",) and neo.has_code and neo.first_author == "Clement Neo et al."
    assert catalog.by_key["muller2024sehen"].authors[0] == "Jörg Müller"  # decoded, in order
    assert {(r.source, r.type, r.target) for r in catalog.relations} == {
        ("neo2024interpreting", "builds-on", "nostalgebraist2020interpreting"),
        ("muller2024sehen", "compares-with", "neo2024interpreting"),
    }


def test_node_counts_count_a_paper_once_per_ancestor(catalog):
    counts = catalog.node_counts()
    assert counts["model"] == 3 and counts["model/token"] == 2 and counts["model/layer"] == 2
    assert counts["data"] == 1 and counts["training-inference"] == 1 and counts["model/neuron"] == 0
    with pytest.raises(KeyError, match="unknown taxonomy node 'model/nope'"):
        catalog.leaves_under("model/nope")


# --- overview ------------------------------------------------------------------------------------


def test_overview_totals_timeline_and_recent(catalog):
    overview = build_overview(catalog)
    totals = overview.totals
    assert (totals.papers, totals.classified, totals.leaves, totals.first_year, totals.last_year) == (
        5,
        5,
        16,
        2020,
        2024,
    )
    assert totals.models == 6 and totals.leaves_at_target == 0
    assert {"year": 2024, "perspective": "Model", "papers": 2} in overview.per_year
    assert {"year": 2024, "perspective": "Training and Inference", "papers": 1} in overview.per_year
    assert sum(row["papers"] for row in overview.per_year) == 5
    # by the date added, then by title: li (2023) before leng (2024), both added on 2026-11-20; the year never decides
    assert [p.key for p in recent(catalog, 3)] == ["li2023evaluating", "leng2024mitigating", "muller2024sehen"]


def test_gap_heatmap_has_every_cell_so_gaps_show(catalog):
    cells = leaf_matrix(catalog, "modalities", columns=["text", "image", "audio"])
    assert len(cells) == 16 * 3
    by_cell = {(c.row, c.column): c.papers for c in cells}
    assert by_cell[("model/layer/decision-making-workflow", "text")] == 2
    assert by_cell[("model/layer/decision-making-workflow", "image")] == 1
    assert by_cell[("data/benchmark", "audio")] == 0
    techniques = leaf_matrix(catalog, "techniques", top=2, kind="technique")
    assert [c.column for c in techniques[:2]] == ["logit-lens", "attention-analysis"]  # most used first, then by id
    assert techniques[0].column_label == "Logit lens"


def test_technique_gap_map_counts_broad_techniques_with_their_narrower_ones(catalog):
    cells = build_overview(catalog).leaf_by_technique
    columns = list(dict.fromkeys(c.column for c in cells))
    assert columns == catalog.vocabulary.roots("technique") and columns[0] == "attribution"  # every broad technique
    by_cell = {(c.row, c.column): c for c in cells}
    workflow = "model/layer/decision-making-workflow"
    # neo2024interpreting (logit lens) and nostalgebraist2020interpreting (logit lens)
    # under "decoding intermediate layers"
    assert by_cell[(workflow, "lens-decoding")].papers == 2
    assert by_cell[(workflow, "lens-decoding")].column_label == "Decoding intermediate layers"
    assert (
        by_cell[(workflow, "causal-intervention")].papers == 1
    )  # neo2024interpreting: token ablation, attention knockout
    assert by_cell[(workflow, "attribution")].papers == 0  # a real gap


# --- taxonomy browser ----------------------------------------------------------------------------


def test_tree_lists_every_node_in_order_with_counts(catalog):
    rows = tree(catalog)
    assert len(rows) == 24 and rows[0].id == "data" and rows[1].depth == 1
    assert {r.id: r.papers for r in rows}["model/token/visual-token"] == 1
    assert survey_refs(catalog, "model/token") == 11  # 6 + 5 over its leaves


def test_node_view_shows_description_counts_and_papers(catalog):
    view = node_view(catalog, "model/token")
    assert [n.id for n in view.breadcrumbs] == ["model"]
    assert [c.id for c in view.children] == ["model/token/visual-token", "model/token/visual-text-token"]
    assert keys(row.paper for row in view.papers) == ["muller2024sehen", "neo2024interpreting"]
    assert [leaf for leaf, _ in view.papers[1].whys] == ["model/token/visual-token"]  # only its leaves under the node
    assert view.papers[1].whys[0][1].startswith("Ablates the image tokens")
    assert (view.ours, view.survey_refs, view.target) == (2, 11, None)
    leaf = node_view(catalog, "model/token/visual-token")
    assert (leaf.ours, leaf.survey_refs, leaf.target) == (1, 6, 6) and leaf.node.description
    with pytest.raises(UnknownNode, match="unknown taxonomy node 'model/tokens'"):
        node_view(catalog, "model/tokens")


# --- paper detail --------------------------------------------------------------------------------


def test_paper_view_has_everything_the_page_shows(fixture_db):
    with open_session(fixture_db) as session:
        view = paper_view(session, "neo2024interpreting")
        muller = paper_view(session, "muller2024sehen")
        with pytest.raises(UnknownPaper, match="no paper with key 'nope'"):
            paper_view(session, "nope")
    assert view.title.startswith("Towards Interpreting") and view.year == 2024 and "ICLR" in view.venue
    assert [(link.label, link.href) for link in view.links] == [
        ("arXiv", "https://arxiv.org/abs/2410.07149"),
        ("URL", "https://arxiv.org/abs/2410.07149"),
    ]
    assert view.code.href == "https://github.com/clemneo/llava-interp"
    assert [c.path for c in view.categories] == [
        "Model › Token › Visual Token",
        "Model › Layer › Decision-Making Workflow",
    ]
    assert all(c.why for c in view.categories)
    assert [(r.direction, r.type, r.key) for r in view.relations] == [
        ("out", "builds-on", "nostalgebraist2020interpreting"),
        ("in", "compares-with", "muller2024sehen"),
    ]
    assert view.bibtex.startswith("@inproceedings{neo2024interpreting,")
    assert (
        muller.code is None
        and muller.links[0].label == "DOI"
        and muller.links[0].href == "https://doi.org/10.1234/fixture.2024.001"
    )


def test_paper_view_never_links_an_unsafe_url(hostile_db):
    with open_session(hostile_db) as session:
        view = paper_view(session, "evil2024href")
        script = paper_view(session, "evil2024script")
    assert view.code.text == JAVASCRIPT_CODE_URL and view.code.href is None
    assert [link.href for link in view.links if link.label == "URL"] == [None]
    assert script.code.href == "https://example.com/%22%3E%3Cimg/src=x/onerror=alert%28%27xss-code%27%29%3E"
    assert [link.href for link in script.links if link.label == "DOI"][0].startswith(
        "https://doi.org/10.1234/x%22%3E%3Csvg"
    )


# --- comparison ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters, expected",
    [
        (FacetFilters(), ALL),
        (FacetFilters(node=("model/token",)), ["muller2024sehen", "neo2024interpreting"]),
        (FacetFilters(node=("data", "training-inference")), ["leng2024mitigating", "li2023evaluating"]),
        (
            FacetFilters(model=("qwen-vl", "gpt-2")),
            ["leng2024mitigating", "muller2024sehen", "nostalgebraist2020interpreting"],
        ),
        (
            FacetFilters(model=("llava-1.5",), modality=("image",)),
            ["leng2024mitigating", "muller2024sehen", "neo2024interpreting"],
        ),
        (FacetFilters(technique=("logit-lens",)), ["neo2024interpreting", "nostalgebraist2020interpreting"]),
        # a family includes its models (llava and llava-1.5), a broader technique its narrower ones
        (
            FacetFilters(model=("llava-family",)),
            ["leng2024mitigating", "li2023evaluating", "muller2024sehen", "neo2024interpreting"],
        ),
        (FacetFilters(model=("gpt-family",)), ["nostalgebraist2020interpreting"]),
        (FacetFilters(technique=("causal-intervention",)), ["neo2024interpreting"]),
        (
            FacetFilters(technique=("lens-decoding", "hallucination-mitigation")),
            ["leng2024mitigating", "neo2024interpreting", "nostalgebraist2020interpreting"],
        ),
        (
            FacetFilters(granularity=("token", "layer")),
            ["muller2024sehen", "neo2024interpreting", "nostalgebraist2020interpreting"],
        ),
        (FacetFilters(years=(2023, 2023)), ["li2023evaluating"]),
        (FacetFilters(has_code=True), ["leng2024mitigating", "li2023evaluating", "neo2024interpreting"]),
        (FacetFilters(text="LOGIT lens"), ["neo2024interpreting", "nostalgebraist2020interpreting"]),
        (FacetFilters(text="muller sinks"), ["muller2024sehen"]),  # accents folded, every word must appear
        (FacetFilters(model=("llava-1.5",), has_code=True, node=("model",)), ["neo2024interpreting"]),
    ],
)
def test_filters_combine_facets_with_and_and_values_with_or(catalog, filters, expected):
    assert keys(filter_papers(catalog, filters)) == expected
    assert keys(search(catalog, filters).papers) == expected


def test_facet_counts_ignore_their_own_facet(catalog):
    result = search(catalog, FacetFilters(model=("gpt-2",)))
    models = {o.value: o.papers for o in result.facets["model"]}
    assert models["llava-1.5"] == 3 and models["gpt-2"] == 1  # what choosing that value instead would give
    assert models["llava-family"] == 4  # llava-1.5's three papers and li2023evaluating's llava
    granularity = {o.value: o.papers for o in result.facets["granularity"]}
    assert granularity == {"layer": 1}  # other facets are narrowed by the model filter
    nodes = {o.value: o.papers for o in result.facets["node"]}
    assert len(nodes) == 24 and nodes["model/layer"] == 1 and nodes["data"] == 0
    values = facet_values(catalog)
    assert values["modality"] == ["text", "image"]  # the vocabulary's order
    assert values["node"][0] == "data" and "llava-1.5" in values["model"] and "llava-family" in values["model"]
    # techniques in the hierarchy's order, each broad one before its narrower ones, with names and depths
    options = search(catalog, FacetFilters()).facets["technique"]
    order = [o.value for o in options]
    assert order.index("lens-decoding") + 1 == order.index("logit-lens")
    lens = next(o for o in options if o.value == "lens-decoding")
    assert (lens.label, lens.depth, lens.papers) == ("Decoding intermediate layers", 0, 2)
    assert next(o for o in options if o.value == "logit-lens").depth == 1
    assert (
        next(o for o in search(catalog, FacetFilters()).facets["model"] if o.value == "llava-family").label
        == "LLaVA family"
    )


def test_unknown_node_filter_names_the_node(catalog):
    with pytest.raises(KeyError, match="unknown taxonomy node 'model/x'"):
        search(catalog, FacetFilters(node=("model/x",)))


def test_side_by_side_has_attributes_as_rows(catalog):
    table = side_by_side(catalog, ["neo2024interpreting", "muller2024sehen", "missing"])
    assert [p.key for p in table.papers] == ["neo2024interpreting", "muller2024sehen"]
    rows = dict(table.rows)
    assert [[p.text for p in cell] for cell in rows["Models"]] == [["LLaVA-1.5"], ["LLaVA-1.5, Qwen-VL"]]
    assert rows["Code"][1][0].text == "none released" and rows["Code"][1][0].href is None
    assert rows["Code"][0][0].href == "https://github.com/clemneo/llava-interp"
    leaves = rows["Taxonomy leaves and why"][0]
    assert [(p.label, p.href) for p in leaves] == [
        ("Visual Token", "./taxonomy?node=model%2Ftoken%2Fvisual-token"),
        ("Decision-Making Workflow", "./taxonomy?node=model%2Flayer%2Fdecision-making-workflow"),
    ]
    assert "Domains" not in rows  # no paper has one


def test_sort_papers_by_year_or_title(catalog):
    papers = list(catalog.papers)
    assert [p.year for p in sort_papers(papers, "newest")] == sorted((p.year for p in papers), reverse=True)
    assert [p.year for p in sort_papers(papers, "oldest")] == sorted(p.year for p in papers)
    titles = [p.title.casefold() for p in sort_papers(papers, "title")]
    assert titles == sorted(titles)
    with pytest.raises(UnknownItem, match="unknown order 'sideways'"):
        sort_papers(papers, "sideways")


def test_table_rows_link_to_paper_pages(catalog):
    rows = table_rows(catalog, list(catalog.papers))
    assert {r["page"] for r in rows} == {urls.paper(k).href for k in ALL}
    neo = next(r for r in rows if r["key"] == "neo2024interpreting")  # names, not ids
    assert neo["leaves"] == "Visual Token, Decision-Making Workflow" and neo["modalities"] == "Text, Image"
    assert all(r["page"].startswith("./paper?key=") for r in rows)


def test_exports_of_a_selection(fixture_db, catalog):
    with open_session(fixture_db) as session:
        bib = export_bibtex(session, ["neo2024interpreting", "li2023evaluating"])
        table = export_csv(session, ["neo2024interpreting"])
    assert bib.count("\n@") == 1 and "@inproceedings{neo2024interpreting," in bib and "li2023evaluating" in bib
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [r["key"] for r in rows] == ["neo2024interpreting"] and rows[0]["models"] == "LLaVA-1.5"


def test_latex_table_cites_keys_and_escapes_text(catalog, hostile_db):
    latex = to_latex_table([catalog.by_key["neo2024interpreting"], catalog.by_key["muller2024sehen"]])
    assert r"\begin{tabular}" in latex and r"\toprule" in latex and r"\bottomrule" in latex
    assert r"\cite{neo2024interpreting} & 2024 & visual-token, decision-making-workflow" in latex
    assert latex.count(r" \\") == 3  # header + two rows
    assert (
        latex_escape("50% of C&A_x {y} $z$ #1 ~ ^ \\")
        == r"50\% of C\&A\_x \{y\} \$z\$ \#1 \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    with open_session(hostile_db) as session:
        hostile = load_paper_catalog(session)
    body = to_latex_table([hostile.by_key["evil2024script"]])
    assert r"\textless{}svg onload=alert('xss-model')\textgreater{}" in body and "<" not in body.split("\n", 1)[1]


def test_paper_view_shows_where_the_metadata_was_checked(bundled_db):
    from explorer.db import open_session
    from explorer.detail import paper_view

    with open_session(bundled_db) as session:
        view = paper_view(session, "abnar2020quantifying")
    import yaml

    recorded = yaml.safe_load((BUNDLED / "papers" / "abnar2020quantifying.yaml").read_text(encoding="utf-8"))
    assert view.checked_against.href == recorded["verification"]["source"]

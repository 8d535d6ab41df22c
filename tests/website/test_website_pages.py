"""Every page and every deep link under Streamlit's AppTest, against real databases built by
ingest.build: the fixture data, the hostile fixture, and a first start without a database."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from website_support import (
    JAVASCRIPT_CODE_URL,
    app_test,
    ok,
    page_links,
    permalink,
    shown,
    texts,
    url_notices,
)

RAW_TAG = re.compile(r"(?<!\\)<")  # a "<" that Markdown would read as the start of a tag


@pytest.fixture
def hostile_site(hostile_db, monkeypatch):
    monkeypatch.setenv("ATLAS_DB", str(hostile_db))
    return hostile_db


# --- overview ------------------------------------------------------------------------------------


def test_overview_shows_totals_timeline_gaps_and_recent_papers(fixture_site):
    at = ok(app_test())
    assert at.title[0].value == "MLLM Interpretability Atlas"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Papers"] == "5" and metrics["Leaves as full as the survey"] == "0 of 16"
    assert metrics["Years"] == "2020–2024"
    charts = [element.proto.body for element in at.main.get("html")]
    assert not at.get("vega_lite_chart")  # the charts are HTML: no 774 kB charting library for the browser
    assert sum('class="atlas-bars"' in body for body in charts) == 1  # the timeline
    assert sum('class="atlas-heatmap"' in body for body in charts) == 2  # leaf × modality, leaf × technique
    assert '<div class="bar" title="2024 · Model: 2 papers; Training and Inference: 1 paper">' in "".join(charts)
    assert any("empty cells" in c.value for c in at.caption)
    links = page_links(at)
    recent = [label for label, target in links.items() if target.startswith("paper?")]
    assert recent[0].startswith("Evaluating Object Hallucination") and len(recent) == 5
    assert recent[0].endswith("· added 2026\\-11\\-20")
    assert links["Compare and filter every paper"] == "compare?"
    survey = "[Explainable and Interpretable Multimodal Large Language Models\\: A Comprehensive Survey](https://arxiv.org/abs/2412.02104)"
    assert survey in at.markdown[0].value
    assert 'action="./search"' in at.main.get("html")[0].proto.body  # the overview's own search box


class _Cells(HTMLParser):
    """The cells of a heat-map's table: (the cell's attributes, [(tag, attributes) of what it holds], its text)."""

    def __init__(self):
        super().__init__()
        self.cells: list[tuple[dict, list, str]] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        if tag == "td" and attrs:
            self.cells.append((dict(attrs), [], ""))
            self._open = True
        elif self._open:
            self.cells[-1][1].append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._open = self._open and tag != "td"

    def handle_data(self, data):
        if self._open:
            attrs, children, text = self.cells[-1]
            self.cells[-1] = (attrs, children, text + data)


def heat_map_cells(body: str) -> list[tuple[dict, list, str]]:
    parser = _Cells()
    parser.feed(body)
    return parser.cells


def test_every_part_of_a_heat_map_cell_opens_its_papers():
    from app_pages.charts import HEATMAP_STYLE, gap_heatmap
    from explorer.overview import Cell

    cells = [
        Cell("model/token/visual-token", "Token › Visual Token", "image", 3, "image"),
        Cell("model/token/visual-token", "Token › Visual Token", "audio", 0, "audio"),
    ]
    [(filled, [link], number), (gap, inside, dot)] = heat_map_cells(gap_heatmap(cells, "modality", "modality"))
    # the filled cell holds one link and nothing else; the style makes it a block filling the cell
    assert link[0] == "a" and number == "3" and "td a { display: block;" in HEATMAP_STYLE
    assert link[1]["href"] == "./compare?node=model%2Ftoken%2Fvisual-token&modality=image"
    assert link[1]["title"] == "Token › Visual Token · modality: image · 3 papers"  # not "label 1"
    assert gap == {"class": "gap", "title": "Token › Visual Token · modality: audio · no paper yet"}
    assert inside == [] and dot == "·"  # a gap opens nothing


def test_chart_text_from_the_data_is_escaped():
    from app_pages.charts import gap_heatmap, year_bars
    from explorer.overview import Cell

    payload = "<img src=x onerror=alert(1)>"
    heat = gap_heatmap([Cell("a/b", payload, payload, 2, payload)], payload, "technique")
    bars = year_bars([(2024, payload, 2), (2024, "Model", 1)], {"Model": "#ff7f0e"})
    for body in (heat, bars):
        assert "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
    assert 'href="./compare?node=a%2Fb&amp;technique=%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E"' in heat


def test_the_timeline_keeps_a_slot_for_a_year_without_papers():
    from app_pages.charts import year_bars

    bars = year_bars([(2020, "Model", 2), (2023, "Model", 1)], {"Model": "#ff7f0e"})
    assert re.findall(r"<span>(\d{4})</span>", bars) == ["2020", "2021", "2022", "2023"]
    assert '<div class="bar" title="2021 · 0 papers">' in bars
    assert 'class="legend"' not in bars  # one series needs no legend


# --- taxonomy ------------------------------------------------------------------------------------


def test_taxonomy_without_a_node_shows_the_tree(fixture_site):
    at = ok(app_test("taxonomy"))
    links = page_links(at)
    tree = [label for label, target in links.items() if target.startswith("taxonomy?node=")]
    assert len(tree) == 24 and tree[0] == "Data · 1" and "\u2003\u2003Visual Token · 1" in tree
    assert "\u2003:gray[Neuron · 0]" in tree  # a node without papers is grey (it still opens)
    assert not any("**" in label for label in tree)  # no node is the current one
    assert at.info and "Choose a node" in at.info[0].value


def test_taxonomy_deep_link_opens_the_node(fixture_site):
    at = ok(app_test("taxonomy", {"node": "model/token"}))
    assert at.header[0].value == "Token"
    assert "The atlas holds 2 papers here; the survey cites 11 works: " not in texts(at)  # no target at an inner node
    assert "The atlas holds 2 papers here; the survey cites 11 works." in texts(at)
    links = page_links(at)
    assert "\u2003**Token · 2**" in links  # the current node is highlighted in the tree (and shaded: browser test)
    assert links["Visual Token · 1 paper · the survey cites 6"] == "taxonomy?node=model%2Ftoken%2Fvisual-token"
    papers = {label: target for label, target in links.items() if target.startswith("paper?")}
    assert sorted(papers.values()) == ["paper?key=muller2024sehen", "paper?key=neo2024interpreting"]
    assert links["Compare these papers"] == "compare?node=model%2Ftoken"
    assert links["See them as a graph"] == "graphs?graph=taxonomy&scope=model%2Ftoken"


def test_taxonomy_leaf_says_in_plain_words_how_full_it_is(fixture_site):
    at = ok(app_test("taxonomy", {"node": "model/token/visual-token"}))
    assert not at.metric  # no "Target 6 ^-5" figures
    assert "The atlas holds 1 paper here; the survey cites 6 works: 5 more wanted." in texts(at)
    assert "visual input" in texts(at)  # the node's description


def test_a_node_lists_its_papers_as_rows_with_why_they_are_there(fixture_site):
    at = ok(app_test("taxonomy", {"node": "model"}))
    body = shown(texts(at))
    rows = [label for label, target in page_links(at).items() if target.startswith("paper?")]
    assert len(rows) == 3 and rows[0].startswith("**")  # titles in bold, newest first by default
    assert "Clement Neo, Luke Ong, Philip Torr et al. · 2024 · *International Conference on Learning" in body
    assert ":green-badge[:material/code: code]" in body  # the code badge
    assert "**Visual Token**: Ablates the image tokens at an object's position" in body  # the why for each leaf here
    assert "**Decision-Making Workflow**: Blocks attention edges" in body
    assert "Object information in LLaVA lives in the object's own image tokens" in body  # the summary


@pytest.mark.parametrize(
    "sort, keys",
    [
        ("newest", ["muller2024sehen", "neo2024interpreting", "nostalgebraist2020interpreting"]),
        ("oldest", ["nostalgebraist2020interpreting", "muller2024sehen", "neo2024interpreting"]),
        # by title: interpreting, Sehen, Towards
        ("title", ["nostalgebraist2020interpreting", "muller2024sehen", "neo2024interpreting"]),
    ],
)
def test_a_nodes_papers_sort_by_year_or_title(fixture_site, sort, keys):
    at = ok(app_test("taxonomy", {"node": "model", "sort": sort}))
    assert at.segmented_control(key="sort").value == sort
    assert [t.split("=")[1] for t in page_links(at).values() if t.startswith("paper?")] == keys


def test_taxonomy_unknown_node_says_so(fixture_site):
    at = ok(app_test("taxonomy", {"node": "model/nope"}))
    assert len(at.error) == 1 and "unknown taxonomy node 'model/nope'" in shown(at.error[0].value)
    assert len(at.get("page_link")) > 16  # the tree is still there to pick from


# --- paper ---------------------------------------------------------------------------------------


def test_paper_deep_link_shows_everything(fixture_site):
    at = ok(app_test("paper", {"key": "neo2024interpreting"}))
    body = texts(at)
    assert at.title[0].value == r"Towards Interpreting Visual Information Processing in Vision\-Language Models"
    assert r"Clement Neo\, Luke Ong" in body
    assert "[2410\\.07149](https://arxiv.org/abs/2410.07149)" in body  # identifier as a link
    assert "(https://github.com/clemneo/llava-interp)" in body  # code link
    assert "Ablates the image tokens" in body  # a category's why
    subheaders = [s.value for s in at.subheader]
    ours = ["Where it sits in the taxonomy", "What it studies", "Runnable methods", "Relations", "BibTeX"]
    assert [s for s in subheaders if s in ours] == ours  # in this order (other sections may sit between)
    assert "Logit lens" in body
    links = page_links(at)
    assert links["**Model › Token › Visual Token**"] == "taxonomy?node=model%2Ftoken%2Fvisual-token"
    assert links["LLaVA\\-1\\.5"] == "model?id=llava-1.5"  # its name, opening the model's page
    relations = [
        (label.split("*")[1], target)
        for label, target in links.items()
        if label.startswith("*") and not label.startswith("**")
    ]
    assert relations == [
        ("builds\\-on", "paper?key=nostalgebraist2020interpreting"),
        ("compares\\-with (by)", "paper?key=muller2024sehen"),
    ]
    assert not at.code  # the BibTeX is drawn on demand: a code block slows every page load
    at.toggle(key="show-bibtex").set_value(True).run()
    assert at.code[0].value.startswith("@inproceedings{neo2024interpreting,") and at.code[0].language == "latex"


def test_paper_without_a_key_offers_a_picker_that_opens_the_paper(fixture_site):
    at = ok(app_test("paper"))
    picker = at.selectbox[0]
    assert len(picker.options) == 5
    picker.set_value("muller2024sehen").run()
    ok(at)
    assert at.query_params["key"] == "muller2024sehen"
    assert at.title[0].value.startswith("Sehen und Verstehen")


def test_paper_unknown_key_says_so_and_offers_the_picker(fixture_site):
    at = ok(app_test("paper", {"key": "nobody2099nothing"}))
    assert "no paper with key" in at.error[0].value and "nobody2099nothing" in at.error[0].value and at.selectbox


# --- compare -------------------------------------------------------------------------------------


def test_compare_lists_every_paper_with_links_and_exports(fixture_site):
    at = ok(app_test("compare"))
    assert at.subheader[0].value == "5 papers"
    rows = result_rows(at)
    assert sorted(key for key, _ in rows) == sorted(
        [
            "leng2024mitigating",
            "li2023evaluating",
            "muller2024sehen",
            "neo2024interpreting",
            "nostalgebraist2020interpreting",
        ]
    )
    assert [key for key, _ in rows] == [
        "leng2024mitigating",  # newest first, then by title
        "muller2024sehen",
        "neo2024interpreting",
        "li2023evaluating",
        "nostalgebraist2020interpreting",
    ]
    assert not at.dataframe  # a table of text: no grid and its megabytes of JavaScript
    assert [b.proto.label for b in at.get("download_button")] == ["BibTeX", "CSV", "LaTeX table"]
    assert permalink(at) == "/compare"  # permalink of the unfiltered view


def test_compare_deep_link_restores_every_filter_and_the_picked_papers(fixture_site):
    params = {
        "node": ["model"],
        "model": ["llava-1.5"],
        "modality": ["image"],
        "technique": ["logit-lens"],
        "granularity": ["token"],
        "years": ["2024", "2024"],
        "code": "true",
        "q": "object",
        "pick": ["neo2024interpreting", "li2023evaluating"],
    }
    at = ok(app_test("compare", params))
    assert at.multiselect(key="node").value == ["model"] and at.multiselect(key="model").value == ["llava-1.5"]
    assert at.multiselect(key="technique").value == ["logit-lens"] and at.slider(key="years").value == (2024, 2024)
    assert at.toggle(key="code").value is True and at.text_input(key="q").value == "object"
    assert at.subheader[0].value == "1 paper"
    assert [key for key, _ in result_rows(at)] == ["neo2024interpreting"]
    assert at.multiselect(key="pick").value == ["neo2024interpreting", "li2023evaluating"]  # picked, filtered or not
    assert not at.dataframe  # the picked papers are a readable table, not a grid
    assert "the 2 picked papers" in texts(at)
    assert permalink(at) == (
        "/compare?node=model&modality=image&model=llava-1.5&technique=logit-lens"
        "&granularity=token&years=2024&years=2024&code=true&q=object"
        "&pick=neo2024interpreting&pick=li2023evaluating"
    )


def test_compare_filters_respond_to_the_widgets(fixture_site):
    at = ok(app_test("compare"))
    at.multiselect(key="model").set_value(["qwen-vl"]).run()
    assert ok(at).subheader[0].value == "2 papers"
    at.multiselect(key="model").set_value(["llava-family"]).run()  # a family includes its models
    assert ok(at).subheader[0].value == "4 papers"
    at.multiselect(key="model").set_value(["qwen-vl"]).run()
    at.text_input(key="q").set_value("sinks").run()
    assert ok(at).subheader[0].value == "1 paper"
    at.text_input(key="q").set_value("nothing matches this").run()
    assert "No paper matches" in ok(at).info[0].value


def test_compare_filters_show_names_and_keep_ids_in_the_url(fixture_site):
    at = ok(app_test("compare", {"model": ["llava-1.5"]}))
    models = at.multiselect(key="model").options
    assert "LLaVA family (all its models)" in models and "LLaVA-1.5 · LLaVA family" in models
    assert not any(option == "llava-1.5" for option in models)  # an id is never what a visitor reads
    assert models.index("LLaVA family (all its models)") < models.index("LLaVA-1.5 · LLaVA family")
    assert "Model › Token › Visual Token" in at.multiselect(key="node").options
    assert "Logit lens" in " ".join(at.multiselect(key="technique").options)
    assert at.multiselect(key="model").value == ["llava-1.5"]
    at.multiselect(key="model").set_value(["llava-family", "qwen-vl"]).run()
    assert ok(at).query_params["model"] == ["llava-family", "qwen-vl"]  # ids, not the names shown
    assert permalink(at) == "/compare?model=llava-family&model=qwen-vl"
    at.multiselect(key="model").set_value([]).run()
    assert "model" not in ok(at).query_params


def result_rows(at) -> list[tuple[str, str]]:
    """(key, title) of each row of the compare page's results table, top to bottom."""
    [table] = [e.proto.body for e in at.main.get("html") if 'class="atlas-results"' in e.proto.body]
    return re.findall(r'<td class="paper"><a href="\./paper\?key=([^"]+)" target="_self">([^<]*)</a>', table)


def side_table(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("| "))


def test_side_by_side_has_titles_as_headers_links_and_each_leaf_with_its_why(fixture_site):
    at = ok(app_test("compare", {"pick": ["neo2024interpreting", "li2023evaluating"]}))
    table = side_table(at)
    header = table.splitlines()[0]
    assert header.startswith(
        "|  | [Towards Interpreting Visual Information Processing in Vision\\-Language Models]"
        "(./paper?key=neo2024interpreting) | [Evaluating Object Hallucination"
    )
    rows = {line.split(" | ")[0].strip("| *"): line for line in table.splitlines()[2:]}
    assert "[https" in rows["Code"] and "](https://github.com/clemneo/llava-interp)" in rows["Code"]  # a clickable link
    leaf = "**[Visual Token](./taxonomy?node=model%2Ftoken%2Fvisual-token)**: Ablates the image tokens"
    assert leaf in rows["Taxonomy leaves and why"]
    assert "Domains" not in rows  # nobody has one: no empty row
    assert len(table.splitlines()[2].split(" | ")) == 3  # one column per paper, none hidden


def test_more_than_three_picked_papers_give_one_row_each(fixture_site):
    keys = ["neo2024interpreting", "li2023evaluating", "muller2024sehen", "leng2024mitigating"]
    at = ok(app_test("compare", {"pick": keys}))
    lines = side_table(at).splitlines()
    assert lines[0] == "| Paper | Taxonomy leaves and why | Summary | What it studies | Code |"  # few columns: it fits
    assert "Clement Neo\\, Luke Ong" in lines[2] and "**Models**: LLaVA\\-1\\.5" in lines[2]
    assert [line.split("](./paper?key=")[1].split(")")[0] for line in lines[2:]] == keys


@pytest.mark.parametrize(
    "params, notices, clean",
    [
        (
            {"node": ["nonexistent"], "modality": ["text"]},
            ["node=nonexistent ignored: not a taxonomy node"],
            {"modality": "text"},
        ),
        ({"years": ["2024", "2021"]}, ["years=2024&years=2021 swapped to 2021–2024"], {"years": ["2021", "2024"]}),
        (
            {"years": ["1990", "2030"]},
            ["years=1990&years=2030 changed to 2020–2024: the atlas has papers from 2020 to 2024"],
            {},
        ),
        (
            {"model": ["gpt-2", "gpt-9"], "pick": ["nobody"], "code": "maybe"},
            [
                "model=gpt-9 ignored: not a model of any paper",
                "code=maybe ignored: not true or false",
                "pick=nobody ignored: not a paper key",
            ],
            {"model": "gpt-2"},
        ),
        ({"colour": "red"}, ["colour=red ignored: this page takes no such parameter"], {}),
        (
            {"sort": "sideways", "q": "logit"},
            ["sort=sideways ignored: not an order (choose newest, oldest, title)"],
            {"q": "logit"},
        ),
    ],
)
def test_compare_says_which_url_values_it_dropped_or_changed(fixture_site, params, notices, clean):
    at = ok(app_test("compare", params))
    assert len(at.warning) == 1 and url_notices(at) == notices
    assert dict(at.query_params) == clean  # the page was reopened with the clean values


@pytest.mark.parametrize(
    "order, keys",
    [
        ("oldest", ["nostalgebraist2020interpreting", "li2023evaluating", "leng2024mitigating"]),
        ("title", ["li2023evaluating", "nostalgebraist2020interpreting", "leng2024mitigating"]),  # case ignored
    ],
)
def test_compare_lists_the_papers_in_the_order_the_url_names(fixture_site, order, keys):
    at = ok(app_test("compare", {"sort": order}))
    assert [key for key, _ in result_rows(at)][:3] == keys
    assert at.segmented_control(key="sort").value == order
    assert permalink(at) == f"/compare?sort={order}"  # the order travels with the view
    at.segmented_control(key="sort").set_value("newest").run()
    assert [key for key, _ in result_rows(ok(at))][0] == "leng2024mitigating" and permalink(at) == "/compare"


def test_picking_papers_puts_them_side_by_side_in_picking_order(fixture_site):
    at = ok(app_test("compare", {"q": "hallucination"}))
    picker = at.multiselect(key="pick")
    assert sorted(picker.options) == [  # the listed papers, as a visitor reads them
        "Evaluating Object Hallucination in Large Vision-Language Models · Yifan Li et al. · 2023",
        "Mitigating Object Hallucinations in Large Vision-Language Models through Visual Contrastive Decoding"
        " · Sicong Leng et al. · 2024",
    ]
    assert not any(h.value == "Side by side" for h in at.subheader)
    picker.set_value(["li2023evaluating", "leng2024mitigating"]).run()
    assert ok(at).query_params["pick"] == ["li2023evaluating", "leng2024mitigating"]
    assert "Side by side" in [h.value for h in at.subheader] and "the 2 picked papers" in texts(at)
    header = side_table(at).splitlines()[0]
    assert header.index("Evaluating Object") < header.index("Mitigating Object")  # in picking order
    at.text_input(key="q").set_value("logit").run()  # filtered out, still picked: still offered and side by side
    assert ok(at).multiselect(key="pick").value == ["li2023evaluating", "leng2024mitigating"]
    assert [key for key, _ in result_rows(at)] == ["neo2024interpreting", "nostalgebraist2020interpreting"]
    assert len(at.multiselect(key="pick").options) == 4 and "the 2 picked papers" in texts(at)


@pytest.fixture(scope="module")
def site_of_250(tmp_path_factory):
    """A knowledge base of 250 synthetic papers: more than the compare table shows at once."""
    from synthetic import write_data

    from ingest import build

    workdir = tmp_path_factory.mktemp("compare-250")
    write_data(workdir / "data", 250)
    build(workdir / "data", workdir / "atlas.db")
    return workdir / "atlas.db"


def test_compare_shows_50_papers_then_more_on_request_and_starts_over_for_a_new_order(site_of_250, monkeypatch):
    monkeypatch.setenv("ATLAS_DB", str(site_of_250))
    at = ok(app_test("compare"))
    assert at.subheader[0].value == "250 papers" and len(result_rows(at)) == 50
    assert "Exports the 250 matching papers." in texts(at)  # not only the 50 listed
    assert len(at.multiselect(key="pick").options) == 50  # the listed papers can be picked
    [more] = [b for b in at.button if b.label.startswith("Show")]
    assert more.label == "Show 50 more of 200"
    more.click().run()
    assert len(result_rows(ok(at))) == 100 and len(at.multiselect(key="pick").options) == 100
    for _ in range(3):
        [b for b in at.button if b.label.startswith("Show")][0].click().run()
    assert len(result_rows(ok(at))) == 250 and not [b for b in at.button if b.label.startswith("Show")]
    assert "Exports the 250 matching papers." in texts(at)
    newest = result_rows(at)[0][0]
    at.multiselect(key="pick").set_value([newest]).run()
    at.segmented_control(key="sort").set_value("oldest").run()  # another list: its first 50 again
    assert len(result_rows(ok(at))) == 50
    assert newest not in {key for key, _ in result_rows(at)}
    assert len(at.multiselect(key="pick").options) == 51 and at.multiselect(key="pick").value == [newest]  # kept


def test_compare_results_table_escapes_text_and_links_only_safe_addresses():
    from app_pages.tables import results_table

    row = {
        "key": "evil2024",
        "title": "<script>alert('x')</script> Title",
        "authors": "O'Brien et al.",
        "year": None,
        "leaves": "Visual Token",
        "modalities": "",
        "models": "<b>LLaVA</b>",
        "technique": "Logit lens",
        "granularity": "token",
        "code": "",
        "page": "./paper?key=evil2024",
    }
    table = results_table([row, {**row, "key": "ok2024", "code": "https://github.com/a/b", "year": 2024}])
    assert "<script>" not in table and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Title" in table
    assert "&lt;b&gt;LLaVA&lt;/b&gt;" in table and "O&#x27;Brien et al. · n.d. · evil2024" in table
    assert table.count("code ↗") == 1 and 'href="https://github.com/a/b"' in table  # no address, no link
    assert "<td>–</td>" in table  # an empty cell shows a dash


def test_compare_swaps_reversed_years_instead_of_showing_nothing(fixture_site):
    at = ok(app_test("compare", {"years": ["2024", "2020"]}))
    assert at.slider(key="years").value == (2020, 2024) and at.subheader[0].value == "5 papers"


def test_a_clean_compare_url_shows_no_notice(fixture_site):
    at = ok(app_test("compare", {"node": ["model"], "years": ["2020", "2023"], "code": "true"}))
    assert not at.warning and at.slider(key="years").value == (2020, 2023) and at.toggle(key="code").value


@pytest.mark.parametrize(
    "page, params, notices, clean",
    [
        (None, {"tab": "gaps"}, ["tab=gaps ignored: this page takes no such parameter"], {}),
        (
            "taxonomy",
            {"node": "model/token", "sort": "bogus"},
            ["sort=bogus ignored: not an order (choose newest, oldest, title)"],
            {"node": "model/token"},
        ),
        (
            "paper",
            {"key": ["neo2024interpreting", "li2023evaluating"]},
            ["key=li2023evaluating ignored: the parameter takes one value"],
            {"key": "neo2024interpreting"},
        ),
        (
            "search",
            {"q": "logit lens", "page": "2"},
            ["page=2 ignored: this page takes no such parameter"],
            {"q": "logit lens"},
        ),
        (
            "technique",
            {"id": "logit-lens", "kind": "x"},
            ["kind=x ignored: this page takes no such parameter"],
            {"id": "logit-lens"},
        ),
        (
            "methods",
            {"method": "logit-lens", "run": "1"},
            ["run=1 ignored: this page takes no such parameter"],
            {"method": "logit-lens"},
        ),
    ],
)
def test_every_page_names_the_url_values_it_did_not_use(fixture_site, page, params, notices, clean):
    at = ok(app_test(page, params))
    assert url_notices(at) == notices
    assert dict(at.query_params) == clean


# --- graphs --------------------------------------------------------------------------------------


def graph_html(at) -> str:
    frames = at.get("iframe")
    assert len(frames) == 1
    return frames[0].proto.srcdoc


def test_graphs_default_is_the_taxonomy_with_its_papers(fixture_site):
    at = ok(app_test("graphs"))
    assert at.caption[0].value.startswith("29 nodes, 27 edges, 5 papers in scope")
    html = graph_html(at)
    assert '"id": "paper:neo2024interpreting"' in html and "vis.Network" in html


@pytest.mark.parametrize(
    "params, caption",
    [
        ({"graph": "papers", "link": "relation"}, "5 nodes, 2 edges, 5 papers"),
        ({"graph": "papers", "link": "model", "color": "year"}, "5 nodes, 4 edges, 5 papers"),
        ({"graph": "co-authors", "min": "1"}, "papers in scope"),
        ({"graph": "models", "min": "2"}, "7 nodes, 7 edges, 5 papers"),
        ({"scope": "model/token", "years": ["2024", "2024"]}, "5 nodes, 4 edges, 2 papers"),
    ],
)
def test_graph_deep_links_restore_the_settings(fixture_site, params, caption):
    at = ok(app_test("graphs", params))
    assert caption in at.caption[0].value
    graph_html(at)
    if "graph" in params:
        assert at.segmented_control(key="graph").value == params["graph"]
    if "scope" in params:
        assert at.selectbox(key="scope").value == "model/token"


def test_the_graph_scope_shows_names_and_keeps_ids_in_the_url(fixture_site):
    at = ok(app_test("graphs", {"scope": "model/token"}))
    scope = at.selectbox(key="scope")
    assert scope.options[0] == "The whole atlas" and "Model › Token › Visual Token" in scope.options
    assert not any("/" in option for option in scope.options)  # an id is never what a visitor reads
    assert scope.value == "model/token"
    scope.set_value("model/token/visual-token").run()
    assert ok(at).query_params["scope"] == "model/token/visual-token"
    assert "1 paper in scope" in at.caption[0].value
    at.selectbox(key="scope").set_value("all").run()
    assert "scope" not in ok(at).query_params  # the whole atlas is the default: no parameter
    assert "5 papers in scope" in at.caption[0].value


@pytest.mark.parametrize(
    "params, shown_controls",
    [
        ({}, {"Graph", "Colour papers by", "Scope (taxonomy node)", "Years"}),
        ({"graph": "papers"}, {"Graph", "Colour papers by", "Scope (taxonomy node)", "Link papers by", "Years"}),
        ({"graph": "co-authors"}, {"Graph", "Scope (taxonomy node)", "Minimum papers per author", "Years"}),
        ({"graph": "paper", "paper": "neo2024interpreting"}, {"Graph", "Colour papers by", "Paper"}),
    ],
)
def test_graph_controls_are_shown_only_where_they_act(fixture_site, params, shown_controls):
    at = ok(app_test("graphs", params))
    labels = {w.label for kind in ("segmented_control", "selectbox", "slider") for w in at.get(kind)}
    assert labels == shown_controls


def test_a_paper_page_opens_its_neighbourhood_graph(fixture_site):
    at = ok(app_test("paper", {"key": "neo2024interpreting"}))
    target = next(t for label, t in page_links(at).items() if label.startswith("See its neighbourhood"))
    assert target == "graphs?graph=paper&paper=neo2024interpreting"
    at = ok(app_test("graphs", {"graph": "paper", "paper": "neo2024interpreting"}))
    html = graph_html(at)
    assert '"id": "paper:neo2024interpreting"' in html and '"id": "paper:muller2024sehen"' in html
    assert at.selectbox[0].value == "neo2024interpreting"
    assert "2 typed relations" in texts(at)


@pytest.mark.parametrize(
    "params, notices",
    [
        (
            {"graph": "papers", "link": "leaf"},
            [
                (
                    "link=leaf ignored: papers are no longer linked by a shared leaf (the taxonomy page lists each "
                    "leaf's papers)"
                )
            ],
        ),
        (
            {"graph": "co-authors", "color": "year", "min": "100000"},
            ["color=year ignored: the co-authors graph does not use it", "min=100000 changed to 10: the range is 1–10"],
        ),
        (
            {"graph": "tree", "scope": "model/nope"},
            [
                "graph=tree ignored: not a graph (choose taxonomy, papers, paper, co-authors, models)",
                "scope=model/nope ignored: not a taxonomy node",
            ],
        ),
        ({"graph": "paper", "paper": "nobody"}, ["paper=nobody ignored: not a paper key"]),
        ({"years": ["2024", "2021"]}, ["years=2024&years=2021 swapped to 2021–2024"]),
    ],
)
def test_graphs_say_which_url_values_they_dropped_or_changed(fixture_site, params, notices):
    at = ok(app_test("graphs", params))
    warning = shown(at.warning[0].value)
    assert [line[2:] for line in warning.splitlines()[1:]] == notices


def test_a_graph_above_the_cap_explains_and_offers_narrower_scopes(bundled_db, monkeypatch):
    monkeypatch.setenv("ATLAS_DB", str(bundled_db))
    at = ok(app_test("graphs", {"graph": "co-authors", "min": "1"}))
    assert not at.get("iframe")
    assert "the cap is 800 nodes" in at.warning[0].value
    scopes = [target for target in page_links(at).values() if target.startswith("graphs?")]
    assert scopes and all("graph=co-authors" in s and "scope=" in s for s in scopes)


def test_graphs_with_an_empty_scope_say_so(fixture_site):
    at = ok(app_test("graphs", {"scope": "model/neuron"}))
    assert "nodes" in at.caption[0].value and graph_html(at)  # the tree part is still drawn
    at = ok(app_test("graphs", {"graph": "papers", "scope": "model/neuron"}))
    assert "Nothing to draw" in at.info[0].value


# --- first start ---------------------------------------------------------------------------------


def test_first_start_builds_the_missing_knowledge_base(tmp_path, monkeypatch):
    from tests_paths import FIXTURE_DATA

    db_path = tmp_path / "fresh" / "atlas.db"
    monkeypatch.setenv("ATLAS_DB", str(db_path))
    monkeypatch.setenv("ATLAS_DATA", str(FIXTURE_DATA))
    at = ok(app_test())
    assert db_path.exists()
    assert {m.label: m.value for m in at.metric}["Papers"] == "5"


# --- hostile data --------------------------------------------------------------------------------

HOSTILE_VIEWS = [
    (None, {}),
    ("taxonomy", {"node": "model/token/visual-token"}),
    ("paper", {"key": "evil2024script"}),
    ("paper", {"key": "evil2024href"}),
    ("paper", {"key": "benign2023baseline"}),
    ("compare", {"pick": ["evil2024script", "evil2024href"]}),
    ("graphs", {}),
    ("graphs", {"graph": "papers", "link": "technique"}),
    ("graphs", {"graph": "paper", "paper": "evil2024script"}),
    ("graphs", {"graph": "papers", "link": "relation"}),
    ("graphs", {"graph": "co-authors", "min": "1"}),
    ("graphs", {"graph": "models", "min": "1"}),
]


@pytest.mark.parametrize("page, params", HOSTILE_VIEWS)
def test_hostile_text_is_escaped_on_every_page(hostile_site, page, params):
    at = ok(app_test(page, params))
    for element in [*at.title, *at.header, *at.subheader, *at.markdown, *at.caption, *at.info, *at.warning, *at.error]:
        assert not RAW_TAG.search(element.value), element.value
    for link in at.get("page_link"):
        assert not RAW_TAG.search(link.proto.label), link.proto.label
    for frame in at.get("iframe"):
        for payload in ("<script>window.__atlasXss", "<img src=x", "<svg onload", '<a href="javascript'):
            assert payload not in frame.proto.srcdoc


def test_hostile_links_are_never_javascript(hostile_site):
    at = ok(app_test("paper", {"key": "evil2024href"}))
    body = texts(at)
    assert "](javascript" not in body.lower() and "(javascript" not in body.lower()
    assert "javascript\\:alert\\(\\'xss\\-code\\-url\\'\\) *(not a web link)*" in body
    assert JAVASCRIPT_CODE_URL not in body  # only its escaped form is shown
    at = ok(app_test("paper", {"key": "evil2024script"}))
    assert "(https://example.com/%22%3E%3Cimg/src=x/onerror=alert%28%27xss-code%27%29%3E)" in texts(at)

"""End to end in a real headless Chromium (Debian's, driven by Playwright) against one real
Streamlit server per session, serving a database built by ingest.build from the fixture papers
plus the hostile ones. Every test fails on a console error, a page error or a dialog; every
page's screenshot is saved in test-artifacts/. Nothing is fetched from the network."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from tests_paths import ARTIFACTS
from website_support import BROWSER_TIMEOUT_MS, CHROMIUM, build_hostile_db, screenshot, streamlit_server, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# Elements that exist only if a payload of the hostile fixture turned into markup.
FIND_INJECTED = """() => {
    const hits = [];
    const selector = '#atlas-injected, img[src="x"], [onerror], [onload], [onmouseover], '
        + 'iframe[src^="javascript" i], a[href^="javascript" i]';
    for (const element of document.querySelectorAll(selector)) { hits.push(element.outerHTML.slice(0, 300)); }
    for (const script of document.querySelectorAll('script')) {
        const code = script.textContent.trim();
        if (code.startsWith('alert(') || code.startsWith('window.__atlasXss')) { hits.push(script.outerHTML); }
    }
    return hits;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `make browser` (make test does it)")
    workdir = tmp_path_factory.mktemp("site")
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(build_hostile_db(workdir), ARTIFACTS / "streamlit-server-website.log") as url:
        yield url


def visit(page, site: str, path: str) -> None:
    page.goto(f"{site}/{path}")
    wait_ready(page)


def page_link(page, pattern: str):
    """The st.page_link whose text (icon name included) matches ``pattern``."""
    return page.locator('[data-testid="stPageLink-NavLink"]').filter(has_text=re.compile(pattern)).first


def download_button(page, label: str):
    return page.locator('[data-testid="stDownloadButton"]').filter(has_text=label).locator("button")


def graph_frame(page):
    """The graph's frame, once vis-network has laid the graph out."""
    page.wait_for_selector('iframe[title="Graph of the atlas"]', timeout=BROWSER_TIMEOUT_MS)
    frame = next(f for f in page.frames if f.url == "about:srcdoc")
    frame.wait_for_selector('body[data-ready="1"]', timeout=60_000)
    return frame


def node_position(page, frame, node_id: str) -> dict:
    """Where a node is drawn, in the frame's coordinates."""
    return frame.evaluate(
        """(id) => {
            const network = window.atlasNetwork;
            network.fit({animation: false});
            return network.canvasToDOM(network.getPositions([id])[id]);
        }""",
        node_id,
    )


def assert_nothing_injected(page) -> None:
    for frame in page.frames:
        assert frame.evaluate("() => window.__atlasXss") is None, f"a payload ran in {frame.url}"
        injected = frame.evaluate(FIND_INJECTED)
        assert injected == [], f"injected elements in {frame.url}: {injected}"


# --- every page, every deep link ---------------------------------------------------------------------

PAGES = [
    ("overview", "", "MLLM Interpretability Atlas", "Where the gaps are"),
    ("taxonomy", "taxonomy?node=model/token", "Taxonomy", "Papers (4)"),
    (
        "paper",
        "paper?key=neo2024interpreting",
        "Towards Interpreting Visual Information Processing",
        "Where it sits in the taxonomy",
    ),
    (
        "compare",
        "compare?model=llava-1.5&code=true&pick=neo2024interpreting&pick=leng2024mitigating",
        "Compare",
        "Side by side",
    ),
    ("graphs", "graphs?graph=papers&link=relation&color=year", "Graphs", "typed relations"),
]


@pytest.mark.parametrize("name, path, title, text", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_opens_from_its_url(site, page, name, path, title, text):
    visit(page, site, path)
    assert title in page.locator("h1").first.inner_text()
    page.get_by_text(text).first.wait_for()
    if name == "graphs":
        graph_frame(page)
    if name == "compare":
        assert page.get_by_text("Permalink to this view").is_visible()
    assert unquote(page.url) == f"{site}/{path}"  # the address still holds the view
    screenshot(page, f"page-{name}")


def test_follow_the_taxonomy_to_a_leaf_to_a_paper(site, page):
    visit(page, site, "taxonomy")
    page_link(page, r"(^|folder)Model · \d+$").click()
    page.wait_for_url(re.compile(r"/taxonomy\?node=model$"))
    wait_ready(page)
    page.locator("h2", has_text="Model").first.wait_for()  # the rerun may still be drawing after the address changed
    assert page.locator("h2", has_text="Model").first.is_visible()
    page_link(page, r"Token · \d+ papers?").click()  # the child of Model, not a tree entry
    page.wait_for_url(re.compile(r"node=model%2Ftoken$"))
    wait_ready(page)
    page_link(page, r"Visual Token · \d+ papers?").click()
    page.wait_for_url(re.compile(r"node=model%2Ftoken%2Fvisual-token$"))
    wait_ready(page)
    page.locator("h2", has_text="Visual Token").first.wait_for()
    assert page.locator("h2", has_text="Visual Token").first.is_visible()
    screenshot(page, "flow-1-leaf")
    page_link(page, r"Towards Interpreting Visual Information").click()
    page.wait_for_url(re.compile(r"/paper\?key=neo2024interpreting$"))
    wait_ready(page)
    assert "Towards Interpreting" in page.locator("h1").first.inner_text()
    assert (
        page.get_by_role("link", name="2410.07149", exact=True).get_attribute("href")
        == "https://arxiv.org/abs/2410.07149"
    )
    assert not page.locator('[data-testid="stCode"]').count()  # drawn on demand: it loads a syntax highlighter
    page.get_by_text("Show the BibTeX entry").click()
    bibtex = page.locator('[data-testid="stCode"]')
    bibtex.wait_for()
    assert bibtex.inner_text().startswith("@inproceedings{neo2024interpreting,")
    screenshot(page, "flow-2-paper")


def test_compare_filters_write_the_url_and_exports_download(site, page):
    visit(page, site, "compare")
    page.get_by_text(re.compile(r"^\d+ papers$")).first.wait_for()
    model = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Model")
    model.locator("input").fill("GPT-2")  # the filter shows names; the URL keeps the id
    model.locator("input").press("Enter")
    page.wait_for_url(re.compile(r"model=gpt-2"))
    wait_ready(page)
    assert "GPT-2" in model.inner_text() and "gpt-2" not in model.inner_text()
    page.locator("h3").filter(has_text=re.compile(r"^1 paper$")).wait_for()
    # the permalink (drawn after the results, so waited for rather than read at once)
    page.locator('a[href$="/compare?model=gpt-2"]').filter(has_text="compare?model=gpt-2").first.wait_for()
    with page.expect_download() as download:
        download_button(page, "BibTeX").click()
    bibtex = Path(download.value.path()).read_text(encoding="utf-8")
    assert "{nostalgebraist2020interpreting," in bibtex and bibtex.count("@") == 1
    with page.expect_download() as download:
        download_button(page, "LaTeX table").click()
    assert r"\cite{nostalgebraist2020interpreting}" in Path(download.value.path()).read_text(encoding="utf-8")
    screenshot(page, "compare-filtered")


def test_picking_papers_puts_them_side_by_side_and_in_the_url(site, page):
    visit(page, site, "compare?q=logit")
    page.locator(".atlas-results").get_by_role("link", name="interpreting GPT: the logit lens").wait_for()
    picker = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Pick papers")
    picker.locator("input").click()
    picker.locator("input").fill("logit lens")  # typing narrows the list to click in
    page.get_by_role("option", name=re.compile("logit lens")).click()
    page.wait_for_url(re.compile(r"pick="))
    wait_ready(page)
    # From the keyboard: Enter picks the one title holding the typed word. (A fuzzy match also offered the hostile
    # paper's long title, and Enter then took "Select 2 matches" and picked both.)
    picker.locator("input").click()
    page.keyboard.type("Towards")
    page.get_by_role("option", name=re.compile("Towards")).wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"pick=.*pick="))
    wait_ready(page)
    page.keyboard.press("Escape")  # close the picker's list: while it is open the rest of the page is hidden from roles
    page.get_by_role("heading", name=re.compile("Side by side")).wait_for()
    assert re.findall(r"pick=(\w+)", page.url) == ["nostalgebraist2020interpreting", "neo2024interpreting"]
    assert "q=logit" in page.url and "the 2 picked papers" in page.locator('[data-testid="stMain"]').inner_text()
    screenshot(page, "compare-side-by-side")


def test_enter_in_a_filter_chooses_the_best_match_only(site, page):
    visit(page, site, "compare")
    model = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Model")
    model.locator("input").click()
    page.keyboard.type("LLaVA")  # three models match: the family, LLaVA and LLaVA-1.5
    page.get_by_role("option", name=re.compile("LLaVA-1.5")).wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"model="))
    wait_ready(page)
    assert len(re.findall(r"model=", page.url)) == 1  # not "Select 3 matches"


def test_a_title_in_the_compare_table_opens_its_paper(site, page):
    visit(page, site, "compare?sort=oldest")
    first = page.locator(".atlas-results tbody tr").first
    assert "interpreting GPT: the logit lens" in first.inner_text()  # 2020: the oldest first
    first.get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/paper\?key=nostalgebraist2020interpreting$"))
    wait_ready(page)
    assert "interpreting GPT" in page.locator("h1").first.inner_text()


def test_clicking_a_paper_in_a_graph_opens_its_page(site, page):
    visit(page, site, "graphs?graph=papers&link=relation")
    frame = graph_frame(page)
    position = node_position(page, frame, "paper:neo2024interpreting")
    with page.expect_popup() as popup:
        frame.locator("#graph canvas").click(position={"x": position["x"], "y": position["y"]})
    opened = popup.value
    opened.wait_for_load_state()
    assert re.search(r"/paper\?key=neo2024interpreting$", opened.url)
    wait_ready(opened)
    assert "Towards Interpreting" in opened.locator("h1").first.inner_text()


# --- hostile data executes nothing, anywhere ---------------------------------------------------------

HOSTILE_VIEWS = [
    ("overview", ""),
    ("taxonomy", "taxonomy?node=model/token/visual-token"),
    ("paper-script", "paper?key=evil2024script"),
    ("paper-href", "paper?key=evil2024href"),
    ("compare", "compare?pick=evil2024script&pick=evil2024href&pick=benign2023baseline"),
]
HOSTILE_GRAPHS = [
    ("taxonomy", "graphs"),
    ("papers-technique", "graphs?graph=papers&link=technique"),
    ("neighbourhood", "graphs?graph=paper&paper=evil2024script"),
    ("papers-relation", "graphs?graph=papers&link=relation"),
    ("models", "graphs?graph=models&min=1"),
    ("co-authors", "graphs?graph=co-authors&min=1"),
]


@pytest.mark.parametrize("name, path", HOSTILE_VIEWS, ids=[v[0] for v in HOSTILE_VIEWS])
def test_hostile_text_runs_nowhere(site, page, name, path):
    visit(page, site, path)
    if name == "overview":
        page.get_by_role("tab", name="Leaf × technique").click()  # hostile technique names as column headings
        page.wait_for_timeout(500)
        assert "<img src=x onerror=alert('xss-technique')>" in page.locator(".atlas-heatmap").nth(1).inner_text()
    if name == "compare":
        model = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Model")
        model.locator("input").click()  # open the list of models: one is an <svg onload> payload
        model.locator("input").fill("xss")  # the list is long and drawn as it scrolls: filter it to the payload
        page.get_by_role("option", name=re.compile("xss-model")).wait_for()
        assert_nothing_injected(page)
        page.keyboard.press("Escape")
    if name.startswith("paper"):
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert "<script>" in body or "<a href=" in body  # the payload is shown as text ...
    assert_nothing_injected(page)  # ... and nothing of it became an element
    screenshot(page, f"hostile-{name}")


@pytest.mark.parametrize("name, path", HOSTILE_GRAPHS, ids=[g[0] for g in HOSTILE_GRAPHS])
def test_hostile_graph_tooltips_run_nothing(site, page, name, path):
    visit(page, site, path)
    frame = graph_frame(page)
    hostile = (
        "author:Mallory <img src=x onerror=alert('xss-author')>"
        if name == "co-authors"
        else "model:<svg onload=alert('xss-model')>"
        if name == "models"
        else "paper:evil2024script"
    )
    position = node_position(page, frame, hostile)
    frame.locator("#graph canvas").hover(position={"x": position["x"], "y": position["y"]})
    tooltip = frame.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    shown = tooltip.inner_text()
    assert (
        "<img src=x onerror=alert('xss-author')>" in shown
        or "<svg onload=alert('xss-model')>" in shown
        or '<script>window.__atlasXss=1;alert("xss-title")</script>' in shown
    )
    assert tooltip.locator("img, svg, script, a, iframe").count() == 0
    assert_nothing_injected(page)
    screenshot(page, f"hostile-graph-{name}")

"""Every page at 5,000 papers, end to end in a real headless Chromium (Debian's, driven by Playwright) against a
real Streamlit server on a synthetic knowledge base (``synthetic.write_data``, the benchmark's papers). A page is
usable when it shows its heading, no exception or error box, and its content; the browser console stays clean.
Screenshots go to test-artifacts/scale-5000-*.png and each page's load time to test-artifacts/scale-5000.json.
Nothing leaves 127.0.0.1."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from synthetic import write_data
from tests_paths import ARTIFACTS
from website_support import CHROMIUM, labels_outside_frame, overlapping_labels, screenshot, streamlit_server, wait_ready

from ingest import build

PAPERS = 5_000
# About 30 s to write and build the papers, then a few seconds per page; CI runs it with the rest (make test).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]

GRAPH_FRAME = 'iframe[title="Graph of the atlas"]'
LEAF = "model/token/visual-token"

# (name, path, the page's heading, a text its content shows)
PAGES = [
    ("overview", "", "MLLM Interpretability Atlas", "Recently added"),
    ("search", "search?q=attention+layers", "Search", "best match first"),
    ("search-author", "search?q=maria", "Search", "best match first"),  # María, accents ignored
    ("taxonomy", "taxonomy", "Taxonomy", "Choose a node in the tree"),
    ("taxonomy-perspective", "taxonomy?node=model", "Taxonomy", "Show 20 more of"),
    ("taxonomy-leaf", f"taxonomy?node={LEAF}", "Taxonomy", "Papers ("),
    ("paper", "paper?key=synth00001", None, "Where it sits in the taxonomy"),
    ("paper-chooser", "paper", "Paper", "Paper"),
    ("technique", "technique?id=logit-lens", "Logit lens", "Papers"),
    ("model", "model?id=llava-family", "LLaVA family", "Papers"),
    ("compare", "compare", "Compare", "Permalink to this view"),
    ("compare-filtered", "compare?node=model&modality=image&code=true", "Compare", "Permalink to this view"),
    ("compare-picked", "compare?" + "&".join(f"pick=synth0000{i}" for i in range(1, 5)), "Compare", "Side by side"),
    ("graphs", "graphs", "Graphs", "Graph"),
    ("graphs-leaf", f"graphs?scope={LEAF}", "Graphs", "in scope"),
    ("graphs-papers", f"graphs?graph=papers&scope={LEAF}", "Graphs", "in scope"),
    ("graphs-neighbourhood", "graphs?graph=paper&paper=synth00001", "Graphs", "in scope"),
    ("graphs-co-authors", "graphs?graph=co-authors", "Graphs", "Graph"),
    ("graphs-models", "graphs?graph=models", "Graphs", "Graph"),
    ("related-paper", "related?from=paper&paper=synth00001", "Related work", "score"),
    ("related-text", "related?q=attention+heads+in+vision+language+models", "Related work", "score"),
    ("methods", "methods?method=logit-lens", "Methods", "Demo on a toy model"),
    ("contribute", "contribute", "Contribute a paper", "BibTeX"),
]

# What only shows when a page failed: Streamlit's exception box, and the error box of an AtlasError.
FAILED = '[data-testid="stException"], [data-testid="stAlertContentError"]'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `make browser` (make test does it)")
    workdir = tmp_path_factory.mktemp("scale")
    write_data(workdir / "data", PAPERS)
    build(workdir / "data", workdir / "atlas.db")
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(workdir / "atlas.db", ARTIFACTS / "streamlit-server-scale.log", timeout=120) as url:
        yield url


@pytest.fixture(scope="module")
def load_times():
    """Seconds from goto to a settled page, per page, written to test-artifacts/ for a reader of the run."""
    times: dict[str, float] = {}
    yield times
    (ARTIFACTS / f"scale-{PAPERS}.json").write_text(json.dumps(times, indent=2), encoding="utf-8")


@pytest.mark.parametrize("name, path, heading, text", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_is_usable_at_5000_papers(site, page, load_times, name, path, heading, text):
    start = time.perf_counter()
    page.goto(f"{site}/{path}")
    wait_ready(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(text).first.wait_for()
    if name.startswith("graphs"):  # drawn and laid out, or refused with the reason and narrower scopes
        drawn_or_refused(page)
    if name == "graphs-neighbourhood":  # 20 papers around synth00001: every label readable, none on another
        frame = next(f for f in page.frames if f.url == "about:srcdoc")
        assert overlapping_labels(frame) == []
        assert labels_outside_frame(frame) == []
    if name == "graphs-papers":  # a dense cluster: the hubs named at any zoom do not pile their labels up
        frame = next(f for f in page.frames if f.url == "about:srcdoc")
        hubs = set(frame.evaluate("() => window.atlasNodes.get().filter((n) => n.hub).map((n) => n.id)"))
        assert len(hubs) >= 5
        assert [pair for pair in overlapping_labels(frame) if set(pair) <= hubs] == []
    load_times[name] = round(time.perf_counter() - start, 2)
    title = page.locator("h1").first.inner_text()
    assert title.strip() if heading is None else heading in title
    assert page.locator(FAILED).count() == 0, main.inner_text()[:2000]
    screenshot(page, f"scale-{PAPERS}-{name}")


def drawn_or_refused(page) -> None:
    page.wait_for_function(
        """(selector) => {
            const frame = document.querySelector(selector);
            const drawn = frame && frame.contentDocument && frame.contentDocument.body
                && frame.contentDocument.body.dataset.ready === '1';
            return drawn || document.body.innerText.includes('Narrower scopes');
        }""",
        arg=GRAPH_FRAME,
    )

"""The Contribute page in a real headless Chromium against a real Streamlit server: paste an entry,
complete the annotation, see the checks turn green; hostile BibTeX runs nothing. Screenshots go to
test-artifacts/. Nothing is fetched from the network."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests_paths import ARTIFACTS, FIXTURE_DATA
from website_support import BROWSER_TIMEOUT_MS, CHROMIUM, launch_chromium, new_context, streamlit_server, wait_ready

from ingest import build

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ENTRY = (
    "@article{whatever2018,\n  title={Object hallucination in image captioning},\n"
    "  author={Rohrbach, Anna and Hendricks, Lisa Anne and Burns, Kaylee and Darrell, Trevor and Saenko, Kate},\n"
    "  journal={arXiv preprint arXiv:1809.02156},\n  year={2018}\n}\n"
)
HOSTILE = (
    '@misc{evil,\n  title = {<img src=x onerror="window.__atlasXss=1"> <script>window.__atlasXss=2</script>'
    " [x](javascript:window.__atlasXss=3)},\n  author = {Doe, Jane},\n  year = {2024},\n"
    "  url = {javascript:window.__atlasXss=4},\n}\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `make browser` (make test does it)")
    workdir = tmp_path_factory.mktemp("contribute-site")
    data = workdir / "data"
    shutil.copytree(FIXTURE_DATA, data)
    db = workdir / "atlas.db"
    build(data, db, strict=True)
    ARTIFACTS.mkdir(exist_ok=True)
    previous = os.environ.get("ATLAS_DATA")
    os.environ["ATLAS_DATA"] = str(data)  # the server inherits it: the page checks against this folder
    try:
        with streamlit_server(db, ARTIFACTS / "streamlit-server-contribute.log") as url:
            yield url, data
    finally:
        if previous is None:
            os.environ.pop("ATLAS_DATA", None)
        else:
            os.environ["ATLAS_DATA"] = previous


@pytest.fixture
def page(site):
    from playwright.sync_api import sync_playwright

    errors, dialogs = [], []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = new_context(browser).new_page()
        page.on(
            "console",
            lambda m: (
                errors.append(m.text) if m.type == "error" and "_stcore/" not in m.location.get("url", "") else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        yield page
        browser.close()
    assert dialogs == [] and errors == [], (dialogs, errors)


def wait_ready_showing(page, text: str | None = None) -> None:
    """The page has finished its run (website_support.wait_ready) and shows ``text``, when given."""
    wait_ready(page)
    if text:
        page.get_by_text(text).first.wait_for()


def fill(page, label: str, text: str) -> None:
    box = page.get_by_label(label)
    box.fill(text)
    box.press("Control+Enter")  # Streamlit commits a text area on Ctrl+Enter (or when it loses focus)


def screenshot(page, name: str) -> None:
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height), 1000), 7000)})
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_paste_complete_and_see_the_checks_pass(site, page):
    url, data = site
    page.goto(f"{url}/contribute")
    wait_ready_showing(page, "Contribute a paper")
    fill(page, "BibTeX entry", ENTRY)
    wait_ready_showing(page, "6 problems to fix before the pull request")  # modalities: pre-filled from the title
    assert page.get_by_text("rohrbach2018object", exact=False).first.is_visible()
    screenshot(page, "contribute-scaffolded")

    page.get_by_text("Edit the YAML by hand").click()  # the expert path
    annotation = page.get_by_label("Annotation")
    annotation.wait_for(timeout=BROWSER_TIMEOUT_MS)  # the rerun has drawn the text area: only then is it safe to type
    wait_ready_showing(page)
    text = annotation.input_value()
    for old, new in (
        ("- id: TODO", "- id: data/benchmark"),
        ("why: TODO", "why: Defines a metric for caption objects."),
        ("models: [TODO]", "models: []"),
        ("technique: [TODO]", "technique: [hallucination-benchmark]"),
        ("granularity: TODO", "granularity: dataset"),
        ("summary: TODO", "summary: A caption metric shows how often models mention absent objects."),
    ):
        text = text.replace(old, new)
    fill(page, "Annotation", text)
    wait_ready_showing(page, "Both files pass")
    screenshot(page, "contribute-passing")
    assert not list((data / "papers").glob("rohrbach*")), "the page must never write into the data folder"


def pick(page, label: str, typed: str) -> None:
    """Type into a searchable list and take the first match, as a contributor would."""
    box = page.locator('[data-testid="stMultiSelect"], [data-testid="stSelectbox"]').filter(has_text=label)
    box.locator("input").first.click()
    page.keyboard.type(typed)
    page.get_by_role("option").first.click(timeout=10_000)
    page.locator("h1").first.click()  # closes a list left open (Escape would clear a select box)
    wait_ready_showing(page)


def test_pick_terms_and_see_the_annotation_written_and_passing(site, page):
    url, data = site
    page.goto(f"{url}/contribute")
    wait_ready_showing(page, "Contribute a paper")
    fill(page, "BibTeX entry", ENTRY)
    wait_ready_showing(page, "Place the paper")
    pick(page, "Taxonomy leaves", "Benchmark")
    fill(page, "Why does it belong in Data › Benchmark?", "It defines a metric that checks caption objects.")
    wait_ready_showing(page)
    pick(page, "Techniques", "hallucination bench")
    pick(page, "Granularity", "dataset")
    page.get_by_text("No model in particular").click()
    wait_ready_showing(page)
    fill(page, "Summary", "A caption metric shows how often models mention objects that are not in the image.")
    wait_ready_showing(page, "Both files pass")
    shown = page.locator('[data-testid="stCode"]').filter(has_text="yaml-language-server").inner_text()
    assert "  - id: data/benchmark\n    why: It defines a metric that checks caption objects.\n" in shown
    assert "modalities: [image]" in shown  # pre-picked from "image captioning"
    assert "models: []" in shown and "technique: [hallucination-benchmark]" in shown
    assert "granularity: dataset" in shown
    lists = page.locator('[data-testid="stMultiSelect"]')
    assert "Data › Benchmark" in lists.filter(has_text="Taxonomy leaves").inner_text()  # names shown, ids written
    assert "Image" in lists.filter(has_text="Modalities").inner_text()
    screenshot(page, "contribute-picked")
    assert not list((data / "papers").glob("rohrbach*")), "the page must never write into the data folder"


def test_hostile_bibtex_runs_nothing(site, page):
    url, _ = site
    page.goto(f"{url}/contribute")
    wait_ready_showing(page, "Contribute a paper")
    fill(page, "BibTeX entry", HOSTILE)
    wait_ready_showing(page, "problems to fix")
    screenshot(page, "contribute-hostile")
    assert page.evaluate("() => window.__atlasXss") is None
    assert page.locator('img[src="x"], [onerror], a[href^="javascript" i]').count() == 0

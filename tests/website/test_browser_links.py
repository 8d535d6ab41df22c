"""No link or image can form from data text or URL text, checked in a real headless Chromium (Debian's,
driven by Playwright) against a real Streamlit server.

Streamlit's Markdown turns bare URLs, ``www.`` hosts and e-mail addresses into links even when every
punctuation character is backslash-escaped; ``explorer.safety.markdown_text`` breaks them. Here every
page that takes URL parameters gets hostile ones, and every page shows the links fixture
(tests/fixtures/links: titles, authors, summaries, ... full of them, and no code link, DOI or URL);
no page may then hold an ``<a>`` or ``<img>`` (or any other element) pointing outside the site, nor ask
for anything outside it. The site also tells a visitor, in one message and without a traceback, when
ATLAS_DB is not a knowledge base. Screenshots go to test-artifacts/. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from tests_paths import ARTIFACTS, FIXTURE_DATA, FIXTURES
from website_support import Watch, new_context, rename_term, screenshot, streamlit_server, wait_ready

from explorer import urls
from ingest import build

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

LINKS_DATA = FIXTURES / "links" / "papers"
EXAMPLE = "[phish](https://evil.example/login) ![i](https://evil.example/x.png)"  # the example
HOSTILE = " ".join(
    [
        EXAMPLE,
        "https://evil.example/x",
        "www.evil.example",
        "someone@evil.example",
        "mailto:a@evil.example",
        "<img src=https://evil.example/x.png>",
        ":red[x]",
        "$x$",
    ]
)

# Every element of the page and its frames that refers to something outside the site.
FOREIGN = """(site) => {
    const out = [];
    for (const element of document.querySelectorAll('[href], [src], [srcset], [action], [formaction]')) {
        for (const name of ['href', 'src', 'srcset', 'action', 'formaction']) {
            const value = element.getAttribute(name);
            if (value === null) continue;
            let url;
            try { url = new URL(value.trim().split(/\\s+/)[0], document.baseURI); }
            catch (e) { out.push({tag: element.tagName.toLowerCase(), attribute: name, url: value}); continue; }
            if (['data:', 'blob:', 'about:'].includes(url.protocol) || url.origin === site) continue;
            out.push({tag: element.tagName.toLowerCase(), attribute: name, url: url.href});
        }
    }
    return out;
}"""


def query(**params) -> str:
    return urlencode(params, doseq=True)


# (name, path): every page that takes parameters, each parameter hostile.
PARAMETER_VIEWS = [
    ("taxonomy-example", "taxonomy?" + query(node=EXAMPLE)),
    ("taxonomy", "taxonomy?" + query(node=HOSTILE)),
    ("paper", "paper?" + query(key=HOSTILE)),
    (
        "compare",
        "compare?"
        + query(
            q=HOSTILE,
            pick=[HOSTILE, "phish2024links"],
            node=HOSTILE,
            model=HOSTILE,
            technique=HOSTILE,
            years=HOSTILE,
            code=HOSTILE,
        ),
    ),
    (
        "graphs",
        "graphs?" + query(graph=HOSTILE, link=HOSTILE, color=HOSTILE, scope=HOSTILE, years=HOSTILE, min=HOSTILE),
    ),
    ("graphs-scope", "graphs?" + query(graph="papers", scope=HOSTILE)),
    ("related-text", "related?" + query(q=HOSTILE)),
    ("related-paper", "related?" + urlencode({"from": "paper", "paper": HOSTILE})),
    ("related-filters", "related?" + query(q="visual tokens", node=HOSTILE, k=HOSTILE, years=HOSTILE, code=HOSTILE)),
    ("related-bib", "related?" + urlencode({"from": "bib", "cites": HOSTILE})),
    ("methods", "methods?" + query(method=HOSTILE)),
]


def expand(title: str):
    """Open an expander."""

    def step(page):
        page.get_by_text(title).click()

    return step


def open_options(testid: str, label: str, typed: str):
    """Open a select box's list of options, filtered by typing (option labels are data text too)."""

    def step(page):
        box = page.locator(f'[data-testid="{testid}"]').filter(has_text=label)
        box.locator("input").click()
        box.locator("input").fill(typed)
        page.get_by_role("option").filter(has_text="evil.example").first.wait_for()

    return step


# (name, path, what to do first): every page showing the links fixture's text.
DATA_VIEWS = [
    ("overview", "", None),
    ("search", "search?" + query(q="phishing"), None),
    ("taxonomy", "taxonomy?" + query(node="model/token/visual-token"), None),
    ("paper", "paper?" + query(key="phish2024links"), None),
    ("paper-target", "paper?" + query(key="phish2023target"), None),
    (
        "compare",
        "compare?" + query(q="phishing", pick=["phish2024links", "phish2023target"]),
        expand("How the other filters would narrow this result"),
    ),
    ("compare-models", "compare", open_options("stMultiSelect", "Model", "evil")),
    ("paper-chooser", "paper", open_options("stSelectbox", "Paper", "Phishing")),
    ("related-text", "related?" + query(q="phishing target"), None),
    ("related-paper", "related?" + urlencode({"from": "paper", "paper": "phish2024links"}), None),
    ("methods", "methods?" + query(method="logit-lens"), None),
    ("graphs", "graphs?" + query(graph="co-authors", min=1), None),
]


@pytest.fixture(scope="module")
def links_db(tmp_path_factory) -> Path:
    """The canonical fixture papers plus the links fixture, built by ingest.build."""
    workdir = tmp_path_factory.mktemp("links-site")
    data = workdir / "data"
    shutil.copytree(FIXTURE_DATA, data)
    shutil.copytree(LINKS_DATA, data / "links")
    build(data, workdir / "atlas.db", strict=True)
    # vocabulary terms are reviewed, checked ids: the link-like text is written into the database instead
    rename_term(workdir / "atlas.db", "model", "gill", "https://evil.example/model")
    rename_term(workdir / "atlas.db", "technique", "tuned-lens", "www.evil.example")
    return workdir / "atlas.db"


@pytest.fixture(scope="module")
def site(links_db):
    with streamlit_server(links_db, ARTIFACTS / "streamlit-server-links.log") as url:
        yield url


@pytest.fixture
def page(browser):
    """A page whose every request outside 127.0.0.1 is refused and recorded."""
    context = new_context(browser)
    page = context.new_page()
    page.outside = []

    def route(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            page.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    watch = Watch()
    watch.attach(page)
    yield page
    context.close()
    assert page.outside == [], "the page asked for something outside the site"
    assert watch.dialogs == [] and watch.errors == [], (watch.dialogs, watch.errors)


def open_view(page, site: str, path: str, shown: str = "h1") -> None:
    page.goto(f"{site}/{path}")
    wait_ready(page, shown=shown)


def library_links() -> frozenset[str]:
    """The links the Methods page makes on purpose: each method's libraries (from methods/catalog.yaml)."""
    from explorer.methods_view import method_cards

    return frozenset(library.href for card in method_cards() for library in card.libraries if library.href)


def code_links(db: Path) -> frozenset[str]:
    """The code addresses the knowledge base holds (ingest takes http(s) addresses only): the links fixture's
    papers have none, so none of these came from the hostile text."""
    with sqlite3.connect(db) as conn:
        found = frozenset(url for (url,) in conn.execute("SELECT code_url FROM papers WHERE code_url IS NOT NULL"))
    conn.close()
    assert found and not any("evil" in url for url in found)
    return found


def assert_nothing_points_outside(page, site: str, allowed: frozenset[str] = frozenset()) -> None:
    """No element of the page or its frames refers outside the site, but for links in ``allowed``."""
    for frame in page.frames:
        found = [
            f"<{x['tag']} {x['attribute']}={x['url']}>"
            for x in frame.evaluate(FOREIGN, site)
            if not (x["tag"] == "a" and x["url"] in allowed)
        ]
        assert found == [], f"elements pointing outside the site in {frame.url}"
    assert page.locator('[data-testid="stException"]').count() == 0, "the page shows a traceback"


def visible_text(page) -> str:
    """The main block's text and any open list of options (drawn outside it), word joiners dropped."""
    texts = [page.locator('[data-testid="stMain"]').inner_text(), *page.get_by_role("listbox").all_inner_texts()]
    return "\n".join(texts).replace("\u2060", "")


@pytest.mark.parametrize("name, path", PARAMETER_VIEWS, ids=[v[0] for v in PARAMETER_VIEWS])
def test_hostile_url_parameters_make_no_link(site, page, name, path):
    open_view(page, site, path)
    assert_nothing_points_outside(page, site)
    screenshot(page, f"links-parameters-{name}")


def test_the_error_box_shows_the_example_as_text(site, page):
    open_view(page, site, "taxonomy?" + query(node=EXAMPLE))
    error = page.locator('[data-testid="stAlertContentError"]')
    assert error.count() == 1
    assert EXAMPLE in error.inner_text().replace("\u2060", "")
    assert error.locator("a, img").count() == 0


@pytest.mark.parametrize("name, path, first", DATA_VIEWS, ids=[v[0] for v in DATA_VIEWS])
def test_data_text_makes_no_link(site, links_db, page, name, path, first):
    open_view(page, site, path)
    if first:
        first(page)
        page.wait_for_timeout(300)
    on_purpose = {  # links the pages make themselves: compare's table links each paper's code
        "methods": library_links(),
        "overview": frozenset([urls.survey()]),
        "compare-models": code_links(links_db),
    }
    assert_nothing_points_outside(page, site, on_purpose.get(name, frozenset()))
    if name != "graphs":  # the graph draws its labels on a canvas
        assert "evil.example" in visible_text(page)  # the text is shown, as text
    screenshot(page, f"links-data-{name}")


# --- a database that is not a knowledge base ----------------------------------------------------------


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory):
    path = tmp_path_factory.mktemp("broken-site") / "atlas.db"
    path.write_text("title,year\nA paper,2024\n", encoding="utf-8")  # e.g. a CSV export saved under the wrong name
    with streamlit_server(path, ARTIFACTS / "streamlit-server-broken.log") as url:
        yield url, path


@pytest.mark.parametrize("path", ["", "taxonomy?node=model", "paper?key=neo2024interpreting", "graphs"])
def test_a_file_that_is_not_a_knowledge_base_gives_one_message(broken_site, page, path):
    site, db = broken_site
    open_view(page, site, path, shown='[data-testid="stAlertContentError"]')
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 1
    assert f"{db} is not an atlas knowledge base (not an SQLite database)" in errors.inner_text().replace("\u2060", "")
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, f"broken-db-{path.split('?')[0] or 'overview'}")

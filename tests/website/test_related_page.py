"""The Related work page and the paper page's "Related papers" section, under Streamlit's AppTest with the
real app.py and a real fixture database (see tests/website/website_support.py)."""

from __future__ import annotations

import json

import pytest
from website_support import app_test, ok, page_links, permalink, texts, url_notices


def test_page_is_in_the_navigation_and_asks_for_input(fixture_site):
    at = ok(app_test("related"))
    assert at.title[0].value == "Related work"
    assert not any(label.startswith("**1.**") for label in page_links(at))


def test_deep_link_to_a_paper_shows_reasons_exports_and_permalink(fixture_site):
    at = ok(app_test("related", {"from": "paper", "paper": "neo2024interpreting"}))
    shown = texts(at)
    ranked = [label for label, target in page_links(at).items() if label.startswith("**")]
    assert ranked[0].startswith("**1.**") and "logit lens" in ranked[0]
    assert page_links(at)[ranked[0]] == "paper?key=nostalgebraist2020interpreting"
    assert "Your paper neo2024interpreting builds on it \\(5\\.0 points\\)" in shown  # escaped Markdown
    assert "same taxonomy leaf as your paper\\: Decision\\-Making Workflow" in shown
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["BibTeX", "JSON"]
    assert "related?from=paper&paper=neo2024interpreting" in permalink(at)


def test_text_query_from_the_url_with_hostile_text(fixture_site):
    for text in ['logit NEAR( "lens', "🙂", "", "a" * 5000]:
        at = ok(app_test("related", {"from": "text", "q": text}))
        assert at.title[0].value == "Related work"
    at = ok(app_test("related", {"from": "text", "q": 'logit NEAR( "lens'}))
    assert any("nostalgebraist2020interpreting" in target for target in page_links(at).values())


def test_typing_text_and_submitting(fixture_site):
    at = ok(app_test("related"))
    at.text_area(key="related_text").input("contrastive decoding for hallucination")
    at.button[0].click().run()
    ok(at)
    assert any(target == "paper?key=leng2024mitigating" for target in page_links(at).values())


def test_the_address_follows_the_question(fixture_site):
    # Typing a question puts it in the address; another question replaces it; clearing it removes it.
    at = ok(app_test("related", {"from": "paper", "paper": "neo2024interpreting"}))
    at.segmented_control(key="from").set_value("text").run()
    at.text_area(key="related_text").input("logit lens")
    at.button[0].click().run()
    ok(at)
    assert at.query_params.get("q") == "logit lens" and "paper" not in at.query_params
    at.text_area(key="related_text").input("attention sinks")
    at.button[0].click().run()
    assert ok(at).query_params.get("q") == "attention sinks"
    at.text_area(key="related_text").input("")
    at.button[0].click().run()
    assert "q" not in ok(at).query_params


def test_how_the_ranking_works_is_prose_without_internal_names(fixture_site):
    from dataclasses import fields

    from explorer.related import Weights

    at = ok(app_test("related", {"from": "paper", "paper": "neo2024interpreting"}))
    expander = next(e for e in at.expander if e.label == "How the ranking works")
    shown = "\n".join(m.value for m in expander.markdown)
    assert "the surest sign of related work" in shown and "“polysemanticity”" in shown
    assert not expander.get("arrow_data_frame")  # no table of settings
    for name in (f.name for f in fields(Weights) if "_" in f.name):
        assert name not in shown, name  # no internal weight names such as inferred_from_top or bm25_columns
    for paper in ok(at).markdown:
        for name in ("bm25", "inferred_from_top", "same_leaf", "text_candidates"):
            assert name not in paper.value


def test_bib_permalink_and_filters(fixture_site):
    at = ok(app_test("related", {"from": "bib", "cites": ["neo2024interpreting", "muller2024sehen"]}))
    targets = [t for label, t in page_links(at).items() if label.startswith("**")]
    assert targets and "paper?key=neo2024interpreting" not in targets and "paper?key=muller2024sehen" not in targets
    # under the Data perspective, only the benchmark paper is left
    at = ok(app_test("related", {"from": "bib", "cites": ["neo2024interpreting"], "node": "data"}))
    targets = [t for label, t in page_links(at).items() if label.startswith("**")]
    assert targets == ["paper?key=li2023evaluating"]
    at = ok(app_test("related", {"from": "bib", "cites": ["neo2024interpreting"], "code": "true"}))
    targets = [t for label, t in page_links(at).items() if label.startswith("**")]
    assert "paper?key=nostalgebraist2020interpreting" not in targets  # it has no code


def test_unknown_paper_in_the_url_is_a_message_and_an_arxiv_id_works(fixture_site):
    at = ok(app_test("related", {"from": "paper", "paper": "nope2099"}))
    assert any("no paper with key" in e.value for e in at.error)
    at = ok(app_test("related", {"from": "paper", "paper": "arXiv:2410.07149"}))
    assert "paper?key=nostalgebraist2020interpreting" in page_links(at).values()


@pytest.mark.parametrize(
    "params, notices, clean",
    [
        (
            {"from": "paper", "paper": "neo2024interpreting", "k": "100000"},
            ["k=100000 changed to 200: the range is 1–200"],
            {"from": "paper", "paper": "neo2024interpreting", "k": "200"},
        ),
        (
            {"from": "bib", "cites": ["neo2024interpreting", "nobody2099"], "node": "model/nowhere"},
            [
                "cites=nobody2099 ignored: not a paper key of the atlas",
                "node=model/nowhere ignored: not a taxonomy node",
            ],
            {"from": "bib", "cites": "neo2024interpreting"},
        ),
        (
            {"from": "texts", "q": "logit lens", "paper": "neo2024interpreting", "k": "ten", "years": "2021"},
            [
                "from=texts ignored: not a kind of question (choose text, paper, bib)",
                "paper=neo2024interpreting ignored: the question is from=text",
                "k=ten ignored: not a whole number",
                "years=2021 ignored: give two years, the first and the last",
            ],
            {"q": "logit lens"},
        ),
    ],
)
def test_related_says_which_url_values_it_dropped_or_changed(fixture_site, params, notices, clean):
    at = ok(app_test("related", params))
    assert len(at.warning) == 1 and url_notices(at) == notices
    assert dict(at.query_params) == clean  # reopened with the values it uses


def test_a_clean_related_url_shows_no_notice(fixture_site):
    at = ok(app_test("related", {"from": "paper", "paper": "neo2024interpreting", "k": "5", "node": "model"}))
    assert not at.warning and at.number_input(key="k").value == 5
    assert len([label for label in page_links(at) if label.startswith("**")]) <= 5


def test_paper_page_has_a_related_papers_section(fixture_site):
    at = ok(app_test("paper", {"key": "neo2024interpreting"}))
    assert "Related papers" in [h.value for h in at.subheader]
    targets = page_links(at)
    assert targets["More related work, with filters and exports"] == "related?from=paper&paper=neo2024interpreting"
    assert any(
        label.startswith("**1.**") and target == "paper?key=nostalgebraist2020interpreting"
        for label, target in targets.items()
    )


def test_json_export_matches_the_library(fixture_site, fixture_db):
    from explorer.db import open_session
    from explorer.related import find_related, to_json

    with open_session(fixture_db) as session:
        rows = json.loads(to_json(find_related(session, paper="neo2024interpreting")))
    assert rows[0]["key"] == "nostalgebraist2020interpreting" and rows[0]["reasons"]


def test_hostile_titles_and_reasons_are_escaped(tmp_path_factory, monkeypatch):
    import re

    from website_support import HOSTILE_KEYS, build_hostile_db

    monkeypatch.setenv("ATLAS_DB", str(build_hostile_db(tmp_path_factory.mktemp("hostile-related"))))
    raw_tag = re.compile(r"(?<!\\)<")
    for key in HOSTILE_KEYS:
        for at in (ok(app_test("related", {"from": "paper", "paper": key})), ok(app_test("paper", {"key": key}))):
            for element in [*at.markdown, *at.caption]:
                assert not raw_tag.search(element.value), element.value
            for label in page_links(at):
                assert not raw_tag.search(label), label
    at = ok(app_test("related", {"from": "text", "q": "<script>alert('xss-q')</script> evil"}))
    for element in [*at.markdown, *at.caption]:
        assert "<script" not in element.value


# --- in a real browser ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_site(tmp_path_factory, fixture_db):
    from pathlib import Path

    from tests_paths import ARTIFACTS
    from website_support import CHROMIUM, streamlit_server

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `make browser` (make test does it)")
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(fixture_db, ARTIFACTS / "streamlit-server-related.log") as url:
        yield url


@pytest.mark.browser
def test_in_a_browser_the_url_keeps_the_query(live_site):
    from urllib.parse import parse_qs, urlsplit

    from playwright.sync_api import sync_playwright
    from tests_paths import ARTIFACTS
    from website_support import launch_chromium, new_context, wait_ready

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = new_context(browser).new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{live_site}/related?from=paper&paper=neo2024interpreting")
            wait_ready(page)
            page.get_by_text("Your paper neo2024interpreting builds on it").first.wait_for()
            assert "paper=neo2024interpreting" in page.url
            page.get_by_text("interpreting GPT: the logit lens").first.click()  # a result opens its paper page
            page.wait_for_url("**/paper?key=nostalgebraist2020interpreting")
            wait_ready(page)
            page.get_by_text("Related papers").first.wait_for()

            page.goto(f"{live_site}/related")
            wait_ready(page)
            page.get_by_label("Keywords, a title or a whole abstract").fill('contrastive "decoding" NEAR( -x')
            page.get_by_role("button", name="Find related work").click()
            page.get_by_text("Mitigating Object Hallucinations").first.wait_for()
            page.wait_for_function("() => location.search.includes('q=')")
            query = parse_qs(urlsplit(page.url).query)
            assert query["q"] == ['contrastive "decoding" NEAR( -x']
            page.screenshot(path=str(ARTIFACTS / "related-text.png"))

            page.goto(f"{live_site}/related?from=bib")
            wait_ready(page)
            bib = ARTIFACTS / "related-upload.bib"
            bib.write_text(
                "@misc{mine, title = {Towards interpreting visual information processing in vision-language models}}\n",
                encoding="utf-8",
            )
            page.locator("input[type=file]").set_input_files(str(bib))
            page.get_by_text("1 of 1 entries are in the atlas").first.wait_for()
            page.get_by_text("Your paper neo2024interpreting builds on it").first.wait_for()
            page.get_by_text("related?from=bib&cites=neo2024interpreting").first.wait_for()  # the permalink
            assert errors == []
        finally:
            browser.close()

"""The Related work page and the paper page's "Related papers" section, under Streamlit's AppTest with the
real app.py and a real fixture database (see tests/website_support.py)."""

from __future__ import annotations

import json

import pytest

from website_support import app_test, texts


@pytest.fixture
def site(fixture_db, monkeypatch):
    monkeypatch.setenv("ATLAS_DB", str(fixture_db))
    return fixture_db


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def links(at) -> dict[str, str]:
    return {link.proto.label: f"{link.proto.page}?{link.proto.query_string}" for link in at.get("page_link")}


def test_page_is_in_the_navigation_and_asks_for_input(site):
    at = ok(app_test("related"))
    assert at.title[0].value == "Related work"
    assert not any(label.startswith("**1.**") for label in links(at))


def test_deep_link_to_a_paper_shows_reasons_exports_and_permalink(site):
    at = ok(app_test("related", {"from": "paper", "paper": "neo2024interpreting"}))
    shown = texts(at)
    ranked = [label for label, target in links(at).items() if label.startswith("**")]
    assert ranked[0].startswith("**1.**") and "logit lens" in ranked[0]
    assert links(at)[ranked[0]] == "paper?key=nostalgebraist2020logitlens"
    assert "built on by\\: neo2024interpreting" in shown  # escaped Markdown
    assert "same leaf\\: Decision\\-Making Workflow" in shown
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["BibTeX", "JSON"]
    permalink = at.code[-1].value
    assert "related?from=paper&paper=neo2024interpreting" in permalink


def test_text_query_from_the_url_with_hostile_text(site):
    for text in ['logit NEAR( "lens', "🙂", "", "a" * 5000]:
        at = ok(app_test("related", {"from": "text", "q": text}))
        assert at.title[0].value == "Related work"
    at = ok(app_test("related", {"from": "text", "q": 'logit NEAR( "lens'}))
    assert any("nostalgebraist2020logitlens" in target for target in links(at).values())


def test_typing_text_and_submitting(site):
    at = ok(app_test("related"))
    at.text_area(key="related_text").input("contrastive decoding for hallucination")
    at.button[0].click().run()
    ok(at)
    assert any(target == "paper?key=leng2024mitigating" for target in links(at).values())


def test_bib_permalink_and_filters(site):
    at = ok(app_test("related", {"from": "bib", "cites": ["neo2024interpreting", "muller2024sehen"]}))
    targets = [t for label, t in links(at).items() if label.startswith("**")]
    assert targets and "paper?key=neo2024interpreting" not in targets and "paper?key=muller2024sehen" not in targets
    # under the Data perspective, only the benchmark paper is left
    at = ok(app_test("related", {"from": "bib", "cites": ["neo2024interpreting"], "node": "data"}))
    targets = [t for label, t in links(at).items() if label.startswith("**")]
    assert targets == ["paper?key=li2023evaluating"]
    at = ok(app_test("related", {"from": "bib", "cites": ["neo2024interpreting"], "code": "true"}))
    targets = [t for label, t in links(at).items() if label.startswith("**")]
    assert "paper?key=nostalgebraist2020logitlens" not in targets  # it has no code


def test_unknown_paper_in_the_url_is_a_message_and_an_arxiv_id_works(site):
    at = ok(app_test("related", {"from": "paper", "paper": "nope2099"}))
    assert any("no paper with key" in e.value for e in at.error)
    at = ok(app_test("related", {"from": "paper", "paper": "arXiv:2410.07149"}))
    assert "paper?key=nostalgebraist2020logitlens" in links(at).values()


def test_paper_page_has_a_related_papers_section(site):
    at = ok(app_test("paper", {"key": "neo2024interpreting"}))
    assert "Related papers" in [h.value for h in at.subheader]
    targets = links(at)
    assert targets["More related work, with filters and exports"] == "related?from=paper&paper=neo2024interpreting"
    assert any(label.startswith("**1.**") and target == "paper?key=nostalgebraist2020logitlens"
               for label, target in targets.items())


def test_json_export_matches_the_library(site, fixture_db):
    from explorer.db import open_session
    from explorer.related import find_related, to_json

    with open_session(fixture_db) as session:
        rows = json.loads(to_json(find_related(session, paper="neo2024interpreting")))
    assert rows[0]["key"] == "nostalgebraist2020logitlens" and rows[0]["reasons"]


def test_hostile_titles_and_reasons_are_escaped(tmp_path_factory, monkeypatch):
    import re

    from website_support import HOSTILE_KEYS, build_hostile_db

    monkeypatch.setenv("ATLAS_DB", str(build_hostile_db(tmp_path_factory.mktemp("hostile-related"))))
    raw_tag = re.compile(r"(?<!\\)<")
    for key in HOSTILE_KEYS:
        for at in (ok(app_test("related", {"from": "paper", "paper": key})), ok(app_test("paper", {"key": key}))):
            for element in [*at.markdown, *at.caption]:
                assert not raw_tag.search(element.value), element.value
            for label in links(at):
                assert not raw_tag.search(label), label
    at = ok(app_test("related", {"from": "text", "q": "<script>alert('xss-q')</script> evil"}))
    for element in [*at.markdown, *at.caption]:
        assert "<script" not in element.value

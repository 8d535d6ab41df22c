"""The Technique and Model pages under AppTest (explorer.terms builds them from the vocabulary): the
definition, broader and narrower terms, papers by leaf with their why, and the links from a paper page."""

from __future__ import annotations

import pytest
from website_support import app_test, ok, shown, texts, url_notices


def links(at) -> dict[str, str]:
    return {shown(link.proto.label): f"{link.proto.page}?{link.proto.query_string}" for link in at.get("page_link")}


def test_a_technique_page_shows_its_definition_hierarchy_and_papers_by_leaf(fixture_site):
    at = ok(app_test("technique", {"id": "logit-lens"}))
    assert at.title[0].value == "Logit lens"
    body = shown(texts(at))
    assert "Applies the model's final normalisation and unembedding" in body  # the definition
    assert "Also written: logit lens, vocabulary projection" in body  # the aliases
    targets = links(at)
    assert targets["Decoding intermediate layers · 2"] == "technique?id=lens-decoding"  # the broader technique
    assert targets["Logit lens: run our implementation"] == "methods?method=logit-lens"
    assert targets["Compare and export these papers"] == "compare?technique=logit-lens"
    assert "**Model › Layer › Decision-Making Workflow** · 2" in body
    assert "**Decision-Making Workflow**: Reads every layer's residual stream" in body  # each paper's why there
    [years] = [e.proto.body for e in at.main.get("html") if 'class="atlas-bars"' in e.proto.body]
    assert '<div class="bar" title="2020 · 1 paper">' in years and not at.get("vega_lite_chart")  # no Vega


def test_a_leaf_with_more_papers_than_shown_links_them_all_in_compare(fixture_site, monkeypatch):
    monkeypatch.setattr("app_pages.term_view.PAPERS_PER_LEAF", 1)  # the fixture's leaves hold two papers at most
    at = ok(app_test("technique", {"id": "logit-lens"}))
    targets = links(at)
    more = "compare?node=model%2Flayer%2Fdecision-making-workflow&technique=logit-lens"
    assert targets["… and 1 more: list them all in Compare"] == more
    papers = [link for link in at.get("page_link") if link.proto.page == "paper"]
    assert len(papers) == 2  # one per leaf, of two leaves


def test_a_model_family_page_lists_its_models(fixture_site):
    at = ok(app_test("model", {"id": "qwen-family"}))
    targets = links(at)
    assert targets["Qwen-VL · 2"] == "model?id=qwen-vl"
    assert {t for t in targets.values() if t.startswith("paper?")} == {
        "paper?key=leng2024mitigating",
        "paper?key=muller2024sehen",
    }


def test_an_unknown_term_names_the_closest(fixture_site):
    at = ok(app_test("technique", {"id": "logit-lense"}))
    assert "no technique 'logit-lense' in the vocabulary (closest: logit-lens" in shown(at.error[0].value)


def test_a_paper_page_opens_its_models_and_techniques(fixture_site):
    at = ok(app_test("paper", {"key": "neo2024interpreting"}))
    targets = links(at)
    assert targets["LLaVA-1.5"] == "model?id=llava-1.5" and targets["Logit lens"] == "technique?id=logit-lens"
    assert targets["Image"] == "compare?modality=image"


def test_a_model_fact_no_primary_page_confirms_is_marked_and_the_source_linked(fixture_db):
    from dataclasses import replace

    from explorer.db import open_session
    from explorer.paper_catalog import load_paper_catalog
    from explorer.terms import model_page

    with open_session(fixture_db) as session:
        catalog = load_paper_catalog(session)
    models = dict(catalog.vocabulary.models)
    models["qwen-vl"] = replace(models["qwen-vl"], unconfirmed=("year",), source="https://arxiv.org/abs/2308.12966")
    catalog = replace(catalog, vocabulary=replace(catalog.vocabulary, models=models))
    facts = {fact.label: fact for fact in model_page(catalog, "qwen-vl").facts}
    assert facts["First released"].text.endswith("(not confirmed on a primary page)")
    assert "not confirmed" not in facts["Organisation"].text
    assert facts["Source of these facts"].href == "https://arxiv.org/abs/2308.12966"


@pytest.mark.parametrize("kind, title", [("model", "Models"), ("technique", "Techniques")])
def test_a_term_page_without_an_id_says_where_terms_are_opened_and_names_a_stray_parameter(fixture_site, kind, title):
    at = ok(app_test(kind, {"colour": "red"}))
    assert at.title[0].value == title
    assert f"Open a {kind} from a paper page" in at.info[0].value
    assert any("colour=red" in line for line in url_notices(at))  # a stray parameter is named, not dropped silently

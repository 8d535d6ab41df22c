"""Search (explorer/search.py and the Search page): identifiers open their paper, words match titles by
stem, authors without accents, and the page shows title, authors, year, leaves and why."""

from __future__ import annotations

import pytest
from website_support import app_test, shown, texts

from explorer.db import open_session
from explorer.paper_catalog import load_paper_catalog
from explorer.search import SearchIndex, stem


@pytest.fixture(scope="module")
def index(fixture_db):
    with open_session(fixture_db) as session:
        return SearchIndex.build(load_paper_catalog(session))


@pytest.fixture(scope="module")
def bundled_index(bundled_db):
    with open_session(bundled_db) as session:
        return SearchIndex.build(load_paper_catalog(session))


@pytest.mark.parametrize(
    "query, key",
    [
        ("2410.07149", "neo2024interpreting"),
        ("arXiv:2410.07149v2", "neo2024interpreting"),
        ("https://arxiv.org/abs/2410.07149v1", "neo2024interpreting"),
        ("arxiv.org/pdf/2410.07149.pdf", "neo2024interpreting"),
        ("  2311.16922 ", "leng2024mitigating"),
        ("10.1234/fixture.2024.001", "muller2024sehen"),
        ("https://doi.org/10.1234/FIXTURE.2024.001", "muller2024sehen"),
        ("doi:10.1234/fixture.2024.001", "muller2024sehen"),
        ("NEO2024interpreting", "neo2024interpreting"),
        # as papers cite them: the kind's name, a space, the identifier; and arXiv's own DOI for a preprint
        ("arXiv 2410.07149", "neo2024interpreting"),
        ("ARXIV: 2410.07149v2", "neo2024interpreting"),
        ("10.48550/arXiv.2410.07149", "neo2024interpreting"),
        ("https://doi.org/10.48550/arXiv.2410.07149", "neo2024interpreting"),
        ("DOI 10.1234/fixture.2024.001", "muller2024sehen"),
        ("doi: 10.1234/fixture.2024.001", "muller2024sehen"),
        ("DOI 10.48550/arXiv.2410.07149", "neo2024interpreting"),
    ],
)
def test_an_identifier_of_one_paper_is_an_exact_hit(index, query, key):
    result = index.search(query)
    assert result.exact == key and [h.paper.key for h in result.hits] == [key]


def test_an_identifier_the_atlas_lacks_says_how_it_was_read(index):
    result = index.search("arXiv:2209.99999v3")
    assert result.exact is None and result.hits == [] and result.identifier == "arXiv 2209.99999"
    assert index.search("https://doi.org/10.9999/none").identifier == "DOI 10.9999/none"
    assert index.search("DOI 10.9999/none").identifier == "DOI 10.9999/none"


@pytest.mark.parametrize("query", ["arxiv interpretability", "doi of a paper", "arXiv 2410.07149 and more"])
def test_words_after_arxiv_or_doi_are_words_not_an_identifier(index, query):
    assert index.search(query).identifier is None


def test_title_words_match_by_stem(index):
    assert stem("interpreting") == stem("interpretation") == "interpret"
    result = index.search("interpretation")
    assert {h.paper.key for h in result.hits} == {"neo2024interpreting", "nostalgebraist2020interpreting"}
    assert all("title" in h.matched for h in result.hits)


@pytest.mark.parametrize("query", ["muller", "Müller", "MULLER garcia", "jörg"])
def test_author_names_match_without_accents(index, query):
    assert [h.paper.key for h in index.search(query).hits] == ["muller2024sehen"]
    assert index.search(query).hits[0].matched[0] == "author"


def test_every_word_must_match_else_the_best_partial_matches_are_said_to_be_partial(index):
    both = index.search("object hallucination")
    assert {h.paper.key for h in both.hits} == {"li2023evaluating", "leng2024mitigating"} and not both.partial
    some = index.search("hallucination zebra")
    assert some.partial and {h.paper.key for h in some.hits} == {"li2023evaluating", "leng2024mitigating"}
    assert index.search("zebra quokka").hits == []


def test_a_name_is_a_whole_word_not_a_prefix(bundled_index):
    result = bundled_index.search("Neo")  # the issue: "Neo" matched "Neurons"
    assert result.hits and all(h.matched == ("author",) for h in result.hits)
    assert "neo2024interpreting" in {h.paper.key for h in result.hits}


@pytest.mark.parametrize("query", ["Grad-CAM", "GradCAM", "gradcam", "grad cam"])
def test_a_technique_is_found_under_the_spellings_papers_use(bundled_index, query):
    assert "selvaraju2016grad" in {h.paper.key for h in bundled_index.search(query).hits}


def test_the_bundled_arxiv_id_from_the_issue_is_found(bundled_index):
    assert bundled_index.search("2209.15162").exact == "merullo2022linearly"


def test_each_hit_carries_the_why_of_the_leaf_that_best_matches(index):
    hit = index.search("layer attention edges").hits[0]
    assert hit.paper.key == "neo2024interpreting"
    assert hit.leaf == "model/layer/decision-making-workflow" and hit.why.startswith("Blocks attention edges")


# --- the page -------------------------------------------------------------------------------------


def link_labels(at) -> list[str]:
    return [shown(link.proto.label) for link in at.get("page_link")]


def test_the_search_page_lists_title_authors_year_leaf_and_why(fixture_site):
    at = app_test("search", {"q": "object hallucination"})
    assert not at.exception
    body = shown(texts(at))
    assert "2 papers, best match first." in body
    assert "**Evaluating Object Hallucination in Large Vision-Language Models**" in link_labels(at)
    assert "Yifan Li, Yifan Du, Kun Zhou et al. · 2023 ·" in body
    assert "**Benchmark**: Builds a polling-based yes/no benchmark" in body


def test_the_search_page_opens_the_paper_an_identifier_names(fixture_site):
    at = app_test("search", {"q": "arXiv:2410.07149v2"})
    assert not at.exception
    assert at.title[0].value.startswith("Towards Interpreting Visual Information Processing")
    assert at.query_params["key"] == ["neo2024interpreting"] or at.query_params["key"] == "neo2024interpreting"


def test_the_search_page_says_when_an_identifier_is_not_in_the_atlas(fixture_site):
    at = app_test("search", {"q": "2209.99999"})
    assert "arXiv 2209.99999 is not in the atlas yet." in shown(at.warning[0].value)
    assert any(link.proto.page == "contribute" for link in at.get("page_link"))


@pytest.mark.parametrize("page", [None, "taxonomy", "paper", "compare", "graphs", "methods", "contribute"])
def test_every_page_has_the_sidebar_search_box(fixture_site, page):
    at = app_test(page)
    assert not at.exception
    [box] = at.sidebar.get("html")
    assert '<form class="atlas-search" action="./search" method="get" role="search">' in box.proto.body
    assert 'name="q" type="search"' in box.proto.body  # the search page's parameter (urls.SEARCH_TEXT)


# --- the vocabulary -------------------------------------------------------------------------------


def test_techniques_match_by_alias_and_by_their_broader_technique(index):
    by_alias = index.search("vocabulary projection")  # an alias of the logit lens
    assert {h.paper.key for h in by_alias.hits} == {"neo2024interpreting", "nostalgebraist2020interpreting"}
    assert all("technique" in h.matched for h in by_alias.hits)
    broader = index.vocabulary.label("technique", "lens-decoding")  # the logit lens's broader technique
    assert {h.paper.key for h in index.search(broader).hits} >= {
        "neo2024interpreting",
        "nostalgebraist2020interpreting",
    }


def test_models_match_by_alias_and_by_their_family(index):
    assert {h.paper.key for h in index.search("QwenVL").hits} == {"leng2024mitigating", "muller2024sehen"}
    family = index.search("Qwen family")  # neither paper names the family: their model belongs to it
    assert {h.paper.key for h in family.hits} == {"leng2024mitigating", "muller2024sehen"}


def test_a_query_that_names_a_term_offers_its_page(index, fixture_site):
    assert index.named_terms("vocabulary projection") == (("technique", "logit-lens", "Logit lens"),)
    assert index.named_terms("Qwen-VL-Chat") == (("model", "qwen-vl", "Qwen-VL"),)
    at = app_test("search", {"q": "logit lens"})
    assert not at.exception
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    assert links["The technique **Logit lens**: its definition, related terms and papers"] == "technique"


# --- a word no paper has ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, suggestion",
    [
        ("halucination", "hallucination"),  # a typo in a title word: no paper has it
        ("Muler", "muller"),  # in an author's name (accents folded)
        ("objekt hallucination", "object hallucination"),  # one word of two; the other is kept
    ],
)
def test_a_word_no_paper_has_gets_the_closest_word_papers_have(index, query, suggestion):
    assert index.search(query).suggestion == suggestion


@pytest.mark.parametrize("query", ["object hallucination", "zebra quokka", "the", "abc", "2209.99999"])
def test_no_suggestion_when_every_word_is_found_or_nothing_is_close(index, query):
    assert index.search(query).suggestion is None


def test_suggestions_stay_bounded_on_a_long_query_of_unknown_words(index):
    query = " ".join(f"hallucinatio{'n' * i}x" for i in range(40))  # 40 near misses
    suggestion = index.search(query).suggestion
    assert suggestion is not None and suggestion.split().count("hallucination") == 5  # SUGGEST_WORDS at most


def test_the_search_page_offers_the_suggestion_as_a_search(fixture_site):
    at = app_test("search", {"q": "halucination"})
    assert not at.exception
    [link] = [link for link in at.get("page_link") if "Did you mean" in link.proto.label]
    assert link.proto.page == "search" and "hallucination" in link.proto.label

"""Related work on the tiny fixture database: every reason, the weights, filters, ties and .bib matching.

The fixture has five papers (tests/fixtures/data/papers): neo2024interpreting (Visual Token + Decision-Making
Workflow, LLaVA-1.5, logit lens, builds on nostalgebraist2020interpreting), nostalgebraist2020interpreting
(Decision-Making Workflow, logit lens), muller2024sehen (Visual-Text Token, LLaVA-1.5 and Qwen-VL, compares
with neo2024interpreting), leng2024mitigating (Inference) and li2023evaluating (Benchmark).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from explorer.related import (
    WEIGHTS,
    CandidateFilters,
    RelatedInputError,
    find_related,
    related_to_paper,
    render,
    weight_table,
)


def by_key(result):
    return {p.key: p for p in result.papers}


def says(reasons: list[str], sentence: str) -> bool:
    """A reason is this sentence followed by the points it earned, such as "(3.0 points)"."""
    return any(re.fullmatch(re.escape(sentence) + r" \(\d+\.\d points?\)", r) for r in reasons)


def test_paper_query_explains_every_signal(session):
    result = related_to_paper(session, "neo2024interpreting")
    assert result.kind == "paper" and result.seeds == ["neo2024interpreting"]
    papers = by_key(result)
    assert "neo2024interpreting" not in papers  # the seed is never its own answer

    logit = papers["nostalgebraist2020interpreting"].reasons
    assert says(logit, "Your paper neo2024interpreting builds on it")
    assert says(logit, "It is filed under the same taxonomy leaf as your paper: Decision-Making Workflow")
    assert says(logit, "It uses the technique Logit lens, like your paper")
    assert any(r.startswith("Its title") and "use your words" in r and "“logit”" in r for r in logit)

    muller = papers["muller2024sehen"].reasons
    assert says(muller, "It compares itself with your paper neo2024interpreting")
    assert says(
        muller, "It is filed under Visual-Text Token, in the Token group like Visual Token, where your paper is"
    )
    assert says(muller, "It studies the model LLaVA-1.5, like your paper")

    # Inference and Benchmark share no leaf, group or perspective with the seed's Model leaves: no taxonomy
    # reason; leng2024mitigating shares LLaVA-1.5, li2023evaluating only the LLaVA family.
    leng, li = papers["leng2024mitigating"], papers["li2023evaluating"]
    assert "taxonomy" not in leng.components and "taxonomy" not in li.components
    assert says(leng.reasons, "It studies the model LLaVA-1.5, like your paper")
    assert says(li.reasons, "It studies LLaVA, of the same model family as a model of your paper")
    assert [p.key for p in result.papers][:2] == ["nostalgebraist2020interpreting", "muller2024sehen"]


def test_score_is_the_sum_of_its_parts_and_results_are_sorted(session):
    result = related_to_paper(session, "neo2024interpreting")
    for paper in result.papers:
        assert paper.score == pytest.approx(sum(paper.components.values()), abs=1e-3)
        assert paper.reasons, paper.key
    scores = [p.score for p in result.papers]
    assert scores == sorted(scores, reverse=True)


def test_relation_is_found_from_either_side(session):
    result = related_to_paper(session, "nostalgebraist2020interpreting")
    assert says(by_key(result)["neo2024interpreting"].reasons, "It builds on your paper nostalgebraist2020interpreting")
    result = related_to_paper(session, "muller2024sehen")
    assert says(by_key(result)["neo2024interpreting"].reasons, "Your paper muller2024sehen compares itself with it")


def test_same_perspective_reason(session):
    # muller2024sehen (model/token/...) and nostalgebraist (model/layer/...) are only under the same perspective.
    result = related_to_paper(session, "muller2024sehen")
    assert says(
        by_key(result)["nostalgebraist2020interpreting"].reasons,
        "It is filed under the same perspective as your paper: Model",
    )


def test_text_query_reasons(session):
    result = find_related(session, text="logit lens for LLaVA-1.5")
    papers = by_key(result)
    # the two logit-lens papers first; the one on LLaVA-1.5 says so
    assert {p.key for p in result.papers[:2]} == {"neo2024interpreting", "nostalgebraist2020interpreting"}
    neo = papers["neo2024interpreting"].reasons
    assert says(neo, "It uses the technique Logit lens, which your text names")
    assert says(neo, "It studies the model LLaVA-1.5, which your text names")
    assert any(r.startswith("Its ") and "“logit”" in r and "“lens”" in r for r in neo)


def test_paper_can_be_named_by_doi_or_arxiv_id_in_any_case(session):
    assert related_to_paper(session, "NEO2024Interpreting").seeds == ["neo2024interpreting"]
    assert related_to_paper(session, "arXiv:2410.07149v2").seeds == ["neo2024interpreting"]
    assert related_to_paper(session, "https://doi.org/10.1234/FIXTURE.2024.001").seeds == ["muller2024sehen"]


@pytest.mark.parametrize(
    "identifier",
    [
        "https://arxiv.org/abs/2410.07149v2",
        "arxiv.org/pdf/2410.07149.pdf",
        "arXiv 2410.07149",
        "10.48550/arXiv.2410.07149",
        "https://doi.org/10.48550/arXiv.2410.07149",
    ],
)
def test_paper_can_be_named_as_search_reads_identifiers(session, identifier):
    """The same forms the search box opens a paper from (ingest.identifiers.typed_identifier): an arxiv.org address
    once gave "no paper with key, DOI or arXiv id" here while search opened the paper."""
    assert related_to_paper(session, identifier).seeds == ["neo2024interpreting"]


def test_unknown_paper_is_a_clear_error_with_suggestions(session):
    with pytest.raises(
        RelatedInputError, match=r"no paper with key.*'neo2024interpretin'.*did you mean neo2024interpreting"
    ):
        related_to_paper(session, "neo2024interpretin")


def test_weights_live_in_one_place_and_change_the_ranking(session):
    names = {row["weight"] for row in weight_table()}
    assert {
        "text",
        "same_leaf",
        "sibling_leaf",
        "same_perspective",
        "model",
        "technique",
        "modality",
        "author",
        "relation",
    } <= names
    default = related_to_paper(session, "neo2024interpreting")
    no_relations = find_related(session, paper="neo2024interpreting", weights=replace(WEIGHTS, relation=0.0))
    assert by_key(no_relations)["muller2024sehen"].score < by_key(default)["muller2024sehen"].score
    assert "relation" not in by_key(no_relations)["muller2024sehen"].components


def test_deterministic(session):
    first = find_related(session, text="object hallucination in vision-language models", k=5)
    for _ in range(3):
        again = find_related(session, text="object hallucination in vision-language models", k=5)
        assert again.as_dict() == first.as_dict()


def test_ties_are_broken_by_key(session):
    # Only taxonomy counts, and same leaf weighs as much as same perspective: neo2024interpreting (same leaf)
    # and muller2024sehen (same perspective) tie for this seed, and the tie is resolved alphabetically.
    zero = {name: 0.0 for name in ("text", "relation", "model", "technique", "modality", "author")}
    weights = replace(WEIGHTS, same_leaf=1.0, same_perspective=1.0, **zero)
    result = find_related(session, paper="nostalgebraist2020interpreting", weights=weights)
    assert [(p.key, p.score) for p in result.papers] == [("muller2024sehen", 1.0), ("neo2024interpreting", 1.0)]


def test_k_limits_and_validates(session):
    assert len(find_related(session, paper="neo2024interpreting", k=1).papers) == 1
    with pytest.raises(RelatedInputError, match="at least 1"):
        find_related(session, text="x", k=0)
    result = find_related(session, text="hallucination", k=10_000)
    assert result.notes and "more than" in result.notes[0]


def test_filters(session):
    result = find_related(session, paper="neo2024interpreting", filters=CandidateFilters(category="model"))
    assert {p.key for p in result.papers} == {"nostalgebraist2020interpreting", "muller2024sehen"}
    result = find_related(
        session, paper="neo2024interpreting", filters=CandidateFilters(category="Decision-Making Workflow")
    )
    assert [p.key for p in result.papers] == ["nostalgebraist2020interpreting"]
    result = find_related(session, paper="neo2024interpreting", filters=CandidateFilters(has_code=True))
    assert [p.key for p in result.papers] and all(p.code_url for p in result.papers)
    result = find_related(session, paper="neo2024interpreting", filters=CandidateFilters(year_from=2021, year_to=2023))
    assert [p.key for p in result.papers] == ["li2023evaluating"]
    result = find_related(session, paper="neo2024interpreting", filters=CandidateFilters(year_to=2019))
    assert result.papers == [] and result.message


@pytest.mark.parametrize(
    "filters, message",
    [
        (CandidateFilters(category="model/token/nope"), "unknown taxonomy node 'model/token/nope'"),
        (CandidateFilters(year_from=2025, year_to=2020), "year range 2025-2020 is empty"),
        (CandidateFilters(year_from="soon"), "must be a year"),
        (CandidateFilters(year_to=99999), "four-digit year"),
    ],
)
def test_bad_filters_are_clear_errors(session, filters, message):
    with pytest.raises(RelatedInputError, match=message):
        find_related(session, text="attention", filters=filters)


def test_exactly_one_input(session):
    with pytest.raises(RelatedInputError, match="exactly one"):
        find_related(session)
    with pytest.raises(RelatedInputError, match="exactly one"):
        find_related(session, text="a", paper="b")


BIB = r"""
@article{mine1,
  title  = {Towards interpreting visual information processing in vision-language models},
  author = {Someone, Else},
  year   = 2024,
}
@misc{mine2, title = {Totally different title}, eprint = {2305.10355v3}, archivePrefix = {arXiv}}
@misc{mine3, title = {Something}, doi = {https://doi.org/10.1234/FIXTURE.2024.001}}
@misc{mine4, title = {A paper the atlas does not have, about the logit lens}, author = {Geva, Mor}}
"""


def test_bib_matches_by_title_arxiv_id_and_doi_and_leaves_them_out(session):
    result = find_related(session, bib=BIB)
    assert result.kind == "bib"
    assert {(x.bib_key, x.key, x.by) for x in result.matched} == {
        ("mine1", "neo2024interpreting", "title"),
        ("mine2", "li2023evaluating", "arXiv id"),
        ("mine3", "muller2024sehen", "DOI"),
    }
    assert result.unmatched == ["mine4"]
    keys = [p.key for p in result.papers]
    assert set(keys) == {"nostalgebraist2020interpreting", "leng2024mitigating"}
    logit = by_key(result)["nostalgebraist2020interpreting"].reasons
    assert says(logit, "Your paper neo2024interpreting builds on it")
    assert says(logit, "It is filed under Decision-Making Workflow, like 1 of your papers")
    assert any("“logit”" in r for r in logit)  # from the unmatched entry's title


def test_bib_from_path_bytes_and_latin1(session, tmp_path: Path):
    path = tmp_path / "refs.bib"
    path.write_bytes(BIB.encode("latin-1"))
    assert len(find_related(session, bib=path).matched) == 3
    latin = "@misc{x, title = {Müller's Sehen und Verstehen}}".encode("latin-1")
    result = find_related(session, bib=latin)
    assert any("Latin-1" in note for note in result.notes)
    with pytest.raises(RelatedInputError, match="cannot read"):
        find_related(session, bib=tmp_path / "missing.bib")


def test_bib_without_entries_or_with_broken_entries(session):
    result = find_related(session, bib="just some text, no entries")
    assert result.papers == [] and "no BibTeX entries" in result.message
    result = find_related(session, bib="@article{broken, title = {unclosed\n" + BIB)
    assert result.papers or result.notes


def test_bib_with_nothing_in_the_atlas_still_ranks_by_titles(session):
    result = find_related(session, bib="@misc{a, title = {Contrastive decoding against hallucination}}")
    assert not result.matched and any("none of the 1 entries" in n for n in result.notes)
    assert result.papers[0].key == "leng2024mitigating"


def test_several_papers(session):
    result = find_related(session, papers=["neo2024interpreting", "muller2024sehen"])
    assert result.kind == "papers"
    assert {p.key for p in result.papers}.isdisjoint({"neo2024interpreting", "muller2024sehen"})
    logit = by_key(result)["nostalgebraist2020interpreting"].reasons
    assert says(logit, "It is filed under Decision-Making Workflow, like 1 of your papers")


def test_bibtex_and_json_formats(session):
    import json

    import bibtexparser

    result = related_to_paper(session, "neo2024interpreting", k=3)
    library = bibtexparser.parse_string(render(session, result, "bibtex"))
    assert [e.key for e in library.entries] == [p.key for p in result.papers]
    rows = json.loads(render(session, result, "json"))
    assert [r["key"] for r in rows] == [p.key for p in result.papers]
    assert all(isinstance(r["reasons"], list) and r["title"] and r["score"] > 0 for r in rows)
    with pytest.raises(RelatedInputError, match="unknown format"):
        render(session, result, "yaml")


def test_a_text_reason_agrees_its_verb_with_the_fields_it_names():
    """One field takes "uses", several or a plural one take "use" (the page once read "Its summary use your word",
    then "Its techniques uses your word")."""
    from explorer.related.reasons import _text_reason
    from explorer.related.textmatch import WordMatch

    one_field = _text_reason([WordMatch("decoding", 0.6, ["summary"])], 0.6)
    two_fields = _text_reason([WordMatch("logit", 1.0, ["title", "summary"]), WordMatch("lens", 0.5, ["title"])], 1.5)
    assert one_field == "Its summary uses your word “decoding” (0.6) (0.6 points)"
    assert two_fields.startswith("Its title and summary use your words “logit” (1.0), “lens” (0.5)")
    for plural in ("techniques", "models", "authors", "reasons for its categories"):
        assert _text_reason([WordMatch("based", 0.4, [plural])], 0.4).startswith(f"Its {plural} use your word")


def test_a_text_reason_says_which_of_your_words_counted_less_as_everyday_words(bundled_db):
    from explorer.db import open_session
    from explorer.related import find_related

    with open_session(bundled_db) as session:
        reasons = [r for p in find_related(session, text="a photo of neurons", k=10).papers for r in p.reasons]
    said = [r for r in reasons if "“photo” (" in r]
    assert said and all("an everyday word, so it counts less" in r for r in said)
    neurons = [r for r in reasons if "“neurons” (" in r]
    assert neurons and not any(re.search(r"“neurons” \([0-9.]+, an everyday", r) for r in neurons)

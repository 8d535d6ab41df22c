"""The judged questions of benchmarks/related_judged.yaml against the bundled papers: the file stays valid as
the data changes, and the ranking does not get worse on them (benchmarks/bench_related.py prints the numbers)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from explorer.related.judged import Judged, load_judged, mean, ndcg_at, recall_at, score_question
from kb.schema import Paper

# A little under what `python benchmarks/bench_related.py --quality-only` measured on the 330 papers of data/ with
# the vocabulary's plain descriptions, everyday informal phrasings and topics (keywords 0.909 / 0.909, paraphrased
# 0.760 / 0.740, held-out 0.839 / 0.718, heldout2 0.789 / 0.708, heldout3 0.603 / 0.436, heldout4 0.824 / 0.639 as
# measured before recall14c, which added topics after reading the misses of every set but heldout4 and heldout5, so
# paraphrased, heldout and heldout3 are no longer blind).
# heldout3 and heldout4 were written and committed blind to the ranking, so they are the fair measure: heldout3
# measured 0.487 / 0.351 before the informal phrasings (written after reading the other sets), heldout4 0.730 / 0.579
# the first time it was scored, before the topics (written without reading it). Issue 14's targets are 0.9 and 0.8
# recall@10, which the paraphrased questions do not all reach yet. heldout5 (34 questions, also written and judged
# blind to the ranking) measured 0.629 / 0.502 the first time it was scored, with the ranking as it was then, and
# 0.656 / 0.514 with recall14c merged (heldout4 then 0.819 / 0.646); its floor sits a little below that. heldout6 (38
# questions, written, judged and committed blind to the ranking like heldout5) measured 0.811 / 0.637 the first time it
# was scored, on main at b1f5f0a (recall14c merged); its floor sits a little below that.
# recall14d (everyday words of a question weigh less) measured paraphrased 0.784 / 0.758, heldout 0.849 / 0.734 and
# heldout3 0.618 / 0.457, keywords and heldout2 unchanged; on the blind sets, scored by the lead at merge: heldout4
# 0.819 / 0.646 -> 0.797 / 0.633, heldout5 0.656 / 0.514 -> 0.670 / 0.522, heldout6 0.811 / 0.637 -> 0.825 / 0.653
# (over the 117 blind questions recall@10 0.769 either way, nDCG@10 0.605 -> 0.607). It was kept for the tuning sets'
# gain with the blind sets even; heldout4's recall floor was lowered to 0.78 for it, heldout5's and heldout6's
# raised. recall14e (a topic's spelling counts only when its words stand close together) measured paraphrased
# 0.779 / 0.758, heldout 0.887 / 0.781, heldout3 0.628 / 0.461, keywords and heldout2 unchanged: heldout's and
# heldout3's floors follow; the blind sets, scored by the lead at merge, did not move (heldout4 nDCG 0.633 -> 0.632,
# the rest equal). recall14f (a question that spells out a concept's name counts its words more for that concept)
# measured paraphrased 0.800 / 0.772, the other tuning sets unchanged: paraphrased's floor follows. The blind sets,
# scored by the lead at merge, rose: heldout4 0.797 / 0.632 -> 0.823 / 0.643, heldout5 0.670 / 0.522 -> 0.670 / 0.533,
# heldout6 0.825 / 0.653 -> 0.825 / 0.662; their floors follow, a little below. Raise these when it gets better.
FLOORS = {  # (recall@10, nDCG@10)
    "keywords": (0.9, 0.9),
    "paraphrased": (0.79, 0.76),
    "heldout": (0.87, 0.76),
    "heldout2": (0.77, 0.69),
    "heldout3": (0.61, 0.45),
    "heldout4": (0.80, 0.63),
    "heldout5": (0.65, 0.52),
    "heldout6": (0.80, 0.65),
}


KNOWLEDGE_BASE = "bundled_db"  # the session (related/conftest.py) opens the repository's own data


def test_every_judged_paper_is_in_the_atlas(session):
    keys = set(session.scalars(select(Paper.key)))
    judged = load_judged()
    assert len(judged["paraphrased"]) >= 30 and len(judged["keywords"]) >= 30 and len(judged["heldout"]) >= 15
    assert len(judged["heldout2"]) >= 10 and len(judged["heldout3"]) >= 15
    assert len(judged["heldout4"]) >= 30 and len(judged["heldout5"]) >= 30 and len(judged["heldout6"]) >= 30
    for name, questions in judged.items():
        for item in questions:
            assert item.relevant and item.relevant <= keys, (name, item.question, sorted(item.relevant - keys))


def test_metrics():
    relevant = frozenset({"a", "b", "c"})
    assert recall_at(["a", "x", "b"], relevant, 10) == pytest.approx(2 / 3)
    assert recall_at(["a", "b"], frozenset(f"k{i}" for i in range(12)) | {"a", "b"}, 2) == 1.0  # at most k count
    assert ndcg_at(["a", "b", "c"], relevant, 10) == pytest.approx(1.0)
    assert ndcg_at(["x", "a"], frozenset({"a"}), 10) == pytest.approx(1 / 1.5849625, rel=1e-6)


@pytest.mark.parametrize("name", list(FLOORS))
def test_the_ranking_keeps_its_level(session, name):
    scored = [score_question(session, item) for item in load_judged()[name]]
    recall, ndcg = mean(s.recall for s in scored), mean(s.ndcg for s in scored)
    worst = sorted(scored, key=lambda s: s.recall)[:5]
    floor_recall, floor_ndcg = FLOORS[name]
    assert recall >= floor_recall and ndcg >= floor_ndcg, (recall, ndcg, [(s.question, s.missed) for s in worst])


def test_a_question_the_papers_words_do_not_use(session):
    # The example: "polysemantic" finds the paper whose summary says "polysemanticity" (it ranked 14th).
    item = Judged(
        "We probe CLIP's image encoder neurons for polysemantic concepts", frozenset({"gandelsman2024interpreting"})
    )
    assert "gandelsman2024interpreting" in score_question(session, item, k=3).found


def test_words_are_added_only_where_the_question_lacks_the_papers_words(session):
    from explorer.related import find_related

    def added(text):
        reasons = [r for p in find_related(session, text=text, k=10).papers for r in p.reasons]
        return [r for r in reasons if "which your question describes" in r or "your best matches share" in r]

    assert added("attention sink") == []  # a paper has both words: answered as asked
    assert added("models put most attention on a few tokens that carry no information")


def test_a_vocabulary_alias_names_a_technique_and_the_longest_name_wins(session):
    from explorer.related import find_related

    # "chain-of-thought faithfulness" is an alias of the faithfulness test; it does not also name chain of thought.
    reasons = [r for p in find_related(session, text="chain-of-thought faithfulness", k=10).papers for r in p.reasons]
    assert any("Self-explanation faithfulness testing, which your text names" in r for r in reasons), reasons
    assert not any("Chain of thought, which your text names" in r for r in reasons), reasons


def test_techniques_the_best_matches_share_count_and_say_so(session):
    from explorer.related import find_related

    result = find_related(session, text="why do vision-language models describe objects that are not in the picture")
    inferred = [r for p in result.papers for r in p.reasons if "like many of the best matches for your words" in r]
    assert inferred and all(r.startswith("It uses the technique") for r in inferred), inferred


def test_a_technique_the_question_describes_counts_for_its_papers_and_says_so(session):
    from explorer.related import find_related

    # Neither the name nor an alias of "Contrastive fine-tuning with hard negatives": the question describes it, in
    # words its definition and plain description use. sarkar2024mitigating shares none of the question's words.
    result = find_related(
        session, text="telling apart a right caption from nearly the same caption with one word swapped"
    )
    said = "It uses the technique Contrastive fine-tuning with hard negatives, which your question describes"
    described = [p.key for p in result.papers if any(r.startswith(said) for r in p.reasons)]
    assert "sarkar2024mitigating" in described, [(p.key, p.reasons) for p in result.papers]


@pytest.mark.parametrize(
    ("question", "technique"),
    [
        ("a lesion study of a vision-language model", "Ablation"),
        ("opting out of uncertain questions", "Selective prediction"),
        ("early exit predictions in a multimodal transformer", "Decoding intermediate layers"),
    ],
)
def test_an_everyday_phrasing_finds_the_technique(session, question, technique):
    from explorer.related import find_related

    # Words only the technique's informal phrasings use (taxonomy/vocabulary/techniques.yaml), not its name,
    # aliases or definition: without them the question does not describe it.
    said = f"It uses the technique {technique}, which your question describes"
    result = find_related(session, text=question, k=10)
    reasons = [r for p in result.papers for r in p.reasons]
    assert any(r.startswith(said) for r in reasons), reasons


def test_a_described_technique_counts_for_its_narrower_techniques_and_says_so(session):
    from explorer.related import find_related

    # The question describes hallucination mitigation; liu2026countering is annotated with the narrower post-hoc
    # correction only, and its reason names the technique the question describes.
    result = find_related(session, text="ways to keep the assistant from mentioning objects that are absent", k=10)
    said = "It uses the technique Post-hoc correction, a kind of Hallucination mitigation, which your question"
    reasons = {p.key: p.reasons for p in result.papers}
    assert any(r.startswith(said) for r in reasons.get("liu2026countering", [])), reasons

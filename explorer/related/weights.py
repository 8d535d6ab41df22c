"""Every number the related-work ranking uses, set in one place (see ``explorer.related`` for how they combine)."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Weights:
    """Every number the ranking uses; ``explorer.related`` says how they combine, ``explain_ranking`` says it in
    plain words."""

    text: float = 3.0  # BM25F relevance relative to the best hit (the best hit gets all of it)
    same_leaf: float = 3.0  # shares a taxonomy leaf
    sibling_leaf: float = 1.5  # its leaf has the same parent as a query leaf
    same_perspective: float = 0.5  # its leaf is under the same perspective (Data, Model, Training & Inference)
    extra_same_leaf: float = 0.5  # each further leaf in common
    # Free text: fraction of same_leaf for the leaves of the best text matches. Kept small, so it reorders papers
    # that match the text about equally well but never lifts a one-word match over a fuller one.
    inferred_leaf: float = 0.2
    inferred_leaf_share: float = 0.25  # ... a leaf counts when it holds this share of their relevance
    inferred_from_top: int = 10  # ... among this many best text matches
    # Free text: a technique holding this share of the best text matches' relevance counts for its other papers, at
    # ``technique`` times its rarity times ``inferred_technique`` times its share (no ``named`` boost).
    inferred_technique: float = 2.0
    inferred_technique_share: float = 0.15
    model: float = 1.5  # per shared model, times its rarity
    model_family: float = 0.5  # fraction of `model` for a model of the same family (LLaVA ~ LLaVA-1.5)
    model_cap: float = 3.0
    technique: float = 1.5  # per shared technique, times its rarity
    technique_cap: float = 3.0
    modality: float = 1.0  # per shared modality, times its rarity (image and text are nearly free)
    modality_cap: float = 1.0
    author: float = 1.0  # per shared author, times its rarity
    author_cap: float = 2.0
    named: float = 1.7  # free text: a model or technique the text names counts this many times (and its cap)
    # Per typed link with a seed paper, either direction. A link a curator wrote down is the surest sign of
    # related work, so it outweighs a shared leaf plus a good text match.
    relation: float = 5.0
    relation_cap: float = 8.0
    # How the BM25F text score weighs the fields of a paper: title, summary, why (its categories' reasons),
    # technique, models, authors (explorer.related.textindex).
    bm25_columns: tuple[float, float, float, float, float, float] = (3.0, 1.0, 1.0, 2.0, 2.0, 1.0)
    bm25_b: float = 0.75  # how much a long field is penalised (0: not at all, 1: in proportion to its length)
    bm25_k1: float = 1.2  # how fast repeating a word stops adding to the score
    # Free text: an everyday word (rarer among the papers than among the vocabulary's descriptions: "picture",
    # "photo", "thing") weighs (its idf in the descriptions / its idf in the papers) ** everyday
    # (explorer.related.concepts.everyday_weights). recall14d, on the tuning sets, recall@10/nDCG@10 from
    # paraphrased 0.760/0.740, heldout 0.839/0.718, heldout3 0.603/0.436: at 1 0.774/0.748, 0.849/0.722, 0.603/0.435;
    # at 2 0.784/0.758, 0.849/0.734, 0.618/0.457; at 3 0.783/0.759, 0.840/0.731, 0.623/0.455 (heldout2 nDCG
    # 0.708 -> 0.689); keywords unchanged throughout (0.909/0.909).
    everyday: float = 2.0
    text_candidates: int = 300  # best text matches that get a text score
    text_concepts: int = 64  # most telling query words searched for ...
    text_row_budget: int = 60_000  # ... while the papers containing them add up to at most this
    # Meaning (free text only, explorer.related.concepts): the named things the question describes add their
    # names to the searched words, each word weighing ``expansion`` times how well the question matched, times the
    # share of the question's words its best match lacks (none when a paper has them all).
    # How a question is matched to a concept's names, definition (with its plain and informal descriptions) and its
    # papers' text. recall14e tried the definition at 3 instead of 2: the tuning sets rose (paraphrased recall@10
    # 0.779 -> 0.797, heldout 0.887 -> 0.896) but the floors of the blind sets heldout4 and heldout5 in
    # tests/related/test_related_judged.py failed, so it stays at 2. Papers' text at 0.25 or 1 lowered paraphrased.
    concept_fields: tuple[float, float, float] = (2.0, 2.0, 0.5)
    # A concept the question names, spelling out one of its names or aliases word for word ("word order"; a name of
    # one word only when no other concept's names use it: "polysemantic"), counts the words of that spelling this
    # much again (explorer.related.concepts.named_concepts). recall14f, on the tuning sets, recall@10/nDCG@10 of
    # paraphrased from 0.779/0.758: names of two or more words, 0.795/0.768 at 0.3 to 1; with the one-word names,
    # 0.800/0.772 at 0.25 and 0.5, 0.800/0.771 at 1, 0.787/0.763 at 2 (where heldout2 fell from 0.789/0.708 to
    # 0.706/0.677); keywords (0.909/0.909), heldout (0.887/0.781), heldout2 and heldout3 (0.628/0.461) unchanged at
    # 0.25 and 0.5.
    concept_named: float = 0.5
    expansion: float = 1.0
    expansion_min_strength: float = 0.2  # share of the question's words a concept must match to count
    expansion_concepts: int = 3  # best-matching concepts used, at most
    # A vocabulary technique among those concepts counts for its papers at ``technique`` times its rarity times
    # this times the strength of the match (no ``named`` boost; capped like a named technique). The strength is
    # small (a share of the question's words, times the share its best match lacks): at 10, a technique the
    # question describes about as well as a third of its words can earn about as much as the best text match.
    # Chosen among 0-30 on the paraphrased set, where 10-20 is a plateau; both held-out sets improve at 10.
    described_technique: float = 10.0
    # ... and each of its narrower techniques (in the vocabulary) at this fraction of that. Chosen among 0-1 on the
    # paraphrased set (0.25-0.5 a plateau, +0.01 recall@10); keywords and both held-out sets unchanged.
    described_narrower: float = 0.5
    # Topics (free text only, explorer.related.topics): a topic among the concepts the question describes best
    # counts for the papers whose own text names it, at ``topic`` times the topic's rarity times the strength of the
    # match (as for a described technique), at most ``topic_cap`` for all topics together. 20 rather than 15
    # (recall14c): paraphrased 0.730 -> 0.746, heldout 0.803 -> 0.839, heldout3 nDCG 0.379 -> 0.393, the other sets
    # unchanged; the strength is small, so a described topic still earns less than the best text match.
    topic: float = 20.0
    topic_cap: float = 3.0
    # A paper is about a topic when the words of one of its spellings stand at most this many other words (stop words
    # included) apart in its title, summary or a category reason (explorer.related.topics; before recall14e they
    # only had to be in the same text). Among 0-20 on the tuning sets, recall@10 of paraphrased, heldout, heldout3
    # from 0.784, 0.849, 0.618 with no limit: 0 0.771, 0.842, 0.620; 1 0.776, 0.864, 0.628; 3 0.779, 0.887, 0.628
    # (nDCG 0.758, 0.781, 0.461 from 0.758, 0.734, 0.457); 5 0.779, 0.849, 0.620; 10 0.779, 0.849, 0.620; keywords and
    # heldout2 unchanged throughout.
    topic_words_apart: int = 3
    # Feedback (free text only): words that most of the best first matches share are searched for too.
    feedback: float = 0.5  # weight of such a word found in all of them
    feedback_papers: int = 5  # best first matches read
    feedback_words: int = 8  # words added, at most
    min_reason: float = 0.05  # parts smaller than this are not listed as reasons
    min_score: float = 0.05  # papers scoring less are not returned (a match on a word nearly every paper has)


WEIGHTS = Weights()

MAX_K = 200
MAX_TEXT_CHARS = 200_000  # longer text is cut (with a note); 100 KB abstracts fit
MAX_MENTION_WORDS = 5_000  # model/technique names are looked for in the first words of free text
COMPONENTS = ("relation", "taxonomy", "text", "model", "technique", "topic", "author", "modality")
FEATURE_KINDS = ("model", "technique", "modality", "author")


def weight_table(weights: Weights = WEIGHTS) -> list[dict]:
    """The weights as rows (name, value), for documentation and scripts (the website explains them in prose)."""
    return [{"weight": f.name, "value": getattr(weights, f.name)} for f in fields(weights)]

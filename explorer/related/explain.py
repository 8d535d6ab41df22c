"""How the ranking works, in plain words, with the numbers taken from the weights in force (``Weights``).

The website's "How the ranking works" shows these paragraphs; ``atlas related`` documents the same in
``explorer/related/__init__.py``. Every number comes from the weights, so the text cannot drift from them.
"""

from __future__ import annotations

from explorer.related.weights import WEIGHTS, Weights


def explain_ranking(weights: Weights = WEIGHTS) -> list[str]:
    """Paragraphs, one per part of the score, most telling first; plain text with light Markdown emphasis."""
    w = weights
    return [
        "Every paper of the atlas gets points for what it shares with your question, and the papers with the most "
        "points come first (ties in alphabetical order of their keys). Each result lists what earned its points, "
        "largest part first. Your question is some text, a paper of the atlas, or the atlas papers your .bib file "
        "cites; those papers themselves are never returned.",
        f"**Links curators recorded.** A paper that builds on, extends, uses, evaluates, compares itself with or "
        f"critiques one of your papers, or that one of them builds on (and so on), gets {w.relation:g} points per "
        f"link, at most {w.relation_cap:g}: a link someone checked is the surest sign of related work.",
        f"**Words.** Your text is reduced to its words the way the papers are: capitals and accents do not "
        f"matter, and word endings are removed, so “neurons” finds “neuron” and “polysemantic” finds "
        f"“polysemanticity”. Words such as “the” or “and” are ignored, and a word that many papers use "
        f"(“model”, “method”, “analysis”) counts for much less than a rare one. An everyday word that papers "
        f"seldom use but plain descriptions of the field often do (“picture”, “photo”, “thing”) counts less too, "
        f"and a result that contains it says so: it tells how you put the question, not what the papers are "
        f"about; what you describe with it is found through its meaning (below). {_where(w)} A word "
        f"repeated in a long text counts less than in a short one. The best match gets {w.text:g} points and the "
        f"others their share of it; each result says which of your words it contains, where, and what each added.",
        f"**Meaning.** When you describe something in your own words, the question is compared with the "
        f"names, definitions, plain-language descriptions and informal phrasings of the techniques, models, "
        f"modalities and topics of the atlas's vocabulary and with the methods catalogue. A word of a description "
        f"counts {w.concept_fields[1] / w.concept_fields[2]:g} times as much as the same word in the papers that use "
        f"the term. When your question spells out one of an entry's names or aliases, such as “word order”, its "
        f"words count {1 + w.concept_named:g} times as much for that entry, so an entry that uses one of them in "
        f"another sense does not win; a name of a single word, such as “polysemantic”, counts so only when no other "
        f"entry's name uses it, and the words for kinds of input, such as “picture”, never do. The names and "
        f"aliases of the closest entries (at most {w.expansion_concepts}) are searched for too, and then the words "
        f"that most of the best first matches share (at most {w.feedback_words}). Such an "
        f"added word counts at most {_times(w.expansion)} one of yours when it names a close description, a shared "
        f"word at most {w.feedback:g} times as much, and less the more of your own words the best match already "
        f"contains: a question in the papers' own words is answered as asked. A result lists added words "
        f"separately, with where they came from.",
        f"**Taxonomy.** A paper filed under the same leaf as your paper gets {w.same_leaf:g} points "
        f"({w.extra_same_leaf:g} more for each further leaf in common), one in a neighbouring leaf of the same "
        f"group {w.sibling_leaf:g}, and one under the same perspective (Data, Model, or Training and Inference) "
        f"{w.same_perspective:g}. For text, the leaves that hold most of the best text matches count, at "
        f"{w.inferred_leaf * w.same_leaf:g} points, so that they reorder papers that match your words about "
        f"equally well without lifting a weak match over a strong one.",
        f"**Models, techniques, modalities and authors.** Each one a paper shares with your papers earns up to "
        f"{w.model:g} points for a model, {w.technique:g} for a technique, {w.modality:g} for a modality and "
        f"{w.author:g} for an author, less the more papers have it: a model nearly every paper studies counts for "
        f"almost nothing. A model of the same family (LLaVA and LLaVA-1.5) counts {w.model_family:g} times as much. "
        f"A model or technique your text names, by its name or another name the vocabulary gives it, counts "
        f"{w.named:g} times as much, since you asked for it (the longest name wins: “chain-of-thought "
        f"faithfulness” names the faithfulness test, not chain-of-thought prompting). For text, a technique that "
        f"the best text matches mostly use (at least {w.inferred_technique_share:.0%} of their points) counts for "
        f"the other papers that use it too, at up to {w.inferred_technique * w.technique:g} points times its share, "
        f"so that papers on the same subject are found when they do not share your words. A technique your text "
        f"describes without naming it (one of the closest descriptions above) counts for the papers that use it "
        f"too: {w.described_technique * w.technique:g} points times its rarity, times how closely your words match "
        f"its description and how much of your question the best match lacks, at most "
        f"{w.technique_cap * w.named:g} points. Its narrower techniques in the vocabulary (contrastive decoding under "
        f"hallucination mitigation) count for their papers too, at {w.described_narrower:g} times as much, and the "
        f"result says which technique your question describes.",
        f"**Topics.** The vocabulary also lists topics: what papers study rather than how (hallucination, "
        f"spatial reasoning, social bias and fairness, safety and jailbreaks, medicine, ...), each with its "
        f"names, a definition, a plain-language description and informal phrasings. A paper is about a topic "
        f"when its title, its summary or the reasons for its categories use one of the topic's names (every word "
        f"of it in the same one of those texts, at most {w.topic_words_apart} other words apart, word endings "
        f"ignored). When your text describes a topic (it is among the closest descriptions above), the papers "
        f"about it get {w.topic:g} points times the topic's rarity, times how closely your words match its "
        f"description and how much of your question the best match lacks, at most {w.topic_cap:g} points in all, "
        f"and the result says so: “It is about hallucination, which your question describes”. A broader topic "
        f"includes its narrower ones (hallucination includes object hallucination).",
        f"With several papers (a .bib file), what more of them share counts more. A paper that earns less than "
        f"{w.min_score:g} points in all is left out, and so is, for text, a paper that matches none of your "
        f"words, none of the models or techniques you name and none of the topics you describe.",
    ]


def _times(value: float) -> str:
    return "as much as" if value == 1 else f"{value:g} times as much as"  # "as much as", "0.5 times as much as"


_FIELDS_SAID = (
    "its title",
    "its summary",
    "the reasons for its categories",
    "its techniques",
    "its models",
    "its authors",
)


def _where(w: Weights) -> str:
    """'Where a word appears matters: in its title it counts 3 times as much as in its summary, ...'."""
    base = w.bm25_columns[1] or 1.0
    said = [
        f"in {name} {value / base:g} time{'' if value == base else 's'}"
        for name, value in zip(_FIELDS_SAID, w.bm25_columns, strict=True)
        if name != "its summary"
    ]
    return (
        "Where a word appears matters; compared with a paper's summary, it counts "
        + ", ".join(said[:-1])
        + f" and {said[-1]} as much."
    )

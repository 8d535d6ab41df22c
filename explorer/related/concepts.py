"""Meaning without a model download: the named things a question describes, added to the words it is searched with.

A *concept* is a named thing with a description, from three sources:

- the atlas's vocabulary (``taxonomy/vocabulary``, issue 12), when it exists: every technique, model family,
  model, modality and topic, with its aliases, its definition, its plain-language description and informal
  phrasings (what a researcher who does not know the term would say) and its narrower terms (a topic's papers are
  found by its spellings: ``explorer.related.topics``);
- the methods catalogue (``methods/catalog.yaml``): every method's name and description;
- the atlas's own papers: every technique phrase that at least ``MIN_PAPERS`` papers are annotated with
  ("sparse autoencoder", "contrastive decoding", "dpo"), described by those papers' titles, summaries and the
  reasons of their categories.

Each concept's text is indexed like a paper's (``CONCEPT_FIELDS``: its names, its definition, its papers' text).
The concepts are built with the rest of the index, without numpy, in ``explorer.related.parts``.
A question is scored against the concepts with BM25F; a concept it matches well adds its names to the searched
words, weighted by how well it matched (``strength``: its score as a share of the most the question's words
could give) times ``Weights.expansion``; the words of a name or alias that the question spells out count
``Weights.concept_named`` more for its concept (``named_concepts``). So "objects that are not in the picture"
also searches for "hallucination", and the reason says which concept the word came from. Everything is computed
from text that lives in this repository: nothing is downloaded.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace

import numpy as np

from explorer import fts
from explorer.related.parts import CONCEPT_FIELDS
from explorer.related.textindex import QueryWord, TextIndex, query_words
from explorer.related.weights import MAX_MENTION_WORDS, Weights


@dataclass
class Concepts:
    labels: list[str]  # concept -> how a reason names it ("the technique sparse autoencoder")
    names: list[list[str]]  # concept -> the names whose words a match adds to the question
    text: TextIndex  # the concepts' documents, fields parts.CONCEPT_FIELDS (built there)
    kinds: list[str]  # concept -> "technique", "model", "modality" or "topic" for a vocabulary term, "" for the rest
    # (topic concept, words apart or -1 without the full-text index) -> its papers, filled on use (topics.py)
    topic_cache: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    spelled: list[tuple[int, list[tuple[str, ...]]]] | None = None  # names that spell it, filled on use


def closest_concepts(concepts: Concepts, text: str, weights: Weights) -> list[tuple[int, float]]:
    """The concepts a question describes best, as (concept, strength), best first: at most
    ``Weights.expansion_concepts``, each matching at least ``expansion_min_strength`` of what the question's words
    could give."""
    asked = query_words(concepts.text, text, weights.text_concepts, concepts.text.docs.size)
    if not asked or not concepts.labels:
        return []
    field_weights = np.asarray(weights.concept_fields, dtype=np.float32)
    scores = np.zeros(len(concepts.labels))
    for question_word in asked:
        docs, s = concepts.text.term_scores(question_word.term, field_weights, weights.bm25_b, weights.bm25_k1)
        scores[docs] += s * question_word.weight
    most = {w.term: float(concepts.text.idf[w.term]) * w.weight * (weights.bm25_k1 + 1.0) for w in asked}
    ceiling = sum(most.values())
    for c, terms in named_concepts(concepts, text):
        scores[c] += weights.concept_named * sum(most.get(term, 0.0) for term in terms)
    strength = scores / max(ceiling, 1e-9)
    return [
        (int(c), min(1.0, float(strength[c])))
        for c in np.lexsort((np.arange(scores.size), -scores))[: weights.expansion_concepts]
        if strength[c] >= weights.expansion_min_strength
    ]


def named_concepts(concepts: Concepts, text: str) -> list[tuple[int, set[int]]]:
    """The concepts the question names: it spells out one of their names or aliases word for word, in that order
    (stems compared, function words skipped: "ignores word order" spells "word order"; in the first
    ``MAX_MENTION_WORDS`` words, as for named models and techniques), each with the terms of the first such
    spelling. A name of one word counts only when no other entry's names use that word and it is not a
    modality's (``_spelled_names``). Such a question names the concept; its words, scattered over many
    descriptions, would otherwise count as much for a description that uses one of them in another sense
    ("order" of events in a video)."""
    said = [fts.stem_word(word) for word in fts.content_words(text)[:MAX_MENTION_WORDS]]
    spelled = _spelled_names(concepts)
    lengths = {len(stems) for _, spellings in spelled for stems in spellings}
    runs = {tuple(said[i : i + n]) for n in lengths for i in range(len(said) - n + 1)}
    found = []
    for c, spellings in spelled:
        stems = next((stems for stems in spellings if stems in runs), None)
        if stems is not None:
            found.append((c, {t for t in (concepts.text.term_id.get(stem) for stem in stems) if t is not None}))
    return found


NAMES_FIELD = CONCEPT_FIELDS.index("names")
MODALITY_KIND = "modality"


def _spelled_names(concepts: Concepts) -> list[tuple[int, list[tuple[str, ...]]]]:
    """Every concept with the names that spell it, as stems (computed once per index): its names of two or more
    words, and its names of one word that no other concept's names use ("polysemantic", not "attention", which
    many techniques' names share). A modality's names are left out: they are the everyday words for a kind of
    input ("image", "picture", "sound") that nearly every question uses, and name nothing it asks about (counting
    them lowered heldout's nDCG@10 from 0.781 to 0.776, recall14f)."""
    if concepts.spelled is None:
        concepts.spelled = []
        for c, names in enumerate(concepts.names):
            if concepts.kinds[c] == MODALITY_KIND:
                continue
            stems = [tuple(fts.stem_word(word) for word in fts.content_words(name)) for name in names]
            spellings = [spelling for spelling in dict.fromkeys(stems) if _spells_one(concepts, spelling)]
            if spellings:
                concepts.spelled.append((c, spellings))
    return concepts.spelled


def _spells_one(concepts: Concepts, stems: tuple[str, ...]) -> bool:
    """Whether a name, as stems, can name a single concept: two or more words, or one word in one concept's names."""
    if len(stems) != 1:
        return len(stems) > 1
    term = concepts.text.term_id.get(stems[0])
    if term is None:
        return False
    _, tf = concepts.text.postings(term)
    return int(np.count_nonzero(tf[:, NAMES_FIELD])) == 1


def expansion_words(
    concepts: Concepts, papers: TextIndex, chosen: list[tuple[int, float]], known: set[int], weights: Weights
) -> list[QueryWord]:
    """Words to add to a question: the names of the concepts it matches best (``closest_concepts``), weighted by
    how well it matches."""
    added: dict[int, QueryWord] = {}
    for c, strength in chosen:
        weight = weights.expansion * strength
        for name in concepts.names[c]:
            for word in fts.content_words(name):
                term = papers.term_id.get(fts.stem_word(word))
                if term is None or term in known:
                    continue
                if term not in added or added[term].weight < weight:
                    added[term] = QueryWord(word, term, weight, concepts.labels[c])
    return sorted(added.values(), key=lambda w: (-w.weight, w.word))


DESCRIPTION_FIELD = CONCEPT_FIELDS.index("definition")  # a concept's definition, plain description and phrasings
EVERYDAY_SAID = 0.75  # a word weighed down to less than this share of its weight is named as everyday in a reason


def everyday_weights(concepts: Concepts, papers: TextIndex, words: list[QueryWord], power: float) -> list[QueryWord]:
    """The question's words, each everyday word weighed down: a word that papers seldom use but the vocabulary's
    descriptions often do ("picture", "photo", "thing", "kind") is how people say things, not a sign of what a paper
    is about, yet its rarity among the papers would make it the most telling word of the question. Its weight is
    multiplied by (its rarity among the concepts' descriptions / its rarity among the papers) ** ``power`` when that
    ratio is below 1 (rarity: idf, as in ``textindex``); the papers' own terms ("neuron", "hallucination") keep their
    weight, since the descriptions use them no more often than the papers do."""
    lengths = concepts.text.lengths
    described = int(np.count_nonzero(lengths[:, DESCRIPTION_FIELD] > 0)) if lengths.size else 0
    if described == 0 or power == 0:
        return words
    out = []
    for word in words:
        term = concepts.text.term_id.get(papers.terms[word.term])
        if term is not None:
            _, tf = concepts.text.postings(term)
            df = int(np.count_nonzero(tf[:, DESCRIPTION_FIELD]))
            ratio = math.log1p((described - df + 0.5) / (df + 0.5)) / float(papers.idf[word.term])
            if ratio < 1.0:
                factor = ratio**power
                word = replace(word, weight=word.weight * factor, everyday=factor < EVERYDAY_SAID)
        out.append(word)
    return out


def to_parts(concepts: Concepts, prefix: str) -> dict[str, object]:
    """JSON parts and arrays for storage (see explorer.related.index)."""
    return {
        f"{prefix}.json": json.dumps(
            {"labels": concepts.labels, "names": concepts.names, "kinds": concepts.kinds}, ensure_ascii=False
        ).encode("utf-8"),
        **concepts.text.arrays(prefix),
    }


def from_parts(parts: dict, arrays: dict, prefix: str) -> Concepts:
    meta = json.loads(parts[f"{prefix}.json"])
    kinds = meta.get("kinds") or [""] * len(meta["labels"])  # parts stored before concepts kept their kind
    return Concepts(
        labels=meta["labels"], names=meta["names"], text=TextIndex.from_arrays(parts, arrays, prefix), kinds=kinds
    )

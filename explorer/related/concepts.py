"""Meaning without a model download: the named things a question describes, added to the words it is searched with.

A *concept* is a named thing with a description, from three sources:

- the atlas's vocabulary (``taxonomy/vocabulary``, issue 12), when it exists: every technique, model family,
  model and modality, with its aliases, its definition, its plain-language description and informal phrasings
  (what a researcher who does not know the term would say) and its narrower terms;
- the methods catalogue (``methods/catalog.yaml``): every method's name and description;
- the atlas's own papers: every technique phrase that at least ``MIN_PAPERS`` papers are annotated with
  ("sparse autoencoder", "contrastive decoding", "dpo"), described by those papers' titles, summaries and the
  reasons of their categories.

Each concept's text is indexed like a paper's (``CONCEPT_FIELDS``: its names, its definition, its papers' text).
A question is scored against the concepts with BM25F; a concept it matches well adds its names to the searched
words, weighted by how well it matched (``strength``: its score as a share of the most the question's words
could give) times ``Weights.expansion``. So "objects that are not in the picture" also searches for
"hallucination", and the reason says which concept the word came from. Everything is computed from text
that lives in this repository: nothing is downloaded.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from explorer import fts
from explorer.related.textindex import QueryWord, TextIndex, build_text_index, query_words
from explorer.related.weights import Weights

CONCEPT_FIELDS = ("names", "definition", "papers")
MIN_PAPERS = 3  # a technique phrase becomes a concept when this many papers use it
MAX_PHRASE_WORDS = 3
MAX_EXAMPLE_PAPERS = 12  # papers whose text describes a concept (the first by key)
MAX_CONCEPTS = 2000  # the most used technique phrases, at most (bounds the build at 100,000 papers)


@dataclass
class Concepts:
    labels: list[str]  # concept -> how a reason names it ("the technique sparse autoencoder")
    names: list[list[str]]  # concept -> the names whose words a match adds to the question
    text: TextIndex  # the concepts' documents, fields CONCEPT_FIELDS
    kinds: list[str]  # concept -> "technique", "model" or "modality" for a vocabulary term, "" for the rest


@dataclass(frozen=True)
class Source:
    """One concept before indexing."""

    label: str
    names: tuple[str, ...]
    definition: str
    papers: tuple[int, ...]  # positions of papers that exemplify it
    kind: str = ""  # the vocabulary kind of a vocabulary term (its papers then count as using it)


def build_concepts(sources: list[Source], paper_texts: list[tuple[str, ...]]) -> Concepts:
    """Index the concepts; a concept's ``papers`` field is the title, summary and whys of its example papers."""
    sources = sorted(sources, key=lambda s: s.label)
    docs = [
        (
            " ; ".join(s.names),
            s.definition,
            " ".join(" ".join(paper_texts[p][:3]) for p in s.papers[:MAX_EXAMPLE_PAPERS]),
        )
        for s in sources
    ]
    return Concepts(
        labels=[s.label for s in sources],
        names=[list(s.names) for s in sources],
        text=build_text_index(docs, len(docs), width=len(CONCEPT_FIELDS)),
        kinds=[s.kind for s in sources],
    )


def technique_sources(technique_names: list[str], members: list[np.ndarray]) -> list[Source]:
    """Technique phrases shared by at least MIN_PAPERS papers: whole technique names, and runs of 2 to 3 words
    of them ("contrastive decoding" in "visual contrastive decoding"); single words of longer names are left
    out, as they rarely name a technique ("analysis", "visual")."""
    papers: dict[str, set[int]] = defaultdict(set)
    spelling: dict[str, str] = {}
    for name, positions in zip(technique_names, members, strict=True):
        words = fts.tokenize(name)
        for n in range(1, MAX_PHRASE_WORDS + 1):
            for start in range(len(words) - n + 1):
                if n == 1 and len(words) > 1:
                    continue
                phrase = words[start : start + n]
                if all(w in fts.STOP_WORDS or len(w) < 2 for w in phrase):
                    continue
                key = " ".join(fts.stem_word(w) for w in phrase)
                papers[key].update(positions.tolist())
                spelling[key] = min(spelling.get(key, " ".join(phrase)), " ".join(phrase))
    shared = [key for key, found in papers.items() if len(found) >= MIN_PAPERS]
    shared.sort(key=lambda key: (-len(papers[key]), key))
    return [
        Source(f"the technique “{spelling[key]}”", (spelling[key],), "", tuple(sorted(papers[key])))
        for key in shared[:MAX_CONCEPTS]
    ]


def method_sources(methods: list[tuple[str, str, str | None]], members: dict[str, list[int]]) -> list[Source]:
    """The methods catalogue: (id, name, description) with the papers that use each method."""
    return [
        Source(f"the method “{name}”", (name,), description or "", tuple(sorted(members.get(method_id, []))))
        for method_id, name, description in methods
    ]


def vocabulary_sources(feature_members) -> list[Source]:
    """The atlas's vocabulary (issue 12), when its files exist: every technique, model family, model and modality
    with its aliases, definition and narrower terms. ``feature_members(kind, names)`` gives the papers whose
    annotations name the term."""
    try:
        from taxonomy.vocabulary import read_vocabulary  # the vocabulary's own loader; absent before it lands
    except ImportError:
        return []
    vocabulary, _ = read_vocabulary()
    if vocabulary is None:  # the files have problems: `atlas validate` reports them; rank without it
        return []
    out = []
    for kind in ("technique", "model", "modality"):
        terms = vocabulary.terms(kind)
        for term in terms.values():
            narrower = [terms[t].name for t in vocabulary.narrower(kind, term.id) if t in terms]
            names = (term.name, *term.aliases, *narrower)
            out.append(
                Source(
                    f"the {kind} “{term.name}”",
                    tuple(dict.fromkeys(names)),
                    described(term),
                    tuple(feature_members(kind, (term.id, term.name, *term.aliases))),
                    kind,
                )
            )
    return out


def described(term) -> str:
    """A vocabulary term's description as a question may paraphrase it: its definition, its plain-language
    description and its informal phrasings (``plain`` and ``informal`` in taxonomy/vocabulary)."""
    parts = [term.definition or "", term.plain or "", *term.informal]
    return " ; ".join(part for part in parts if part)


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
    ceiling = sum(float(concepts.text.idf[w.term]) * w.weight for w in asked) * (weights.bm25_k1 + 1.0)
    strength = scores / max(ceiling, 1e-9)
    return [
        (int(c), min(1.0, float(strength[c])))
        for c in np.lexsort((np.arange(scores.size), -scores))[: weights.expansion_concepts]
        if strength[c] >= weights.expansion_min_strength
    ]


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

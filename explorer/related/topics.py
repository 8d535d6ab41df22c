"""Topics (``taxonomy/vocabulary/topics.yaml``): the phenomena, abilities, risks and application areas papers study.

No annotation names a topic. A paper is about a topic when its own text names it: its title, its summary or the
reasons of its categories holds every word of one of the topic's spellings (its name, an alias, or the name or an
alias of a narrower topic), each word compared by its stem, all in the same one of those texts. So "Analyzing and
Mitigating Object Hallucination ..." is about hallucination, and so is a summary that says "hallucinated objects".

The membership is read from the word index (``explorer.related.textindex``) when a question describes the topic,
so it needs nothing stored beyond the topic's names (a concept of ``explorer.related.concepts``, kind "topic"):
a few posting lists intersected per spelling.
"""

from __future__ import annotations

import numpy as np

from explorer import fts
from explorer.related.concepts import Concepts
from explorer.related.textindex import FIELDS, TextIndex

TOPIC_KIND = "topic"
# The fields of a paper whose words say what it is about (not its techniques, models or authors).
OWN_TEXT_FIELDS = tuple(FIELDS.index(name) for name in ("title", "summary", "why"))


def topic_papers(concepts: Concepts, text: TextIndex, concept: int) -> np.ndarray:
    """Positions (ascending) of the papers about a topic concept: those whose title, summary or category reasons
    hold every word of one of its spellings or of its narrower topics'. Computed once per topic and index."""
    papers = concepts.topic_cache.get(concept)
    if papers is None:
        spellings = [name for c in _with_narrower(concepts, concept) for name in concepts.names[c]]
        found = [_papers_with_all(text, terms) for terms in _spelling_terms(spellings, text)]
        papers = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        concepts.topic_cache[concept] = papers
    return papers


def _with_narrower(concepts: Concepts, concept: int) -> list[int]:
    """The topic concept and every topic below it. A concept's names are its term's name, aliases and narrower terms'
    names (``parts.vocabulary_sources``), and a topic's name belongs to no other topic (the vocabulary's spellings are
    unique), so the names after the first that name a topic are its narrower topics."""
    by_name = {
        names[0]: c
        for c, (names, kind) in enumerate(zip(concepts.names, concepts.kinds, strict=True))
        if names and kind == TOPIC_KIND
    }
    out, todo = [], [concept]
    while todo:
        c = todo.pop()
        if c not in out:
            out.append(c)
            todo.extend(by_name[name] for name in concepts.names[c][1:] if name in by_name)
    return out


def _spelling_terms(spellings: list[str], text: TextIndex) -> list[set[int]]:
    """Each spelling as the set of its words' term ids; a spelling with a word no paper has is left out."""
    out = []
    for spelling in spellings:
        terms = [text.term_id.get(fts.stem_word(word)) for word in fts.content_words(spelling)]
        if terms and all(term is not None for term in terms):
            out.append({term for term in terms if term is not None})
    return out


def _papers_with_all(text: TextIndex, terms: set[int]) -> np.ndarray:
    """Papers with every term in one and the same of their own-text fields."""
    width = len(OWN_TEXT_FIELDS)
    places: np.ndarray | None = None
    for term in sorted(terms, key=lambda t: int(text.df[t])):  # rarest first: the intersection shrinks fastest
        docs, tf = text.postings(term)
        rows, cols = np.nonzero(tf[:, OWN_TEXT_FIELDS])
        here = docs[rows].astype(np.int64) * width + cols
        places = here if places is None else np.intersect1d(places, here, assume_unique=True)
        if places.size == 0:
            break
    return np.unique(places // width) if places is not None else np.zeros(0, dtype=np.int64)

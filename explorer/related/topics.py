"""Topics (``taxonomy/vocabulary/topics.yaml``): the phenomena, abilities, risks and application areas papers study.

No annotation names a topic. A paper is about a topic when its own text names it: its title, its summary or the
reasons of its categories holds every word of one of the topic's spellings (its name, an alias, or the name or an
alias of a narrower topic), each word compared by its stem, all in the same one of those texts and at most
``Weights.topic_words_apart`` other words apart. So "Analyzing and Mitigating Object Hallucination ..." is about
hallucination, and so is a summary that says "hallucinated objects"; but a summary that says "several layers"
and, sentences later, "images" is not about several images at once (words of a spelling that met anywhere in a
summary made such topics reward papers not about them: recall14e).

The membership is read when a question describes the topic, so it needs nothing stored beyond the topic's names (a
concept of ``explorer.related.concepts``, kind "topic"): one FTS5 NEAR query of all its spellings on the full-text
index (``kb.fts``, which holds the positions of words). A database without that index (not an SQLite build) falls
back to the word index (``explorer.related.textindex``), which has no positions: there the words of a spelling may
be anywhere in the same text.
"""

from __future__ import annotations

import sqlite3

import numpy as np

from explorer import fts
from explorer.related import store
from explorer.related.concepts import Concepts
from explorer.related.index import load_index
from explorer.related.textindex import FIELDS, TextIndex
from explorer.related.weights import WEIGHTS

TOPIC_KIND = "topic"
# The fields of a paper whose words say what it is about (not its techniques, models or authors).
OWN_TEXT_FIELDS = tuple(FIELDS.index(name) for name in ("title", "summary", "why"))


def topic_papers(
    concepts: Concepts,
    text: TextIndex,
    concept: int,
    conn: sqlite3.Connection | None = None,
    position: dict[str, int] | None = None,
    words_apart: int = WEIGHTS.topic_words_apart,
) -> np.ndarray:
    """Positions (ascending) of the papers about a topic concept: those whose title, summary or category reasons
    hold every word of one of its spellings or of its narrower topics', at most ``words_apart`` other words apart
    when ``conn`` (with ``position``, paper key -> position) reaches a database with the full-text index. Computed
    once per topic and index. A one-word spelling is read from the word index, which is faster (at 100,000 papers
    the broadest topic took 0.43 s of CPU all from the full-text index, less than half of that so)."""
    key = (concept, words_apart if conn is not None else -1)
    papers = concepts.topic_cache.get(key)
    if papers is None:
        spellings = [name for c in _with_narrower(concepts, concept) for name in concepts.names[c]]
        several = [spelling for spelling in spellings if len(fts.content_words(spelling)) > 1]
        near = _papers_near(conn, position or {}, several, words_apart) if conn is not None else None
        loose = spellings if near is None else [spelling for spelling in spellings if spelling not in several]
        found = [_papers_with_all(text, terms) for terms in _spelling_terms(loose, text)]
        found += [near] if near is not None else []
        papers = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        concepts.topic_cache[key] = papers
    return papers


def papers_per_topic(conn: sqlite3.Connection) -> dict[str, int]:
    """Topic name -> how many papers of the knowledge base behind ``conn`` are about it (its narrower topics' papers
    included), by the membership related-work search uses (``topic_papers``). Keyed by name: the knowledge base knows
    a topic by the names it was built with."""
    index = load_index(conn)
    concepts = index.concepts
    return {
        names[0]: int(topic_papers(concepts, index.text, c, conn, index.position).size)
        for c, (names, kind) in enumerate(zip(concepts.names, concepts.kinds, strict=True))
        if names and kind == TOPIC_KIND
    }


def _papers_near(
    conn: sqlite3.Connection, position: dict[str, int], spellings: list[str], words_apart: int
) -> np.ndarray | None:
    """Papers whose title, summary or category reasons hold every word of one of the spellings, at most
    ``words_apart`` other words apart in any order (stems compared, as FTS5's porter tokenizer does); None without a
    full-text index. The spellings are the vocabulary's, each word quoted (``fts.quote``)."""
    groups = []
    for spelling in spellings:
        words = " ".join(fts.quote(word) for word in fts.content_words(spelling))
        if words:
            groups.append(f"NEAR({words}, {int(words_apart)})")
    if not groups:
        return np.zeros(0, dtype=np.int64)
    keys = store.fts_keys(conn, "{title summary why} : (" + " OR ".join(groups) + ")")
    if keys is None:
        return None
    return np.unique(np.asarray([position[key] for key in keys if key in position], dtype=np.int64))


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

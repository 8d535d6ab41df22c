"""The text part of the score: how well each paper's words match the question's (``explorer.related.textindex``).

``score_words`` scores every paper with BM25F against the searched words (the question's most telling ones, and
for free text the words its concepts and its best first matches add) and keeps the best ``text_candidates``; the
best gets ``Weights.text`` points and the others their share of it. It also remembers what each word contributed
to each paper, so that a reason can say which words matched, where, and how much they counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from explorer import fts
from explorer.related.textindex import FIELD_NAMES, QueryWord, TextIndex, position_in_sorted
from explorer.related.weights import Weights


@dataclass
class WordMatch:
    """One word of the question found in one paper."""

    word: str  # the user's spelling
    points: float  # what it added to the paper's score
    fields: list[str]  # where in the paper (names from FIELD_NAMES)
    added_from: str | None = None  # not in the question: the concept it came from, or FEEDBACK_SOURCE
    everyday: bool = False  # a word of the question that counted less as an everyday word


@dataclass
class TextMatch:
    words: list[QueryWord] = field(default_factory=list)  # searched for, most telling first
    hits: list[tuple[int, float]] = field(default_factory=list)  # (paper position, points), best first
    _per_word: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # word -> (papers, raw score)
    _scale: float = 0.0  # raw score -> points

    def words_in(self, index: TextIndex, paper: int) -> list[WordMatch]:
        """The searched words this paper contains, what each added to its score and where, largest first."""
        out = []
        for word, (docs, scores) in zip(self.words, self._per_word, strict=True):
            at = position_in_sorted(docs, paper)
            if at is not None and scores[at] > 0:
                fields = [FIELD_NAMES[f] for f in index.fields_with(word.term, paper)]
                points = float(scores[at]) * self._scale
                out.append(WordMatch(word.word, points, fields, word.added_from, word.everyday))
        return sorted(out, key=lambda w: (-w.points, w.word))


def score_words(index: TextIndex, words: list[QueryWord], excluded: np.ndarray, weights: Weights) -> TextMatch:
    """BM25F of every paper against the words; the seeds (``excluded``) score nothing."""
    match = TextMatch(words=list(words))
    if not words:
        return match
    field_weights = np.asarray(weights.bm25_columns, dtype=np.float32)
    total = np.zeros(index.size)
    for word in words:
        docs, scores = index.term_scores(word.term, field_weights, weights.bm25_b, weights.bm25_k1)
        scores = scores * word.weight
        total[docs] += scores
        match._per_word.append((docs, scores))
    total[excluded] = 0.0
    best = _best(total, weights.text_candidates)
    if best.size == 0:
        return match
    match._scale = weights.text / float(total[best[0]])
    match.hits = [(int(i), float(total[i]) * match._scale) for i in best]
    return match


FEEDBACK_SOURCE = "your best matches"


def feedback_words(index: TextIndex, texts: list[str], known: set[int], weights: Weights) -> list[QueryWord]:
    """Words that at least two of the best first matches share (pseudo-relevance feedback): the ones that say
    most (papers that have them times rarity), weighted by the share of those matches that have them."""
    having: Counter = Counter()
    spelling: dict[int, str] = {}
    for text in texts:
        terms = set()
        for word in fts.content_words(text):
            term = index.term_id.get(fts.stem_word(word))
            if term is not None and term not in known:
                terms.add(term)
                spelling.setdefault(term, word)
        having.update(terms)
    candidates = [t for t, n in having.items() if n >= 2 and index.df[t] >= 2]
    candidates.sort(key=lambda t: (-having[t] * float(index.idf[t]), spelling[t]))
    return [
        QueryWord(spelling[t], t, weights.feedback * having[t] / max(len(texts), 1), FEEDBACK_SOURCE)
        for t in candidates[: weights.feedback_words]
    ]


def _best(scores: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` highest positive scores, best first, ties by position."""
    hits = np.flatnonzero(scores > 0)
    if hits.size > limit:
        cut = np.partition(scores[hits], hits.size - limit)[hits.size - limit]
        hits = hits[scores[hits] >= cut]
    order = np.lexsort((hits, -scores[hits]))
    return hits[order][:limit]

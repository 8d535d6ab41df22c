"""The word index of related work: for every stemmed word, the papers whose text has it and how often, per field.

Fields (``FIELDS``): a paper's title, its summary, the ``why`` of each of its categories, its techniques, its
models and its authors. Words are reduced the same way at build and at query time (``explorer.fts.index_terms``:
case and accents folded, Porter stems, function words left out), so "polysemantic" finds "polysemanticity".

Scoring is BM25F (Robertson and Zaragoza, "The probabilistic relevance framework: BM25 and beyond", 2009): a
word's counts in the fields of a paper are divided by each field's length normalisation and added with the
field weights, then saturated,

    tf~ = sum_f w_f * tf_f / (1 - b + b * len_f / mean len_f)
    score(paper) = sum over query words of q_word * idf_word * tf~ * (k1 + 1) / (tf~ + k1),

with idf = ln(1 + (N - df + 0.5) / (df + 0.5)). A word most papers contain ("model", "method", "analysis",
"probe") is worth little because of its spread across the atlas, not because a list says so.

The arrays are built once per database build (``explorer.related.index``) and stored in the database, so a
query reads them instead of re-reading every paper.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from explorer import fts
from explorer.related.parts import TEXT_FIELDS

FIELDS = TEXT_FIELDS  # built by explorer.related.parts, which the build imports without numpy
FIELD_NAMES = {  # how a reason names the field a word was found in
    "title": "title",
    "summary": "summary",
    "why": "reasons for its categories",
    "technique": "techniques",
    "models": "models",
    "authors": "authors",
}


@dataclass
class TextIndex:
    terms: list[str]  # term id -> stem, sorted
    ptr: np.ndarray  # int64 [terms + 1]: the postings of term t are ptr[t]:ptr[t + 1]
    docs: np.ndarray  # int32 [postings]: paper positions, ascending within a term
    tf: np.ndarray  # uint8 [postings, fields]: occurrences of the term in each field of the paper
    lengths: np.ndarray  # float32 [papers, fields]: words in each field of each paper
    _norms: dict = field(default_factory=dict, repr=False)  # b -> [papers, fields] inverse length normalisation

    @property
    def size(self) -> int:
        return int(self.lengths.shape[0])

    @cached_property
    def term_id(self) -> dict[str, int]:
        return {term: i for i, term in enumerate(self.terms)}

    @cached_property
    def df(self) -> np.ndarray:
        return np.diff(self.ptr)

    @cached_property
    def idf(self) -> np.ndarray:
        n, df = self.size, self.df.astype(np.float64)
        return np.log1p((n - df + 0.5) / (df + 0.5))

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.ptr[term], self.ptr[term + 1]
        return self.docs[start:end], self.tf[start:end]

    def inverse_norms(self, b: float) -> np.ndarray:
        """1 / (1 - b + b * len / mean len) for every paper and field, computed once per value of b."""
        norms = self._norms.get(b)
        if norms is None:
            mean = self.lengths.mean(axis=0) if self.size else np.ones(self.lengths.shape[1], dtype=np.float32)
            norms = (1.0 / (1.0 - b + b * self.lengths / np.maximum(mean, 1e-9))).astype(np.float32)
            self._norms[b] = norms
        return norms

    def term_scores(self, term: int, field_weights: np.ndarray, b: float, k1: float) -> tuple[np.ndarray, np.ndarray]:
        """(paper positions, BM25F score of this one word in each of them)."""
        docs, tf = self.postings(term)
        weighted = (tf * self.inverse_norms(b)[docs]) @ field_weights
        return docs, self.idf[term] * weighted * (k1 + 1.0) / (weighted + k1)

    def arrays(self, prefix: str) -> dict[str, object]:
        """The index as named parts for storage: the terms as JSON, the rest as arrays."""
        return {
            f"{prefix}.terms.json": json.dumps(self.terms, ensure_ascii=False).encode("utf-8"),
            f"{prefix}.ptr": self.ptr,
            f"{prefix}.docs": self.docs,
            f"{prefix}.tf": self.tf,
            f"{prefix}.lengths": self.lengths,
        }

    @classmethod
    def from_arrays(cls, parts: dict[str, bytes], arrays: dict[str, np.ndarray], prefix: str) -> TextIndex:
        return cls(
            terms=json.loads(parts[f"{prefix}.terms.json"]),
            ptr=arrays[f"{prefix}.ptr"],
            docs=arrays[f"{prefix}.docs"],
            tf=arrays[f"{prefix}.tf"],
            lengths=arrays[f"{prefix}.lengths"],
        )

    def fields_with(self, term: int, doc: int) -> list[str]:
        """The fields of a paper that contain the word (empty when none does)."""
        docs, tf = self.postings(term)
        at = position_in_sorted(docs, doc)
        if at is None:
            return []
        return [FIELDS[f] for f in np.flatnonzero(tf[at])]


def position_in_sorted(ascending: np.ndarray, value: int) -> int | None:
    """Where ``value`` sits in an ascending array of paper positions, or None when it is not there (binary search)."""
    at = int(np.searchsorted(ascending, value))
    return at if at < ascending.size and int(ascending[at]) == value else None


@dataclass(frozen=True)
class QueryWord:
    """One word of the question as searched: the user's spelling, its stem and how much it weighs."""

    word: str  # as the user wrote it (first spelling seen), for reasons
    term: int  # id in the index
    weight: float  # query-side weight: (1 + ln count) for words of the question, less for added words
    added_from: str | None = None  # for a word the question did not contain: the vocabulary entry it came from
    everyday: bool = False  # weighed down as an everyday word (explorer.related.concepts.everyday_weights)


def query_words(index: TextIndex, text: str, max_words: int, row_budget: int) -> list[QueryWord]:
    """The question's most telling words that the index knows (words no paper has cannot match and are dropped).

    Words are taken rarest first while the papers they occur in add up to at most ``row_budget`` (the work a
    query does grows with that sum); the first word is always taken, so a question of common words still
    gets an answer.
    """
    counts: Counter = Counter()
    spelling: dict[str, str] = {}
    for word in fts.content_words(text):
        term = fts.stem_word(word)
        counts[term] += 1
        spelling.setdefault(term, word)
    known = []
    for term, count in counts.items():
        tid = index.term_id.get(term)
        if tid is not None:
            known.append(QueryWord(spelling[term], tid, 1.0 + math.log(count)))
    known.sort(key=lambda q: (-index.idf[q.term] * q.weight, q.word))
    chosen: list[QueryWord] = []
    budget = 0
    for candidate in known:
        cost = int(index.df[candidate.term])
        if chosen and (len(chosen) >= max_words or budget + cost > row_budget):
            continue
        chosen.append(candidate)
        budget += cost
    return chosen

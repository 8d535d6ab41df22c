"""Find a paper from whatever a researcher has at hand: a title's words, an author, a key, an arXiv id
or a DOI.

- An identifier (a key, an arXiv id with or without ``arXiv:``, version or abs/pdf URL, a DOI with or
  without ``doi:`` or resolver) that names one paper is an exact hit: the website opens that paper.
- Otherwise every word must match the paper somewhere: title, summary and the why of each leaf by
  stem (``interpreting`` finds *Interpretability*), author names as whole words with accents folded
  (``muller`` finds Müller, ``Neo`` finds Clement Neo but not *Neurons*), venue and key as words, and the
  vocabulary's terms by every name and alias: a paper's models with their family (``llava`` finds a
  paper on LLaVA-1.5), its techniques with every broader technique. Fields weigh differently
  (``FIELD_WEIGHTS``); ties go to the newer paper. When no paper has every word, the papers with the
  most of them are returned and the result says so.
- A query that is a term's name or alias (``logit lens``, ``LLaVA``) also names that term, so the
  website can offer its technique or model page.
- A query word that no paper has, spelled like a word papers do have (``schwettman``, ``halucination``),
  gets that word as a suggestion (``SearchResult.suggestion``), which the website offers as a search.

The index is built once per catalogue (``SearchIndex.build``); a query then costs a pass over sets.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property, lru_cache

import snowballstemmer

from explorer.fts import STOP_WORDS, tokenize
from explorer.paper_catalog import PaperCatalog, PaperRecord
from ingest.identifiers import find_typed, normalise_arxiv_id, normalise_doi, typed_identifier
from taxonomy.vocabulary import Vocabulary

FIELD_WEIGHTS = {
    "key": 6.0,
    "title": 4.0,
    "author": 4.0,
    "model": 2.0,
    "technique": 2.0,
    "venue": 1.0,
    "summary": 1.0,
    "why": 1.0,
}
RESULT_LIMIT = 200
# A query word that no paper has gets the closest word papers do have as a suggestion ("schwettman" ->
# "schwettmann"): only words this long, this similar (difflib's ratio) and this many per query, so a typo is
# caught and the work stays small on any input.
SUGGEST_MIN_LENGTH = 4
SUGGEST_CUTOFF = 0.8
SUGGEST_WORDS = 5

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The English (Snowball) stem of a lower-case word: interpreting, interpretation -> interpret."""
    return _STEMMER.stemWord(word)


def stems(text: str | None) -> frozenset[str]:
    return frozenset(stem(word) for word in tokenize(text or ""))


def words(text: str | None) -> frozenset[str]:
    return frozenset(tokenize(text or ""))


@dataclass(frozen=True)
class _Entry:
    paper: PaperRecord
    fields: dict[str, frozenset[str]]  # field -> its words (stems for prose fields)
    why_stems: tuple[frozenset[str], ...]  # per leaf, in the order of paper.leaves


_STEMMED = ("title", "summary", "why")


def _spellings(vocabulary: Vocabulary, kind: str, term_ids) -> list[str]:
    """Every name and alias of the terms (ids of terms the vocabulary lacks stand for themselves)."""
    out = []
    for term_id in term_ids:
        term = vocabulary.term(kind, term_id)
        out += [term.name, *term.aliases] if term else [term_id]
    return out


def _entry(paper: PaperRecord, vocabulary: Vocabulary) -> _Entry:
    why_stems = tuple(stems(why) for why in paper.whys)
    models = _spellings(vocabulary, "model", paper.model_terms or paper.models)
    techniques = _spellings(vocabulary, "technique", paper.technique_terms or paper.techniques)
    fields = {
        "key": frozenset([paper.key.casefold()]),
        "title": stems(paper.title),
        "author": frozenset(w for name in paper.authors for w in tokenize(name)),
        "model": frozenset(w for name in models for w in tokenize(name)),
        "technique": frozenset(stem(w) for name in techniques for w in tokenize(name)),
        "venue": words(paper.venue),
        "summary": stems(paper.summary),
        "why": frozenset().union(*why_stems),
    }
    return _Entry(paper, fields, why_stems)


@dataclass(frozen=True)
class SearchHit:
    paper: PaperRecord
    score: float
    matched: tuple[str, ...]  # the fields that matched, strongest first ("title", "author", ...)
    words_matched: int
    leaf: str | None  # the leaf whose why is shown: the one that best matches the query, else the first
    why: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[SearchHit]
    total: int  # matching papers (hits holds at most RESULT_LIMIT)
    exact: str | None = None  # the key of the one paper the query identifies (key, arXiv id, DOI)
    partial: bool = False  # no paper has every word: the hits have the most of them
    identifier: str | None = None  # the identifier the query was read as ("arXiv 2209.15162"), if any
    terms: tuple[tuple[str, str, str], ...] = ()  # (kind, id, name) of each term the whole query names
    suggestion: str | None = None  # the query with each word no paper has replaced by the closest one papers have


class SearchIndex:
    def __init__(self, catalog: PaperCatalog):
        self.catalog = catalog
        self.vocabulary = catalog.vocabulary
        self.entries = [_entry(p, catalog.vocabulary) for p in catalog.papers]
        self.by_arxiv = {(normalise_arxiv_id(p.arxiv_id) or "").casefold(): p.key for p in catalog.papers if p.arxiv_id}
        self.by_doi = {doi: p.key for p in catalog.papers if (doi := normalise_doi(p.doi))}
        self.by_key = {p.key.casefold(): p.key for p in catalog.papers}

    @classmethod
    def build(cls, catalog: PaperCatalog) -> SearchIndex:
        return cls(catalog)

    def search(self, query: str, limit: int = RESULT_LIMIT) -> SearchResult:
        text = (query or "").strip()
        exact, identifier = self.identify(text)
        if exact is not None:
            hit = self._hit(self._entry_of(exact), [], 0.0, ("identifier",))
            return SearchResult(text, [hit], 1, exact=exact, identifier=identifier)
        terms = _query_terms(text)
        named = self.named_terms(text)
        if not terms:
            return SearchResult(text, [], 0, identifier=identifier, terms=named)
        scored = [self._score(entry, terms) for entry in self.entries]
        best = max((s[1] for s in scored if s), default=0)
        suggestion = self.suggest(text, terms) if best < len(terms) else None
        if best == 0:
            return SearchResult(text, [], 0, identifier=identifier, terms=named, suggestion=suggestion)
        hits = [s[0] for s in scored if s and s[1] == best]
        hits.sort(key=lambda h: (-h.score, -(h.paper.year or 0), h.paper.title.casefold()))
        return SearchResult(
            text,
            hits[:limit],
            len(hits),
            partial=best < len(terms),
            identifier=identifier,
            terms=named,
            suggestion=suggestion,
        )

    def suggest(self, text: str, terms: list[tuple[str, str]]) -> str | None:
        """The query with each of its words that no paper has (in any field) replaced by the most similar word
        papers do have; None when no word was replaced."""
        replaced: dict[str, str] = {}
        for word, word_stem in terms:
            if len(replaced) == SUGGEST_WORDS or len(word) < SUGGEST_MIN_LENGTH:
                continue
            if word in self._known or word_stem in self._known:
                continue
            close = difflib.get_close_matches(word, self._spelled, n=1, cutoff=SUGGEST_CUTOFF)
            if close:
                replaced[word] = close[0]
        if not replaced:
            return None
        return " ".join(replaced.get(word, word) for word in tokenize(text))

    @cached_property
    def _known(self) -> frozenset[str]:
        """Every value any field of any paper has: a query word (or its stem) among them matches some paper."""
        return frozenset().union(*(values for entry in self.entries for values in entry.fields.values()))

    @cached_property
    def _spelled(self) -> list[str]:
        """The words papers are written with (titles, authors, models, techniques, venues; not stems), to suggest."""
        found: set[str] = set()
        for entry in self.entries:
            paper = entry.paper
            for text in (paper.title, paper.venue, *paper.authors, *paper.models, *paper.techniques):
                found.update(w for w in tokenize(text or "") if len(w) >= SUGGEST_MIN_LENGTH)
        return sorted(found)

    def named_terms(self, text: str) -> tuple[tuple[str, str, str], ...]:
        """(kind, id, name) of the technique and the model (or family) whose id, name or alias is the text."""
        found = []
        for kind in ("technique", "model"):
            term_id = self.vocabulary.resolve(kind, text) if text else None
            if term_id is not None:
                found.append((kind, term_id, self.vocabulary.label(kind, term_id)))
        return tuple(found)

    def identify(self, text: str) -> tuple[str | None, str | None]:
        """(key, how the query was read) when the whole query is a key, an arXiv id or a DOI of a paper here;
        (None, how it was read) for an identifier the atlas does not hold; (None, None) for anything else."""
        if not text:
            return None, None
        if text.casefold() in self.by_key:
            return self.by_key[text.casefold()], "key"
        typed = typed_identifier(text)
        if typed is None:
            return None, None
        kind, value = typed
        return find_typed(typed, self.by_arxiv, self.by_doi), f"{'arXiv' if kind == 'arxiv' else 'DOI'} {value}"

    def _entry_of(self, key: str) -> _Entry:
        return next(e for e in self.entries if e.paper.key == key)

    def _score(self, entry: _Entry, terms: list[tuple[str, str]]) -> tuple[SearchHit, int] | None:
        score, matched_fields, matched_words = 0.0, set(), 0
        for word, word_stem in terms:
            found = [
                name
                for name, values in entry.fields.items()
                if (word_stem if name in _STEMMED or name == "technique" else word) in values
            ]
            if found:
                matched_words += 1
                matched_fields.update(found)
                score += max(FIELD_WEIGHTS[name] for name in found) + 0.1 * len(found)
        if not matched_words:
            return None
        order = sorted(matched_fields, key=lambda name: -FIELD_WEIGHTS[name])
        return self._hit(entry, terms, score, tuple(order), matched_words), matched_words

    def _hit(self, entry: _Entry, terms, score: float, matched: tuple[str, ...], words_matched: int = 0) -> SearchHit:
        paper = entry.paper
        if not paper.leaves:
            return SearchHit(paper, score, matched, words_matched, None, "")
        wanted = {s for _, s in terms}
        overlap = [len(wanted & why) for why in entry.why_stems] or [0]
        best = max(range(len(paper.leaves)), key=lambda i: (overlap[i] if i < len(overlap) else 0, -i))
        why = paper.whys[best] if best < len(paper.whys) else ""
        return SearchHit(paper, score, matched, words_matched, paper.leaves[best], why)


def _query_terms(text: str) -> list[tuple[str, str]]:
    """(word, stem) for each distinct word of the query; stop words dropped unless nothing else is left."""
    tokens = list(dict.fromkeys(tokenize(text)))
    content = [t for t in tokens if t not in STOP_WORDS] or tokens
    return [(t, stem(t)) for t in content]

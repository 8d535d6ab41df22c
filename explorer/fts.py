"""Turn any user text into a safe SQLite FTS5 query, and look terms up in the full-text index.

User text never reaches FTS5's query parser as syntax: it is split into words the way the
index's ``unicode61 remove_diacritics 2`` tokenizer splits them (letters and digits, case and
accents folded), and every word is sent as a double-quoted string joined with ``OR``. So
quotes, ``AND``/``OR``/``NOT``/``NEAR``, ``*``, ``-``, ``:``, ``^``, brackets, emoji and
control characters are either dropped (they are not letters or digits) or searched for as
plain words; no input can make the query fail to parse.

The index itself (``papers_fts``) is created by ``ingest.load`` on SQLite only; every function
here reports "not available" instead of failing on another database.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

FTS_TABLE = "papers_fts"
FTS_COLUMNS = ("title", "summary", "technique", "models", "authors")
_VOCAB_TABLE = "temp.atlas_papers_fts_vocab"  # connection-private view of the index's term statistics

# Words that carry no topic; dropped from queries (``and``, ``or``, ``not``, ``near`` included,
# so FTS5 operator words typed by a user are treated as the stop words they usually are).
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each else few for from further
had has have having he her here hers him his how i if in into is it its itself just me more most
my near no nor not now of off on once only or other our ours out over own same she should so
some such than that the their theirs them then there these they this those through to too under
until up upon very via was we were what when where which while who whom why will with within
without would you your yours towards toward versus vs using use used uses based show shows shown
paper papers propose proposes proposed present presents study studies approach approaches work
works new novel et al e g i e etc
""".split())

# Characters that unicode61 with remove_diacritics folds away (combining marks after NFKD).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """Words of ``text`` as the index sees them: lower-case letters/digits, accents removed.

    Never raises: anything that is not a str becomes '', lone surrogates and other
    non-characters are separators.
    """
    if not isinstance(text, str) or not text:
        return []
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()
    return _WORD.findall(folded)


def content_words(text: str) -> list[str]:
    """Tokens worth searching for: no stop words, no single characters (digits of 2+ kept)."""
    return [t for t in tokenize(text) if len(t) > 1 and t not in STOP_WORDS]


def word_variants(word: str) -> list[str]:
    """The word and its regular English singular/plural forms (a light stand-in for stemming)."""
    variants = [word]
    if len(word) <= 3 or not word.isalpha():
        return variants
    if word.endswith("ies") and len(word) > 4:
        variants.append(word[:-3] + "y")
    elif word.endswith(("sses", "xes", "ches", "shes")):
        variants.append(word[:-2])
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        variants.append(word[:-1])
    elif word.endswith("y") and word[-2] not in "aeiou":
        variants.append(word[:-1] + "ies")
    elif word.endswith(("s", "x", "ch", "sh")):
        variants.append(word + "es")
    else:
        variants.append(word + "s")
    return variants


def quote(term: str) -> str:
    """One FTS5 string literal: the term in double quotes, embedded quotes doubled."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(terms: Iterable[str]) -> str | None:
    """``"a" OR "b" OR ...`` for the given terms, or None when there are none."""
    quoted = [quote(t) for t in dict.fromkeys(terms) if t]
    return " OR ".join(quoted) if quoted else None


def fts_available(session: Session) -> bool:
    """True when the database has the FTS5 index (SQLite builds made by ``ingest``)."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    try:
        row = session.execute(sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                              {"name": FTS_TABLE}).first()
    except DBAPIError:
        return False
    return row is not None


def document_frequencies(session: Session) -> dict[str, int]:
    """Every indexed term with the number of papers that contain it (read once; callers keep it)."""
    session.execute(sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {_VOCAB_TABLE} USING fts5vocab(main, {FTS_TABLE}, row)"))
    return dict(session.connection().exec_driver_sql(f"SELECT term, doc FROM {_VOCAB_TABLE}").fetchall())


@dataclass(frozen=True)
class Concept:
    """A query word with the spellings searched for it (e.g. 'neurons' -> neurons, neuron)."""

    word: str
    forms: tuple[str, ...]
    weight: float  # (1 + ln tf) * idf: how much this word says about the query
    papers: int  # papers containing any of the forms (at most the sum of their counts)


@dataclass(frozen=True)
class TextQuery:
    concepts: tuple[Concept, ...]  # the words searched for, most telling first
    dropped_common: tuple[str, ...]  # words left out because too many papers contain them
    dropped_unknown: int  # words that occur in no paper
    all_required: bool = False  # every concept must match (only common words were given)

    @property
    def expression(self) -> str | None:
        if not self.concepts:
            return None
        if self.all_required and len(self.concepts) > 1:
            return " AND ".join(f"({match_expression(c.forms)})" for c in self.concepts)
        return match_expression(f for c in self.concepts for f in c.forms)

    def form_to_word(self) -> dict[str, str]:
        return {form: c.word for c in self.concepts for form in c.forms}


def build_text_query(text: str, frequencies: dict[str, int], total: int, max_concepts: int = 32,
                     row_budget: int = 5000) -> TextQuery:
    """The most telling words of ``text`` with their indexed spellings, chosen so the search stays cheap.

    Words in no paper are dropped (they cannot match). Words are taken rarest-and-most-repeated first while
    the papers they occur in add up to at most ``row_budget``: FTS5 visits every paper that contains a query
    word, and the commoner words left out carry almost no BM25 weight. When even the most telling word is
    commoner than that (the text has only everyday words), the words are required together (AND), which
    keeps the papers visited few and the best matches on top.
    """
    counts = Counter(content_words(text))
    if not counts:
        return TextQuery((), (), 0)
    total = max(total, 1)
    candidates, unknown = [], 0
    for order, (word, tf) in enumerate(counts.items()):
        forms = tuple(f for f in word_variants(word) if frequencies.get(f))
        if not forms:
            unknown += 1
            continue
        papers = min(sum(frequencies[f] for f in forms), total)
        idf = math.log((total + 1) / (max(frequencies[f] for f in forms) + 0.5))
        candidates.append((Concept(word, forms, (1 + math.log(tf)) * max(idf, 1e-3), papers), order))
    candidates.sort(key=lambda item: (-item[0].weight, item[1]))
    chosen, dropped, seen_forms, budget = [], [], set(), 0
    for concept, _ in candidates:
        if not seen_forms.isdisjoint(concept.forms):
            continue  # 'neuron' and 'neurons' both typed: one concept
        seen_forms.update(concept.forms)
        if len(chosen) < max_concepts and (not chosen or budget + concept.papers <= row_budget):
            chosen.append(concept)
            budget += concept.papers
        else:
            dropped.append(concept)
    all_required = False
    if chosen and chosen[0].papers > row_budget and dropped:
        chosen, all_required = [chosen[0], *dropped[:3]], True
        dropped = dropped[3:]
    return TextQuery(tuple(chosen), tuple(c.word for c in dropped), unknown, all_required)


@dataclass(frozen=True)
class Hit:
    key: str
    rowid: int
    bm25: float  # FTS5's bm25(): negative, lower is better


def search(session: Session, expression: str, limit: int, column_weights: tuple[float, ...]) -> list[Hit]:
    """The ``limit`` best BM25 matches of a prepared expression (from ``match_expression``)."""
    weights = ", ".join(repr(float(w)) for w in (0.0, *column_weights))  # key column first, unindexed
    rows = session.connection().execute(
        sql(f"SELECT key, rowid, bm25({FTS_TABLE}, {weights}) AS score FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH :query ORDER BY score, key LIMIT :limit"),
        {"query": expression, "limit": int(limit)},
    )
    return [Hit(key, rowid, score) for key, rowid, score in rows]


def indexed_text(session: Session, rowids: Iterable[int]) -> dict[int, str]:
    """The indexed columns of the given rows joined into one string each (for explaining matches)."""
    rowids = sorted(set(int(r) for r in rowids))
    if not rowids:
        return {}
    names = ", ".join(f":r{i}" for i in range(len(rowids)))
    rows = session.connection().execute(
        sql(f"SELECT rowid, {', '.join(FTS_COLUMNS)} FROM {FTS_TABLE} WHERE rowid IN ({names})"),
        {f"r{i}": r for i, r in enumerate(rowids)},
    )
    return {row[0]: " \n ".join(str(v or "") for v in row[1:]) for row in rows}

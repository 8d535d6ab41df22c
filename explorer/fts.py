"""Words as the full-text indexes see them, and a safe SQLite FTS5 query from any user text.

Both indexes of the knowledge base reduce text to the same words: ``papers_fts`` (FTS5 with
``kb.fts.FTS_TOKENIZER``, created by ``ingest.load``) and the word index of related work
(``explorer.related.textindex``). A word is a run of letters or digits, case and accents folded as
FTS5's ``unicode61 remove_diacritics 2`` folds them (``tokenize``), then reduced to its Porter stem
exactly as FTS5's ``porter`` tokenizer does (``explorer.porter``): "neurons" and "neuron",
"polysemantic" and "polysemanticity" are one word.

User text never reaches FTS5's query parser as syntax: every word is sent as a double-quoted
string joined with ``OR``, so quotes, ``AND``/``OR``/``NOT``/``NEAR``, ``*``, ``-``, ``:``, ``^``,
brackets, emoji and control characters are either dropped (they are not letters or digits) or
searched for as plain words; no input can make the query fail to parse.

The FTS5 table exists on SQLite builds only; ``fts_available`` says whether this database has it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer.porter import stem
from kb.fts import FTS_TABLE

if TYPE_CHECKING:  # SQLAlchemy is imported where a query runs: `atlas related` needs only the word functions
    from sqlalchemy.orm import Session

# English function words, dropped from queries and from the word index (``and``, ``or``, ``not``, ``near``
# included, so FTS5 operator words typed by a user are treated as the stop words they usually are). Words
# common in research writing ("model", "method", "propose", "analysis") are not listed: the ranking weighs
# them down by how many papers of the atlas use them.
STOP_WORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each else few for from further
had has have having he her here hers him his how i if in into is it its itself just me more most
my near no nor not now of off on once only or other our ours out over own same she should so
some such than that the their theirs them then there these they this those through to too under
until up upon very via was we were what when where which while who whom why will with within
without would you your yours towards toward versus vs et al e g i e etc
""".split()
)

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
    if text.isascii():  # nothing to fold but case (most text; saves the Unicode pass when building an index)
        return _WORD.findall(text.lower())
    # Deliberately not taxonomy.text.fold_ascii: FTS5's unicode61 keeps letters outside ASCII ("Ω", "注意") as
    # words and only strips accents, and this must give the words the SQLite index holds.
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()
    return _WORD.findall(folded)


def content_words(text: str) -> list[str]:
    """Tokens worth searching for: no stop words, no single characters (digits of 2+ kept)."""
    return [t for t in tokenize(text) if len(t) > 1 and t not in STOP_WORDS]


def stem_word(word: str) -> str:
    """A token's form in the indexes: its Porter stem (see ``explorer.porter``)."""
    return stem(word)


def index_terms(text: str) -> list[str]:
    """The words of ``text`` as both indexes store them: content words, stemmed."""
    tokens = tokenize(text)
    terms = list(map(_TERMS.get, tokens))  # every word seen before is one look-up (an index build sees most twice)
    if None in terms:
        if len(_TERMS) > 500_000:  # a bound for hostile input; real vocabularies are far smaller
            _TERMS.clear()
        terms = [_term(token) if term is None else term for term, token in zip(terms, tokens, strict=True)]
    return [term for term in terms if term]


def _term(token: str) -> str:
    term = _TERMS.get(token)
    if term is None:
        term = _TERMS[token] = stem(token) if len(token) > 1 and token not in STOP_WORDS else ""
    return term


_TERMS: dict[str, str] = {}  # token -> its term ("" for a stop word or a single character)


def quote(term: str) -> str:
    """One FTS5 string literal: the term in double quotes, embedded quotes doubled."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(terms: Iterable[str]) -> str | None:
    """``"a" OR "b" OR ...`` for the given terms, or None when there are none."""
    quoted = [quote(t) for t in dict.fromkeys(terms) if t]
    return " OR ".join(quoted) if quoted else None


def fts_available(session: Session) -> bool:
    """True when the database has the FTS5 index (SQLite builds made by ``ingest``)."""
    from sqlalchemy import text as sql
    from sqlalchemy.exc import DBAPIError

    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    try:
        row = session.execute(
            sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": FTS_TABLE}
        ).first()
    except DBAPIError:
        return False
    return row is not None


@dataclass(frozen=True)
class Hit:
    key: str
    rowid: int
    bm25: float  # FTS5's bm25(): negative, lower is better


def search(session: Session, expression: str, limit: int, column_weights: tuple[float, ...]) -> list[Hit]:
    """The ``limit`` best BM25 matches of a prepared expression (from ``match_expression``)."""
    from sqlalchemy import text as sql

    weights = ", ".join(repr(float(w)) for w in (0.0, *column_weights))  # key column first, unindexed
    rows = session.connection().execute(
        sql(
            f"SELECT key, rowid, bm25({FTS_TABLE}, {weights}) AS score FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH :query ORDER BY score, key LIMIT :limit"
        ),
        {"query": expression, "limit": int(limit)},
    )
    return [Hit(key, rowid, score) for key, rowid, score in rows]

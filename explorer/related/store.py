"""What a related-work query reads from the database, as plain SQL on the DB-API (sqlite3) connection.

A query needs few rows (the stored index parts, the build stamp, the text and links of a dozen papers), and the
command line answers one question per process: importing SQLAlchemy's ORM and the loader's models would cost
more than the whole answer (`atlas related` against 100,000 papers must answer in a second). So the query side
reads through the sqlite3 connection, given directly (the CLI) or taken from a SQLAlchemy session (the website,
tests). The tables and columns read here are listed in ``READS``; tests/test_related_store.py checks them against
the schema (kb.schema), which stay the one definition of the schema. The index itself is computed at build
time from the rows the build writes (``explorer.related.index.index_from``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from kb.fts import FTS_TABLE

# table -> columns this module reads (checked against kb.schema by the tests)
READS = {
    "build_info": ("id", "source_hash", "built_at"),
    "related_index": ("name", "data"),
    "papers": ("key", "title", "summary", "venue", "url", "code_url"),
    "paper_categories": ("paper_key", "why"),
}
_CHUNK = 500  # keys per IN (...) list, well under SQLite's limit on bound parameters


def dbapi(source: Any) -> sqlite3.Connection:
    """The sqlite3 connection behind a SQLAlchemy Session or Connection, or ``source`` itself."""
    if isinstance(source, sqlite3.Connection):
        return source
    connection = source.connection() if callable(getattr(source, "connection", None)) else source
    return connection.connection.dbapi_connection


def rows(conn: sqlite3.Connection, sql: str, params: tuple | dict = ()) -> list[tuple]:
    cursor = conn.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def rows_for_keys(conn: sqlite3.Connection, sql: str, keys: list[str]) -> list[tuple]:
    """``sql`` holds ``{keys}`` where the IN list goes; rows for every key, read in chunks."""
    out: list[tuple] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        out.extend(rows(conn, sql.format(keys=", ".join("?" * len(chunk))), tuple(chunk)))
    return out


def build_stamp(conn: sqlite3.Connection) -> tuple:
    """What identifies one build of one database file: its path and its build-info row."""
    files = tuple(row[2] for row in rows(conn, "PRAGMA database_list"))
    try:
        info = rows(conn, "SELECT source_hash, built_at FROM build_info WHERE id = 1")
    except sqlite3.DatabaseError:
        info = []
    return files, tuple(info[0]) if info else None


def stored_parts(conn: sqlite3.Connection) -> dict[str, bytes]:
    """Every stored part of the index by name ({} when the database has none)."""
    found = rows(conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'related_index'")
    if not found:
        return {}
    return {name: bytes(data) for name, data in rows(conn, "SELECT name, data FROM related_index")}


def seed_texts(conn: sqlite3.Connection, keys: list[str]) -> list[tuple[str, str | None, str | None]]:
    """(key, title, summary) of the given papers, by key."""
    found = rows_for_keys(conn, "SELECT key, title, summary FROM papers WHERE key IN ({keys})", keys)
    return sorted(found, key=lambda row: row[0])


def summaries(conn: sqlite3.Connection, keys: list[str]) -> list[tuple[str, str | None]]:
    return rows_for_keys(conn, "SELECT key, summary FROM papers WHERE key IN ({keys})", keys)


def whys(conn: sqlite3.Connection, keys: list[str]) -> list[tuple[str, str | None]]:
    return rows_for_keys(conn, "SELECT paper_key, why FROM paper_categories WHERE paper_key IN ({keys})", keys)


def links(conn: sqlite3.Connection, keys: list[str]) -> dict[str, tuple[str | None, str | None, str | None]]:
    """key -> (venue, url, code_url) of the given papers."""
    found = rows_for_keys(conn, "SELECT key, venue, url, code_url FROM papers WHERE key IN ({keys})", keys)
    return {key: (venue, url, code) for key, venue, url, code in found}


def fts_keys(conn: sqlite3.Connection, expression: str) -> list[str] | None:
    """Keys of the papers the full-text index (``kb.fts``) matches for an FTS5 expression built by the caller from
    the vocabulary (never from user text); None when the database has no such index (only SQLite builds have it)."""
    if not rows(conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)):
        return None
    return [key for (key,) in rows(conn, f"SELECT key FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", (expression,))]

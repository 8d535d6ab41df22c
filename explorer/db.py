"""Open the knowledge base for reading.

SQLAlchemy is imported when a session is opened, not with this module: `atlas related` reads through a plain
sqlite3 connection (``connect_read_only``) and answers before SQLAlchemy would have finished importing.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import KnowledgeBaseMissing
from ingest.kbfile import default_db_path, read_build_info

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from kb.schema import BuildInfo

__all__ = ["KnowledgeBaseMissing", "build_info", "connect_read_only", "open_session", "read_only_engine"]


def resolve_db_path(db_path: Path | str | None = None) -> Path:
    path = Path(db_path) if db_path else default_db_path()
    if not path.exists():
        raise KnowledgeBaseMissing(f"no knowledge base at {path}: run `atlas build` first (or set ATLAS_DB / --db)")
    return path


@lru_cache(maxsize=8)
def _engine_for(path: str, mtime_ns: int) -> Engine:
    from sqlalchemy import create_engine

    # The mtime is part of the cache key so a rebuilt (renamed-over) file gets a fresh engine.
    read_build_info(Path(path))  # NotAKnowledgeBase for a folder, an empty file or another database
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", connect_args={"check_same_thread": False})


def read_only_engine(db_path: Path | str | None = None) -> Engine:
    path = resolve_db_path(db_path).resolve()
    return _engine_for(str(path), path.stat().st_mtime_ns)


def open_session(db_path: Path | str | None = None) -> Session:
    from sqlalchemy.orm import Session

    return Session(read_only_engine(db_path))


def connect_read_only(db_path: Path | str | None = None) -> sqlite3.Connection:
    """A read-only sqlite3 connection to the knowledge base, checked as ``open_session`` checks it (close it)."""
    path = resolve_db_path(db_path).resolve()
    read_build_info(path)  # NotAKnowledgeBase for a folder, an empty file or another database
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def build_info(session: Session) -> BuildInfo | None:
    from sqlalchemy import select

    from kb.schema import BuildInfo

    return session.scalar(select(BuildInfo).where(BuildInfo.id == 1))

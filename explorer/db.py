"""Open the knowledge base for reading."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ingest.build import default_db_path
from ingest.errors import KnowledgeBaseMissing
from ingest.kbfile import read_build_info
from kb.schema import BuildInfo


def resolve_db_path(db_path: Path | str | None = None) -> Path:
    path = Path(db_path) if db_path else default_db_path()
    if not path.exists():
        raise KnowledgeBaseMissing(f"no knowledge base at {path}: run `atlas build` first (or set ATLAS_DB / --db)")
    return path


@lru_cache(maxsize=8)
def _engine_for(path: str, mtime_ns: int) -> Engine:
    # The mtime is part of the cache key so a rebuilt (renamed-over) file gets a fresh engine.
    read_build_info(Path(path))  # NotAKnowledgeBase for a folder, an empty file or another database
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", connect_args={"check_same_thread": False})


def read_only_engine(db_path: Path | str | None = None) -> Engine:
    path = resolve_db_path(db_path).resolve()
    return _engine_for(str(path), path.stat().st_mtime_ns)


def open_session(db_path: Path | str | None = None) -> Session:
    return Session(read_only_engine(db_path))


def build_info(session: Session) -> BuildInfo | None:
    return session.scalar(select(BuildInfo).where(BuildInfo.id == 1))

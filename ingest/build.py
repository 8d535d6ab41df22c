"""``atlas build``: hash the sources, skip if nothing changed, check, load atomically."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ingest.annotations import SCHEMA_PATH
from ingest.load import INGEST_VERSION, Progress, write_database
from ingest.problems import DataError, Problem
from ingest.validate import DEFAULT_DATA_DIR, METHODS_CATALOG, PROJECT_ROOT, read_dataset, source_files
from taxonomy import load_taxonomy
from taxonomy.tree import TREE_PATH

DEFAULT_DB_PATH = PROJECT_ROOT / "atlas.db"


def default_db_path() -> Path:
    """The knowledge base file: $ATLAS_DB if set, else atlas.db at the project root (git-ignored)."""
    return Path(os.environ.get("ATLAS_DB") or DEFAULT_DB_PATH)


@dataclass
class BuildResult:
    db_path: Path
    skipped: bool  # True when the sources had not changed since the last build
    counts: dict = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    stored_warnings: list[str] = field(default_factory=list)


def source_hash(data_dir: Path, methods_catalog: Path = METHODS_CATALOG) -> str:
    """Hash of everything a build reads, plus the ingest version: equal hash, equal database."""
    digest = hashlib.sha256(f"ingest-v{INGEST_VERSION}\n".encode())
    extra = [p for p in (TREE_PATH, SCHEMA_PATH, Path(methods_catalog)) if p.exists()]
    for path in [*source_files(data_dir), *extra]:
        digest.update(str(path.relative_to(path.anchor)).encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def stored_build(db_path: Path) -> tuple[str, int, list[str], dict] | None:
    """(source hash, ingest version, warnings, counts) of an existing database, or None."""
    if not Path(db_path).exists():
        return None
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT source_hash, ingest_version, warnings, counts FROM build_info WHERE id = 1").fetchone()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    return row[0], row[1], json.loads(row[2]), json.loads(row[3])


def build(data_dir: Path = DEFAULT_DATA_DIR, db_path: Path | None = None, strict: bool = False,
          force: bool = False, progress: Progress = lambda message: None,
          methods_catalog: Path = METHODS_CATALOG) -> BuildResult:
    """Build the knowledge base from ``data_dir``.

    Raises DataError (listing every problem) when the data has errors, or warnings under
    ``strict``; the existing database is then left untouched.
    """
    db_path = Path(db_path) if db_path else default_db_path()
    data_dir = Path(data_dir)
    if data_dir.is_dir():
        digest = source_hash(data_dir, methods_catalog)
        stored = None if force else stored_build(db_path)
        if stored and stored[0] == digest and stored[1] == INGEST_VERSION:
            if strict and stored[2]:
                raise DataError([_stored_warning_as_error(w) for w in stored[2]])
            return BuildResult(db_path, skipped=True, counts=stored[3], stored_warnings=stored[2])
    else:
        digest = ""
    progress(f"reading {data_dir}")
    taxonomy = load_taxonomy()
    dataset = read_dataset(data_dir, methods_catalog, taxonomy, review=False)  # near-duplicate hints: atlas validate
    errors = dataset.errors(strict)
    if errors:
        raise DataError(dataset.problems if not strict else [
            Problem(p.path, p.line, p.message, "error") for p in dataset.problems
        ])
    counts = write_database(dataset, taxonomy, db_path, digest, progress)
    return BuildResult(db_path, skipped=False, counts=counts, warnings=dataset.warnings)


def _stored_warning_as_error(text: str) -> Problem:
    path, line, rest = text.split(":", 2)
    message = rest.split(":", 1)[1].strip() if rest.strip().startswith("warning:") else rest.strip()
    return Problem(path, int(line), message, "error")

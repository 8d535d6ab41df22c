"""``atlas build``: hash the sources, skip if nothing changed, check, load atomically."""

from __future__ import annotations

import gc
import hashlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ingest.annotations import SCHEMA_PATH
from ingest.kbfile import check_replaceable, default_db_path
from ingest.keep_going import LeftOut, leave_out_failing
from ingest.load import INGEST_VERSION, Progress, write_database
from ingest.problems import DataError, Problem
from ingest.validate import DEFAULT_DATA_DIR, METHODS_CATALOG, read_dataset, source_files
from taxonomy import load_taxonomy
from taxonomy.tree import TREE_PATH
from taxonomy.vocabulary import VOCABULARY_DIR


@dataclass
class BuildResult:
    db_path: Path
    skipped: bool  # True when the sources had not changed since the last build
    counts: dict = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    stored_warnings: list[str] = field(default_factory=list)
    left_out: LeftOut | None = None  # with keep_going: the entries not loaded and why


def source_hash(data_dir: Path, methods_catalog: Path = METHODS_CATALOG) -> str:
    """Hash of everything a build reads, plus the ingest version: equal hash, equal database."""
    digest = hashlib.sha256(f"ingest-v{INGEST_VERSION}\n".encode())
    vocabulary = sorted(p for p in VOCABULARY_DIR.iterdir() if p.suffix in (".yaml", ".json"))
    extra = [p for p in (TREE_PATH, SCHEMA_PATH, Path(methods_catalog), *vocabulary) if p.exists()]
    for path in [*source_files(data_dir), *extra]:
        digest.update(str(path.relative_to(path.anchor)).encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def build(
    data_dir: Path = DEFAULT_DATA_DIR,
    db_path: Path | None = None,
    strict: bool = False,
    force: bool = False,
    progress: Progress = lambda message: None,
    methods_catalog: Path = METHODS_CATALOG,
    keep_going: bool = False,
) -> BuildResult:
    """Build the knowledge base from ``data_dir``.

    Raises DataError (listing every problem) when the data has errors, or warnings under
    ``strict``; the existing database is then left untouched. With ``keep_going`` every entry
    without an error is loaded and every entry with one is left out (``BuildResult.left_out``).
    """
    db_path = Path(db_path) if db_path else default_db_path()
    data_dir = Path(data_dir)
    if data_dir.is_dir():
        digest = source_hash(data_dir, methods_catalog) + (f":keep-going{':strict' * strict}" if keep_going else "")
        stored = check_replaceable(db_path)  # before any work: refuse a file that is not ours at once
        if stored and not force and stored.source_hash == digest and stored.ingest_version == INGEST_VERSION:
            if strict and stored.warnings:
                raise DataError([_stored_warning_as_error(w) for w in stored.warnings])
            return BuildResult(db_path, skipped=True, counts=stored.counts, stored_warnings=stored.warnings)
    else:
        digest = ""
    progress(f"reading {data_dir}")
    with _without_cyclic_gc():
        taxonomy = load_taxonomy()
        dataset = read_dataset(data_dir, methods_catalog, taxonomy, review=False)  # near-duplicates: atlas validate
        left_out = None
        if keep_going:
            dataset, left_out = leave_out_failing(dataset, strict)
        elif dataset.errors(strict):
            raise DataError(
                dataset.problems
                if not strict
                else [Problem(p.path, p.line, p.message, "error") for p in dataset.problems]
            )
        counts = write_database(dataset, taxonomy, db_path, digest, progress, left_out)
    return BuildResult(db_path, skipped=False, counts=counts, warnings=dataset.warnings, left_out=left_out)


@contextmanager
def _without_cyclic_gc():
    """Python's cycle collector paused while a build runs: a build makes hundreds of thousands of objects
    (entries, fields, rows) that all live until it ends, and the collector would walk them again and again
    (about a tenth of a large library's build). Memory is still freed by reference counting; the collector
    resumes, as it was, when the build ends or fails."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _stored_warning_as_error(text: str) -> Problem:
    path, line, rest = text.split(":", 2)
    message = rest.split(":", 1)[1].strip() if rest.strip().startswith("warning:") else rest.strip()
    return Problem(path, int(line), message, "error")

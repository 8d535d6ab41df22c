"""Ingestion: the only writer of the knowledge base.

parse (``bibtex``, ``annotations``) -> check (``validate``) -> load (``load``), driven by ``builder``.

The public entry points for the website are the names below, the error family (``ingest.errors``) and the
contribution workflow behind ``atlas add`` (``ingest.scaffold``, ``ingest.arxiv``, ``ingest.project``);
tests/project/test_layers.py holds the pages to them.

The names below are imported on first use (PEP 562), so that a reader that needs one small module of the
package (``ingest.errors``, ``ingest.kbfile``) does not pay for importing the whole build chain: `atlas
related` answers from a built database, and importing the loader would take most of its second. (The
build chain's module is ``ingest.builder``, not ``ingest.build``, so that importing it cannot replace the
function ``ingest.build`` with a module of the same name.)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.builder import BuildResult, build, default_db_path
    from ingest.problems import DataError, Problem
    from ingest.validate import DEFAULT_DATA_DIR, Dataset, read_dataset

_HOMES = {
    "BuildResult": "ingest.builder",
    "build": "ingest.builder",
    "default_db_path": "ingest.builder",
    "DataError": "ingest.problems",
    "Problem": "ingest.problems",
    "DEFAULT_DATA_DIR": "ingest.validate",
    "Dataset": "ingest.validate",
    "read_dataset": "ingest.validate",
}

__all__ = [
    "DEFAULT_DATA_DIR",
    "BuildResult",
    "DataError",
    "Dataset",
    "Problem",
    "build",
    "default_db_path",
    "read_dataset",
]


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)

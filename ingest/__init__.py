"""Ingestion: the only writer of the knowledge base.

parse (``bibtex``, ``annotations``) -> check (``validate``) -> load (``load``), driven by ``build``.

The public entry points for the website are the names below, the error family (``ingest.errors``) and the
contribution workflow behind ``atlas add`` (``ingest.scaffold``, ``ingest.arxiv``, ``ingest.project``);
tests/project/test_layers.py holds the pages to them.
"""

from ingest.build import BuildResult, build, default_db_path
from ingest.problems import DataError, Problem
from ingest.validate import DEFAULT_DATA_DIR, Dataset, read_dataset

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

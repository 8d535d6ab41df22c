"""Ingestion: the only writer of the knowledge base.

parse (``bibtex``, ``annotations``) -> check (``validate``) -> load (``load``), driven by ``build``.
"""

from ingest.build import BuildResult, build, default_db_path
from ingest.problems import DataError, Problem
from ingest.validate import Dataset, read_dataset

__all__ = ["BuildResult", "DataError", "Dataset", "Problem", "build", "default_db_path", "read_dataset"]

"""Ingestion: the only writer of the knowledge base.

parse (``bibtex``, ``annotations``) -> check (``validate``) -> load (``load``), driven by ``build``.

The names below are imported on first use (PEP 562), so that a reader that needs one small module of the
package (``ingest.errors``, ``ingest.kbfile``) does not pay for importing the whole build chain: `atlas
related` answers from a built database, and importing the loader would take most of its second.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.build import BuildResult, build, default_db_path
    from ingest.problems import DataError, Problem
    from ingest.validate import Dataset, read_dataset

_HOMES = {
    "BuildResult": "ingest.build",
    "build": "ingest.build",
    "default_db_path": "ingest.build",
    "DataError": "ingest.problems",
    "Problem": "ingest.problems",
    "Dataset": "ingest.validate",
    "read_dataset": "ingest.validate",
}

__all__ = ["BuildResult", "DataError", "Dataset", "Problem", "build", "default_db_path", "read_dataset"]


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


class _Package(types.ModuleType):
    """``ingest.build`` is the function ``build`` (as it was when this package imported it eagerly), although the
    submodule of the same name is now imported later: Python then sets the submodule as the package's attribute,
    which this ignores (the submodule stays in ``sys.modules["ingest.build"]``, where `from ingest.build import`
    finds it)."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _HOMES.get(name) == f"{__name__}.{name}":
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

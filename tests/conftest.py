"""Shared fixtures: the tiny canonical fixture data folder and databases built from it for real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest import build

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
FIXTURE_DATA = TESTS_DIR / "fixtures" / "data"
BUNDLED_DATA = PROJECT_ROOT / "data"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private, writable copy of the fixture data folder."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, target)
    return target


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory) -> Path:
    """The fixture data built into a real SQLite file (read-only use, shared by the session)."""
    db_path = tmp_path_factory.mktemp("fixture-db") / "atlas.db"
    build(FIXTURE_DATA, db_path, strict=True)
    return db_path


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory) -> Path:
    """The repository's own data/ built into a real SQLite file."""
    db_path = tmp_path_factory.mktemp("bundled-db") / "atlas.db"
    build(BUNDLED_DATA, db_path, strict=True)
    return db_path

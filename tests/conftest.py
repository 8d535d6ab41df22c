"""Shared fixtures: the tiny canonical fixture data folder and databases built from it for real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis_support import EXPLORE_EXAMPLES
from tests_paths import BUNDLED, FIXTURE_DATA

from ingest import build

# Hypothesis profiles, chosen with pytest --hypothesis-profile=NAME:
#   dev      the default locally: random draws, each test's own example count, failures replayed from .hypothesis/
#   ci       what `make test` and `make test-fast` use: derandomised (the same examples on every run and machine),
#            no example database, no deadline and no too_slow health check (timing never fails a run), and a
#            @reproduce_failure blob printed for any failure
#   explore  for hunting bugs before a release: random, 10,000 examples per property (hypothesis_support.examples)
_DEFAULT = settings.get_profile("default")  # hypothesis's own defaults, whatever it auto-loaded
settings.register_profile("dev", _DEFAULT)
settings.register_profile(
    "ci",
    _DEFAULT,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    _DEFAULT,
    max_examples=EXPLORE_EXAMPLES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("dev")


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
    build(BUNDLED, db_path, strict=True)
    return db_path

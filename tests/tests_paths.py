"""Paths the tests share (importable, unlike conftest.py)."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
PROJECT = TESTS.parent
BUNDLED = PROJECT / "data"
FIXTURE_DATA = TESTS / "fixtures" / "data"

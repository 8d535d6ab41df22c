"""The one home of the paths the tests share (importable from every test area, unlike conftest.py)."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
PROJECT = TESTS.parent
BUNDLED = PROJECT / "data"
FIXTURES = TESTS / "fixtures"
FIXTURE_DATA = FIXTURES / "data"
ARTIFACTS = PROJECT / "test-artifacts"  # screenshots and server logs, kept after a run

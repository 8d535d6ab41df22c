"""Helpers for the contributing tests: edit a fixture file, find a line, run the checks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests_paths import FIXTURES

from ingest import read_dataset
from ingest.problems import Problem
from taxonomy.vocabulary import VOCABULARY_DIR

ARXIV_FIXTURES = FIXTURES / "arxiv"


def write(data_dir: Path, name: str, text: str) -> Path:
    path = data_dir / "papers" / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(data_dir: Path, name: str, old: str, new: str) -> Path:
    path = data_dir / "papers" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in {path}")


def problems(data_dir: Path, **kwargs) -> list[Problem]:
    return sorted(read_dataset(data_dir, **kwargs).problems)


def only(found: list[Problem], needle: str) -> Problem:
    """The one problem whose message contains ``needle``."""
    matching = [p for p in found if needle in p.message]
    assert len(matching) == 1, f"expected one problem with {needle!r}, got {[str(p) for p in found]}"
    return matching[0]


def recorded(name: str, calls: list | None = None):
    """A fetcher that answers with a recorded arXiv API response (and notes the URLs asked for)."""

    def fetch(url: str, timeout: float) -> bytes:
        if calls is not None:
            calls.append((url, timeout))
        return (ARXIV_FIXTURES / name).read_bytes()

    return fetch


def at(problem: Problem, path: Path, line: int) -> bool:
    """True when ``problem`` is reported at ``path``:``line``."""
    return Path(problem.path).resolve() == Path(path).resolve() and problem.line == line


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def repo_with_vocabulary(repo: Path, data: Path) -> Path:
    """A git repository holding a copy of ``data`` (as data/) and of the vocabulary (as vocabulary/),
    committed: the base a pull request's summary compares with. Returns the repository."""
    shutil.copytree(data, repo / "data")
    shutil.copytree(VOCABULARY_DIR, repo / "vocabulary")
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "data", "vocabulary", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "base", cwd=repo)
    return repo

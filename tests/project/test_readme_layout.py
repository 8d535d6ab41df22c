"""The README's layout table still tells a newcomer where things live: every path it names exists, and every
top-level package and folder of the project has its row."""

from __future__ import annotations

import re

from tests_paths import PROJECT

CODE = re.compile(r"`([^`]+)`")


def layout_rows() -> list[tuple[str, str]]:
    """(folder cell, description cell) of each row of the table under '## Layout'."""
    section = (PROJECT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [tuple(cell.strip() for cell in row.strip("|").split("|", 1)) for row in rows]  # type: ignore[misc]


def named_paths() -> set[str]:
    """Every code span of the table that is a path: has a slash or a file ending, and no placeholder."""
    spans = {span for row in layout_rows() for cell in row for span in CODE.findall(cell)}
    return {s for s in spans if ("/" in s or re.search(r"\.\w+$", s)) and "<" not in s and " " not in s}


def test_the_table_names_paths_at_all():
    assert {"kb/schema.py", "ingest/change_summary.py", "methods/demo_runs.py", "tests/conftest.py"} <= named_paths()


def test_every_path_the_table_names_exists():
    assert sorted(p for p in named_paths() if not (PROJECT / p).exists()) == []


def test_every_top_level_package_and_folder_has_a_row():
    listed = {span.rstrip("/") for folder, _ in layout_rows() for span in CODE.findall(folder)}
    packages = {p.parent.name for p in PROJECT.glob("*/__init__.py")}
    assert packages <= listed, packages - listed
    assert {"data", "tests", "benchmarks", "app.py"} <= listed

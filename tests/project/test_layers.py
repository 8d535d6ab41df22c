"""The layering the README's layout table describes, checked on the source: each package imports only the
packages below it, and the website's pages call the read side plus the write side's public entry points."""

from __future__ import annotations

import ast
from pathlib import Path

from tests_paths import PROJECT

# Lowest first: a package may import the ones before it, never one after it.
LAYERS = ["taxonomy", "kb", "ingest", "methods", "explorer", "cli", "app_pages"]

# Upward imports made inside a function, each for a stated reason; any other upward import fails.
UPWARD_CALLS = {
    # the build stores related work's precomputed index (computed by explorer.related.parts) in the knowledge base
    ("ingest/load.py", "explorer.related.parts"),
    # `atlas validate --summary` builds a temporary knowledge base, then asks it for each new paper's neighbours
    ("ingest/change_summary.py", "explorer.db"),
    ("ingest/change_summary.py", "explorer.related"),
}

# What a page may import of ours: the read side, and the write side's public entry points for the actions a
# visitor starts (the first build, the Contribute page's scaffold and pickers, the Methods page's demo runs), and
# the taxonomy and vocabulary, the data definitions both sides read (the Contribute page lists their terms), and
# the shared text rules (counts).
PAGE_IMPORTS = {
    "ingest",
    "ingest.errors",
    "ingest.scaffold",
    "ingest.picks",
    "ingest.arxiv",
    "ingest.project",
    "methods.demo_runs",
    "taxonomy",
    "taxonomy.text",
    "taxonomy.vocabulary",
}
PAGE_PACKAGES = {"explorer", "app_pages"}


def imports_of(path: Path) -> list[str]:
    """Every absolute module name ``path`` imports (``from x import y`` gives ``x``)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def sources(package: str) -> list[Path]:
    return sorted((PROJECT / package).rglob("*.py"))


def upward_imports() -> set[tuple[str, str]]:
    found = set()
    for rank, package in enumerate(LAYERS):
        above = set(LAYERS[rank + 1 :])
        for path in sources(package):
            for name in imports_of(path):
                if name.split(".")[0] in above:
                    found.add((path.relative_to(PROJECT).as_posix(), name))
    return found


def test_every_package_is_in_a_layer():
    packages = {p.parent.name for p in PROJECT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(LAYERS)


def test_no_package_imports_one_above_it():
    assert upward_imports() - UPWARD_CALLS == set()


def test_every_allowed_upward_call_still_exists():
    # an exception nobody needs any more would let the next one in unnoticed: delete its line above
    assert UPWARD_CALLS - upward_imports() == set()


def test_pages_import_the_read_side_and_public_entry_points_only():
    wrong = set()
    for path in [PROJECT / "app.py", *sources("app_pages")]:
        for name in imports_of(path):
            top = name.split(".")[0]
            if top in ("sqlalchemy", "sqlite3"):
                wrong.add((path.name, name))  # SQL belongs in explorer
            elif top in LAYERS and top not in PAGE_PACKAGES and name not in PAGE_IMPORTS:
                wrong.add((path.name, name))
    assert wrong == set()

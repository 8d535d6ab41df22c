"""Do two knowledge bases hold the same content? A check for speed work on the build, which must not change it.

Build the same data folders with the code before the change and after it (a `git worktree` of main gives the
first; build from the same working directory, as the papers' source paths are relative to it), then

    .venv/bin/python benchmarks/compare_builds.py OLD.db NEW.db

compares the schema, every table row by row in the order SQLite keeps them (so the related index's parts byte for
byte), the full-text index's words with their places (fts5vocab), and the build-info row without the build time
and the source hash (which covers the data folder's absolute path). It prints each part that differs and exits 1
if any does.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

UNCOMPARED = {"build_info": ("built_at", "source_hash")}  # columns that differ between two builds of one folder
FTS_TABLE = "papers_fts"


def content(path: Path) -> dict[str, object]:
    """Every part of the knowledge base at ``path`` that two builds of the same data must share."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        parts: dict[str, object] = {
            "schema": sorted(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        }
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in sorted(tables):
            if table.startswith(f"{FTS_TABLE}_") or table.startswith("sqlite_"):
                continue  # FTS5's own storage: compared through its words below
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            skip = {i for i, d in enumerate(cursor.description) if d[0] in UNCOMPARED.get(table, ())}
            parts[table] = [tuple(v for i, v in enumerate(row) if i not in skip) for row in cursor]
        if FTS_TABLE in tables:
            conn.execute(f"CREATE VIRTUAL TABLE temp.words USING fts5vocab(main, {FTS_TABLE}, 'instance')")
            parts[f"{FTS_TABLE} words"] = conn.execute("SELECT * FROM temp.words").fetchall()
    return parts


def differences(old: Path, new: Path) -> list[str]:
    """The parts that differ, each with its row counts."""
    a, b = content(old), content(new)
    size = lambda parts, name: len(parts[name]) if name in parts else "absent"  # noqa: E731
    return [
        f"{name}: {size(a, name)} rows before, {size(b, name)} after"
        for name in sorted(set(a) | set(b))
        if a.get(name) != b.get(name)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    found = differences(args.old, args.new)
    print("\n".join(found) if found else "same content")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()

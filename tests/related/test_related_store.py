"""The query side of related work reads the database through plain sqlite3 (explorer.related.store), so that a
cold `atlas related` does not import SQLAlchemy's ORM or the loader: the tables it reads are the loader's, the
answer is the same through a session or a bare connection, and the command's process never imports them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing

from tests_paths import PROJECT

from explorer.db import connect_read_only, open_session
from explorer.related import find_related
from explorer.related.store import READS


def test_the_tables_read_are_the_loaders():
    from kb.schema import Base

    for table, columns in READS.items():
        assert table in Base.metadata.tables, table
        assert set(columns) <= set(Base.metadata.tables[table].columns.keys()), (table, columns)


def test_the_cli_constants_match_their_sources():
    from cli.main import DEFAULT_DATA_DIR, EXPORT_FORMATS
    from explorer.export import EXPORTERS
    from ingest.validate import DEFAULT_DATA_DIR as VALIDATE_DATA_DIR

    assert set(EXPORT_FORMATS) == set(EXPORTERS)
    assert DEFAULT_DATA_DIR == VALIDATE_DATA_DIR


def test_a_session_and_a_bare_connection_give_the_same_answer(fixture_db):
    questions = [{"text": "logit lens for LLaVA"}, {"paper": "neo2024interpreting"}]
    for question in questions:
        with open_session(fixture_db) as session:
            through_session = find_related(session, k=5, **question).as_dict()
        with closing(connect_read_only(fixture_db)) as conn:
            through_sqlite = find_related(conn, k=5, **question).as_dict()
        assert through_session == through_sqlite and through_session["papers"], question


def test_a_bare_connection_reads_a_database_without_the_stored_index(fixture_db, tmp_path):
    copy = tmp_path / "old.db"
    copy.write_bytes(fixture_db.read_bytes())
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("DROP TABLE related_index")
        conn.commit()
    with closing(connect_read_only(copy)) as conn:
        old = find_related(conn, text="logit lens", k=5).as_dict()
    with closing(connect_read_only(fixture_db)) as conn:
        assert find_related(conn, text="logit lens", k=5).as_dict() == old


HEAVY = ("sqlalchemy", "ingest.load", "kb.schema", "ingest.validate", "bibtexparser", "pandas", "networkx")
_PROBE = """
import json, sys
from cli.main import main
code = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] if m.startswith("sqlalchemy") else m for m in sys.modules if m.startswith(HEAVY)})
print(json.dumps(heavy), file=sys.stderr)
sys.exit(code)
"""


def test_a_text_question_on_the_command_line_imports_no_orm_and_no_loader(fixture_db):
    # What keeps a cold query under a second: benchmarks/bench_related.py times it against 100,000 papers.
    for fmt in ("json", "table"):
        proc = subprocess.run(
            [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{_PROBE}", "related", "logit lens", "--db", str(fixture_db)]
            + ["--format", fmt],
            capture_output=True,
            text=True,
            cwd=PROJECT,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stderr.strip().splitlines()[-1]) == [], proc.stderr
        assert "logit" in proc.stdout.lower()


def test_the_package_names_its_public_names_once_each_and_imports_them_on_use():
    import explorer.related as related

    assert set(related.__all__) == set(related._HOMES)
    assert all(getattr(related, name) is not None for name in related.__all__)


def test_a_build_imports_the_index_without_the_query_side():
    # ingest.load stores the index: the scoring, inputs and rendering modules are no part of a build's time
    probe = "import sys, explorer.related.index; print(sorted(m for m in sys.modules if m.startswith('explorer')))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PROJECT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout.replace("'", '"'))
    assert not {"explorer.related.scoring", "explorer.related.inputs", "explorer.related.rendering"} & set(loaded)

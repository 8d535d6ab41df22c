"""ingest loads the methods catalogue into the knowledge base and links papers to its methods."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from explorer.db import open_session
from ingest import build
from ingest.validate import METHODS_CATALOG, read_methods_catalog
from kb.schema import Method, Paper, paper_methods
from methods.catalog import load_catalog


def test_ingest_reads_the_same_methods_as_the_catalogue_loader():
    methods, found = read_methods_catalog(METHODS_CATALOG)
    assert found == []
    assert [(m["id"], m["name"], m["paper_key"]) for m in methods] == [(e.id, e.name, e.paper) for e in load_catalog()]


def test_the_methods_table_holds_the_catalogue(fixture_db):
    with open_session(fixture_db) as session:
        rows = session.execute(select(Method.id, Method.name, Method.paper_key)).all()
    assert sorted(rows) == sorted((e.id, e.name, e.paper) for e in load_catalog())


def test_papers_link_to_the_methods_their_annotations_list(fixture_db):
    with open_session(fixture_db) as session:
        links = sorted(session.execute(select(paper_methods.c.paper_key, paper_methods.c.method_id)).all())
        neo = session.get(Paper, "neo2024interpreting")
        assert [(m.id, m.name) for m in neo.methods] == [("logit-lens", "Logit lens")]
    assert links == [
        ("leng2024mitigating", "visual-contrastive-decoding"),
        ("neo2024interpreting", "logit-lens"),
        ("nostalgebraist2020interpreting", "logit-lens"),
    ]


def test_every_method_is_used_by_some_paper_of_the_bundled_data(bundled_db):
    with open_session(bundled_db) as session:
        used = set(session.scalars(select(paper_methods.c.method_id)))
    assert used == {e.id for e in load_catalog()}


def test_a_catalogue_change_triggers_a_rebuild(data_dir, tmp_path):
    catalog = tmp_path / "catalog.yaml"
    shutil.copy(METHODS_CATALOG, catalog)
    db_path = tmp_path / "atlas.db"
    assert not build(data_dir, db_path, methods_catalog=catalog).skipped
    assert build(data_dir, db_path, methods_catalog=catalog).skipped
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace("name: Logit lens", "name: The logit lens"), encoding="utf-8"
    )
    assert not build(data_dir, db_path, methods_catalog=catalog).skipped
    with open_session(db_path) as session:
        assert session.get(Method, "logit-lens").name == "The logit lens"

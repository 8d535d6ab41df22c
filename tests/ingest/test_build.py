"""Building the knowledge base: contents, atomic replacement, no-op rebuilds, ATLAS_DB."""

from __future__ import annotations

import gc
import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from tests_paths import BUNDLED, PROJECT

from cli.main import main
from ingest import DataError, build
from ingest import load as load_module


def query(db: Path, sql: str, *params):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def test_fixture_build_contents(fixture_db):
    assert query(fixture_db, "SELECT count(*) FROM papers") == [(5,)]
    assert query(fixture_db, "SELECT count(*) FROM taxonomy_nodes") == [(24,)]
    # ordered authors, decoded for display
    assert query(
        fixture_db,
        "SELECT a.name FROM paper_authors pa JOIN authors a ON a.id = pa.author_id "
        "WHERE pa.paper_key = 'muller2024sehen' ORDER BY pa.position",
    ) == [("Jörg Müller",), ("María García",), ("Anna van der Berg",)]
    title, venue, year, fields = query(
        fixture_db, "SELECT title, venue, year, fields FROM papers WHERE key = 'muller2024sehen'"
    )[0]
    assert title == "Sehen und Verstehen: Attention Sinks in LLaVA über Layers"
    assert (
        venue == "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)"
    )  # via crossref + @string
    assert year == 2024
    assert "{LLaVA}" in fields  # original TeX kept for export
    assert (
        query(fixture_db, "SELECT node_id, why FROM paper_categories WHERE paper_key = 'li2023evaluating'")[0][0]
        == "data/benchmark"
    )
    assert query(fixture_db, "SELECT source_key, target_key, type, note FROM relations ORDER BY source_key") == [
        ("muller2024sehen", "neo2024interpreting", "compares-with", "same models, different layers"),
        ("neo2024interpreting", "nostalgebraist2020interpreting", "builds-on", None),
    ]
    models = query(
        fixture_db,
        "SELECT m.name FROM paper_models pm JOIN models m ON m.id = pm.model_id "
        "WHERE pm.paper_key = 'leng2024mitigating' ORDER BY m.name",
    )
    assert models == [("InstructBLIP",), ("LLaVA-1.5",), ("Qwen-VL",)]
    assert query(fixture_db, "SELECT count(*) FROM paper_modalities WHERE modality = 'image'") == [(4,)]
    assert query(
        fixture_db,
        "SELECT doi, arxiv_id FROM papers WHERE key IN ('muller2024sehen', 'leng2024mitigating') ORDER BY key",
    ) == [(None, "2311.16922"), ("10.1234/fixture.2024.001", None)]


def test_the_vocabulary_is_stored_so_sql_can_expand_families_and_broader_techniques(fixture_db):
    # every term, used or not, with its definition
    assert query(fixture_db, "SELECT count(*) FROM techniques WHERE definition = ''") == [(0,)]
    assert query(fixture_db, "SELECT name, broader_id, method_id FROM techniques WHERE id = 'logit-lens'") == [
        ("Logit lens", "lens-decoding", "logit-lens")
    ]
    assert query(fixture_db, "SELECT label FROM modalities WHERE name = 'time-series'") == [("Time series",)]
    # a family's papers in one join: li2023evaluating studies llava, the other three llava-1.5
    family = query(
        fixture_db,
        "SELECT DISTINCT pm.paper_key FROM paper_models pm JOIN models m ON m.id = pm.model_id "
        "WHERE m.family_id = 'llava-family' ORDER BY 1",
    )
    assert family == [("leng2024mitigating",), ("li2023evaluating",), ("muller2024sehen",), ("neo2024interpreting",)]
    assert query(fixture_db, "SELECT name, kind FROM models WHERE id = 'llava-family'") == [("LLaVA family", "family")]
    # a broader technique's papers through the closure table: token ablation and attention knockout are interventions
    broader = query(
        fixture_db,
        "SELECT DISTINCT pt.paper_key FROM paper_techniques pt JOIN technique_ancestors a "
        "ON a.technique_id = pt.technique_id WHERE a.ancestor_id = 'causal-intervention'",
    )
    assert broader == [("neo2024interpreting",)]
    assert query(
        fixture_db,
        "SELECT ancestor_id, distance FROM technique_ancestors WHERE technique_id = 'token-ablation' ORDER BY distance",
    ) == [("token-ablation", 0), ("ablation", 1), ("causal-intervention", 2)]


def test_fts_index_matches_accent_folded_text(fixture_db):
    hits = query(fixture_db, "SELECT key FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts)", "muller")
    assert hits == [("muller2024sehen",)]
    assert ("leng2024mitigating",) in query(
        fixture_db, "SELECT key FROM papers_fts WHERE papers_fts MATCH 'hallucination'"
    )


def test_build_info_row(fixture_db):
    source_hash, version, counts = query(fixture_db, "SELECT source_hash, ingest_version, counts FROM build_info")[0]
    assert len(source_hash) == 64 and version == load_module.INGEST_VERSION
    assert '"papers": 5' in counts and '"errors": 0' in counts


def test_unchanged_sources_make_build_a_no_op(data_dir, tmp_path, capsys):
    db = tmp_path / "kb.db"
    assert main(["build", "--data", str(data_dir), "--db", str(db)]) == 0
    first = db.stat().st_mtime_ns, hashlib.sha256(db.read_bytes()).hexdigest()
    capsys.readouterr()
    assert main(["build", "--data", str(data_dir), "--db", str(db)]) == 0
    assert "is up to date: no source changed" in capsys.readouterr().out
    assert (db.stat().st_mtime_ns, hashlib.sha256(db.read_bytes()).hexdigest()) == first


def test_changed_source_rebuilds(data_dir, tmp_path):
    db = tmp_path / "kb.db"
    build(data_dir, db)
    path = data_dir / "papers" / "li2023evaluating.yaml"
    path.write_text(path.read_text().replace("stable measure", "steady measure"))
    result = build(data_dir, db)
    assert not result.skipped
    assert "steady measure" in query(db, "SELECT summary FROM papers WHERE key = 'li2023evaluating'")[0][0]


def test_force_rebuilds(data_dir, tmp_path):
    db = tmp_path / "kb.db"
    build(data_dir, db)
    assert build(data_dir, db).skipped
    assert not build(data_dir, db, force=True).skipped


def test_failure_while_writing_keeps_old_file_and_no_temp(data_dir, tmp_path, monkeypatch):
    db = tmp_path / "kb.db"
    build(data_dir, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(load_module, "_create_fts", explode)
    with pytest.raises(RuntimeError):
        build(data_dir, db, force=True)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "kb.db"]


def test_open_reader_keeps_a_consistent_view_across_rebuild(data_dir, tmp_path):
    db = tmp_path / "kb.db"
    build(data_dir, db)
    reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM papers").fetchone() == (5,)
    (data_dir / "papers" / "li2023evaluating.yaml").unlink()
    (data_dir / "papers" / "li2023evaluating.bib").unlink()
    build(data_dir, db)
    assert reader.execute("SELECT count(*) FROM papers").fetchone() == (5,)  # the old file, whole
    reader.close()
    assert query(db, "SELECT count(*) FROM papers") == [(4,)]


def test_atlas_db_environment_variable(data_dir, tmp_path, monkeypatch, capsys):
    target = tmp_path / "elsewhere" / "kb.db"
    monkeypatch.setenv("ATLAS_DB", str(target))
    assert main(["build", "--data", str(data_dir)]) == 0
    assert target.exists()
    capsys.readouterr()
    assert main(["stats", "--format", "json"]) == 0
    assert '"papers": 5' in capsys.readouterr().out


def test_bundled_data_builds_strictly(bundled_db):
    (papers,) = query(bundled_db, "SELECT count(*) FROM papers")[0]
    assert papers >= 250
    assert query(bundled_db, "SELECT count(*) FROM papers WHERE NOT classified") == [(0,)]


def test_build_leaves_near_duplicate_title_hints_to_validate(data_dir, tmp_path):
    (data_dir / "papers" / "doe2024interpreting.bib").write_text(
        "@misc{doe2024interpreting, "
        "title = {Towards Interpreting Visual Information Processing in Vision-Language Model},"
        " author = {Doe, Jane}, year = {2024}}\n"
    )
    result = build(data_dir, tmp_path / "kb.db")
    assert not [w for w in result.warnings if "may be the same paper" in w.message]
    from ingest import read_dataset

    assert [p for p in read_dataset(data_dir).problems if "may be the same paper" in p.message]


def test_the_cycle_collector_pauses_during_a_build_and_resumes_after_it(data_dir, tmp_path):
    seen: list[bool] = []
    build(data_dir, tmp_path / "kb.db", progress=lambda message: seen.append(gc.isenabled()))
    assert seen[-1] is False  # paused while it writes ("writing N papers"), as while it reads
    assert gc.isenabled()
    (data_dir / "papers" / "broken.bib").write_text("@article{broken, title = nosuchmacro, year = 2024}\n")
    with pytest.raises(DataError):
        build(data_dir, tmp_path / "kb.db")
    assert gc.isenabled()  # a failed build resumes it too


def test_a_build_does_not_import_numpy(tmp_path):
    # numpy's import alone costs a build about a tenth of a CPU second: the related index is computed without it
    # (explorer.related.parts) and only a query reads it with numpy
    script = (
        "import sys; from pathlib import Path; from ingest import build; "
        f"build(Path({str(BUNDLED)!r}), Path({str(tmp_path / 'kb.db')!r}), strict=True); "
        "print('numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"

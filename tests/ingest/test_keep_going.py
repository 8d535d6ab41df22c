"""`atlas build --keep-going`: every entry without an error loads, every entry with one is left out and
reported at path:line; the build record accounts for every entry of the files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from contribute_support import edit, line_of, write
from test_realworld_bibtex import _corpus, entry_start_lines

from cli.main import main
from ingest import build
from ingest.problems import DataError

BROKEN_SYNTAX = "@article{broken2024x,\n  title = {Unclosed,\n  year = 2024\n\n"
BAD_DOI = (
    "@misc{baddoi2024x,\n  title = {A Paper With A Bad Identifier},\n  author = {Doe, Jane},\n"
    "  doi = {not-a-doi},\n  year = {2024},\n}\n"
)
GOOD = "@misc{good2024x,\n  title = {A Perfectly Good Paper},\n  author = {Roe, Rick},\n  year = {2024},\n}\n"


def entries_in(data_dir: Path) -> int:
    return sum(len(entry_start_lines(p)) for p in data_dir.rglob("*.bib"))


def keys_in(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT key FROM papers")}


@pytest.fixture
def broken(data_dir: Path) -> Path:
    write(data_dir, "zz_broken.bib", BROKEN_SYNTAX + BAD_DOI + GOOD)
    # an annotation error leaves its paper out, and a relation to that paper is dropped, not dangling
    edit(data_dir, "li2023evaluating.yaml", "granularity: dataset", "granularity: galaxy")
    return data_dir


def test_keep_going_loads_the_good_entries_and_reports_the_rest(broken: Path, tmp_path: Path, capsys):
    db = tmp_path / "kb.db"
    assert main(["build", "--data", str(broken), "--db", str(db), "--keep-going"]) == 0
    out, err = capsys.readouterr()
    papers = keys_in(db)
    assert "good2024x" in papers and "baddoi2024x" not in papers and "li2023evaluating" not in papers
    assert "zz_broken.bib:1: error: BibTeX syntax error" in err
    assert f"zz_broken.bib:{line_of(broken / 'papers' / 'zz_broken.bib', 'doi =')}: error: 'baddoi2024x': DOI" in err
    yaml_path = broken / "papers" / "li2023evaluating.yaml"
    assert f"li2023evaluating.yaml:{line_of(yaml_path, 'granularity:')}: error:" in err
    left_out = 3  # the unparsable block, the bad DOI, the bad annotation
    containers = 1  # the fixture's @proceedings, which an entry crossrefs
    assert f"{len(papers)} loaded, {left_out} left out ({containers} crossref containers are not papers)" in out
    assert len(papers) + left_out + containers == entries_in(broken)


def test_relations_to_a_left_out_paper_are_dropped_with_a_warning(broken: Path, tmp_path: Path, capsys):
    edit(
        broken,
        "leng2024mitigating.yaml",
        "relations: []",
        "relations:\n  - {type: compares-with, key: li2023evaluating}",
    )
    db = tmp_path / "kb.db"
    assert main(["build", "--data", str(broken), "--db", str(db), "--keep-going"]) == 0
    err = capsys.readouterr().err
    assert "relation to 'li2023evaluating' dropped" in err
    with sqlite3.connect(db) as conn:
        assert not conn.execute("SELECT 1 FROM relations WHERE target_key = 'li2023evaluating'").fetchall()


def test_stats_counts_add_up_to_the_entries(broken: Path, tmp_path: Path, capsys):
    db = tmp_path / "kb.db"
    main(["build", "--data", str(broken), "--db", str(db), "--keep-going"])
    capsys.readouterr()
    assert main(["stats", "--db", str(db), "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["left_out"] == 3 and stats["errors"] == 3
    assert stats["papers"] + stats["left_out"] + stats["containers"] == entries_in(broken)


def test_without_the_flag_nothing_changes(broken: Path, tmp_path: Path):
    db = tmp_path / "kb.db"
    with pytest.raises(DataError):
        build(broken, db)
    assert not db.exists()


def test_no_op_rebuild_repeats_the_counts_and_a_normal_build_is_not_fooled(broken: Path, tmp_path: Path, capsys):
    db = tmp_path / "kb.db"
    main(["build", "--data", str(broken), "--db", str(db), "--keep-going"])
    capsys.readouterr()
    assert main(["build", "--data", str(broken), "--db", str(db), "--keep-going"]) == 0
    out = capsys.readouterr().out
    assert "is up to date" in out and "left out" in out
    before = db.read_bytes()
    assert main(["build", "--data", str(broken), "--db", str(db)]) == 1  # same sources, errors still errors
    assert db.read_bytes() == before


def test_strict_keep_going_also_leaves_out_entries_with_warnings(data_dir: Path, tmp_path: Path, capsys):
    write(data_dir, "zz_unannotated.bib", GOOD)  # no annotation: a warning
    db = tmp_path / "kb.db"
    assert main(["build", "--data", str(data_dir), "--db", str(db), "--keep-going", "--strict"]) == 0
    assert "good2024x" not in keys_in(db)
    assert main(["build", "--data", str(data_dir), "--db", str(db), "--keep-going", "--force"]) == 0
    assert "good2024x" in keys_in(db)


def test_an_error_no_entry_can_absorb_still_stops_the_build(data_dir: Path, tmp_path: Path, capsys):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        build(data_dir, tmp_path / "kb.db", keep_going=True, methods_catalog=catalog)
    assert "methods catalogue" in str(caught.value.problems[0])
    assert not (tmp_path / "kb.db").exists()


@pytest.mark.slow
def test_thousands_of_real_world_entries_every_one_loaded_or_left_out(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    total, _ = _corpus(data, copies=150)
    result = build(data, tmp_path / "kb.db", keep_going=True)
    counts = result.counts
    assert counts["left_out"] > 0 and counts["papers"] > 1000
    assert counts["papers"] + counts["left_out"] + counts["containers"] == total

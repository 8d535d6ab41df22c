"""`atlas related`: the three inputs, the three formats, what goes to stderr, and a database without FTS5."""

from __future__ import annotations

import json
import shutil
import sqlite3

import bibtexparser

from cli.main import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_table_lists_rank_score_key_title_and_reasons(fixture_db, capsys):
    code, out, err = run(capsys, "related", "--db", str(fixture_db), "--paper", "neo2024interpreting", "--k", "2")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["#", "score", "year", "key", "title"]
    assert lines[1].split()[:4] == ["1", lines[1].split()[1], "2020", "nostalgebraist2020interpreting"]
    assert "- Your paper neo2024interpreting builds on it (5.0 points)" in out
    assert "- It compares itself with your paper neo2024interpreting" in out


def test_json_is_an_array_with_key_title_score_reasons(fixture_db, capsys):
    code, out, _ = run(capsys, "related", "--db", str(fixture_db), "logit lens", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and isinstance(rows, list) and rows
    for row in rows:
        assert {"key", "title", "score", "reasons"} <= set(row)
        assert isinstance(row["reasons"], list) and all(isinstance(r, str) for r in row["reasons"])
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_bibtex_is_ready_to_paste(fixture_db, capsys):
    code, out, _ = run(
        capsys, "related", "--db", str(fixture_db), "--paper", "neo2024interpreting", "--format", "bibtex"
    )
    library = bibtexparser.parse_string(out)
    assert code == 0 and not library.failed_blocks
    assert library.entries[0].key == "nostalgebraist2020interpreting"
    assert "crossref" not in {f.key for e in library.entries for f in e.fields}  # entries stand alone


def test_bib_file_input_says_what_it_recognised(fixture_db, capsys, tmp_path):
    bib = tmp_path / "mine.bib"
    bib.write_text(
        "@article{x, title = {Towards Interpreting Visual Information Processing in Vision-Language Models}}\n"
        "@misc{y, title = {Something else entirely}}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "related", "--db", str(fixture_db), "--bib", str(bib), "--format", "json")
    assert code == 0
    assert "atlas: 1 of 2 entries are in the atlas and left out of the results: x = neo2024interpreting (title)" in err
    assert "neo2024interpreting" not in [r["key"] for r in json.loads(out)]


def test_filters_from_the_command_line(fixture_db, capsys):
    code, out, _ = run(
        capsys,
        "related",
        "--db",
        str(fixture_db),
        "--paper",
        "neo2024interpreting",
        "--format",
        "json",
        "--category",
        "model",
        "--year-from",
        "2020",
        "--year-to",
        "2024",
        "--has-code",
    )
    assert code == 0 and json.loads(out) == []  # the two Model papers have no code
    code, out, err = run(capsys, "related", "--db", str(fixture_db), "--paper", "neo2024interpreting", "--has-code")
    assert code == 0 and "leng2024mitigating" in out


def test_a_database_without_the_stored_index_gives_the_same_answer(fixture_db, capsys, tmp_path):
    # A knowledge base built before the index was stored (or with its rows gone) is indexed from its tables.
    copy = tmp_path / "no-stored-index.db"
    shutil.copy(fixture_db, copy)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM related_index").fetchone()[0] > 0
        conn.execute("DROP TABLE related_index")
        conn.execute("DROP TABLE papers_fts")  # the ranking has its own word index; FTS5 is for SQL users
    conn.close()
    for argv in (["--paper", "neo2024interpreting"], ["logit lens for LLaVA"], ["--bib", str(tmp_path / "refs.bib")]):
        (tmp_path / "refs.bib").write_text("@misc{a, title = {Interpreting GPT: the logit lens}}\n", encoding="utf-8")
        answers = []
        for db in (fixture_db, copy):
            code, out, err = run(capsys, "related", "--db", str(db), *argv, "--format", "json")
            assert code == 0, err
            answers.append(json.loads(out))
        assert answers[0] == answers[1] and answers[0], argv


def test_missing_database_is_a_message(tmp_path, capsys):
    code, _, err = run(capsys, "related", "--db", str(tmp_path / "none.db"), "x")
    assert code == 1 and "atlas build" in err


def test_same_answer_in_every_process(bundled_db):
    import os
    import subprocess
    import sys

    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        for argv in (["attention heads that read visual tokens"], ["--paper", "neo2024interpreting"]):
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "cli.main",
                    "related",
                    *argv,
                    "--db",
                    str(bundled_db),
                    "--format",
                    "json",
                    "--k",
                    "20",
                ],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            )
            assert proc.returncode == 0, proc.stderr
            outputs.add((tuple(argv), proc.stdout))
    assert len(outputs) == 2  # one output per question, whatever the hash seed

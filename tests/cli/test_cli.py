"""The atlas command: stats, export, validate output formats and its error messages."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys

import bibtexparser
import pytest

from cli.main import main, make_parser


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_json_counts_each_paper_once_per_ancestor(fixture_db, capsys):
    code, out, _ = run(capsys, "stats", "--db", str(fixture_db), "--format", "json")
    assert code == 0
    stats = json.loads(out)
    counts = {n["id"]: n["papers"] for n in stats["nodes"]}
    assert stats["papers"] == 5 and stats["unclassified"] == 0 and stats["errors"] == 0
    # neo2024interpreting sits in two Model leaves but counts once for "model"
    assert counts["model/token/visual-token"] == 1
    assert counts["model/layer/decision-making-workflow"] == 2
    assert counts["model/token"] == 2
    assert counts["model"] == 3
    assert counts["data"] == 1 and counts["training-inference"] == 1
    leaf = next(n for n in stats["nodes"] if n["id"] == "data/application")
    assert (leaf["survey_refs"], leaf["minimum"]) == (18, 18)


def test_stats_text(fixture_db, capsys):
    code, out, _ = run(capsys, "stats", "--db", str(fixture_db))
    assert code == 0 and "papers: 5 (5 classified, 0 unclassified)" in out and "Visual-Text Token" in out


def test_export_bibtex_parses_back(fixture_db, capsys):
    code, out, _ = run(capsys, "export", "--format", "bibtex", "--db", str(fixture_db))
    assert code == 0
    library = bibtexparser.parse_string(out)
    assert not library.failed_blocks
    assert sorted(e.key for e in library.entries) == [
        "leng2024mitigating",
        "li2023evaluating",
        "muller2024sehen",
        "neo2024interpreting",
        "nostalgebraist2020interpreting",
    ]
    neo = library.entries_dict["neo2024interpreting"]
    assert neo.fields_dict["month"].value == "oct"
    assert neo.fields_dict["booktitle"].value == "International Conference on Learning Representations (ICLR)"
    assert "crossref" not in library.entries_dict["muller2024sehen"].fields_dict  # resolved, so the entry stands alone


def test_export_category_includes_descendants(fixture_db, capsys):
    code, out, _ = run(capsys, "export", "--format", "csv", "--db", str(fixture_db), "--category", "model/token")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and sorted(r["key"] for r in rows) == ["muller2024sehen", "neo2024interpreting"]
    muller = next(r for r in rows if r["key"] == "muller2024sehen")
    assert muller["authors"] == "Jörg Müller; María García; Anna van der Berg"
    assert muller["models"] == "LLaVA-1.5; Qwen-VL"


def test_export_json_has_fields_display_and_annotation(fixture_db, capsys):
    code, out, _ = run(
        capsys, "export", "--format", "json", "--db", str(fixture_db), "--category", "training-inference"
    )
    [record] = json.loads(out)
    assert code == 0 and record["key"] == "leng2024mitigating"
    assert record["bibtex"]["eprint"] == "2311.16922"
    assert record["bibtex"]["booktitle"].startswith("Proceedings of the IEEE/CVF")
    assert record["display"]["authors"][0] == "Sicong Leng"
    assert record["annotation"]["methods"] == ["visual-contrastive-decoding"]
    assert record["annotation"]["categories"][0]["why"].startswith("Changes only the decoding step")


def test_export_to_file(fixture_db, tmp_path, capsys):
    target = tmp_path / "out.bib"
    code, _, err = run(capsys, "export", "--format", "bibtex", "--db", str(fixture_db), "-o", str(target))
    assert code == 0 and target.read_text().startswith("@") and "wrote" in err


def test_export_unknown_category_is_a_clear_error(fixture_db, capsys):
    code, _, err = run(capsys, "export", "--format", "csv", "--db", str(fixture_db), "--category", "model/tokens")
    assert code == 1 and "unknown taxonomy node 'model/tokens'" in err and "model/token" in err


def test_missing_database_says_how_to_build(tmp_path, capsys):
    code, _, err = run(capsys, "stats", "--db", str(tmp_path / "none.db"))
    assert code == 1 and "run `atlas build` first" in err


def test_validate_json(data_dir, capsys):
    (data_dir / "papers" / "li2023evaluating.yaml").write_text("key: li2023evaluating\n")
    code, out, _ = run(capsys, "validate", "--data", str(data_dir), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert {"path", "line", "message", "severity"} <= set(report["problems"][0])
    assert any("missing field 'categories'" in p["message"] for p in report["problems"])


def test_validate_text_clean(data_dir, capsys):
    code, out, _ = run(capsys, "validate", "--data", str(data_dir), "--strict")
    assert code == 0 and "0 errors, 0 warnings" in out


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of the parser (``build``, ``methods run``, ...), found by introspection."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(prefix + (name,))
                found += _commands(sub, prefix + (name,))
    return found


COMMANDS = _commands(make_parser())


def test_the_introspection_sees_every_command():
    assert {("build",), ("validate",), ("add",), ("stats",), ("export",), ("related",), ("methods", "run")} <= set(
        COMMANDS
    )


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command):
    result = subprocess.run([sys.executable, "-m", "cli.main", *command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "usage: atlas " + " ".join(command) in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unknown_option_is_named_with_that_commands_usage(command, capsys):
    """`atlas related x --limit 5` once printed atlas's own usage ("atlas [-h] COMMAND ..."), which does not
    say which options `related` takes; now the command's own usage and error line, exit 2."""
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--no-such-option", "5"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert f"usage: atlas {' '.join(command)} " in err and f"atlas {' '.join(command)}: error: " in err


def test_related_names_the_option_it_does_not_know(capsys):
    with pytest.raises(SystemExit):
        main(["related", "attention heads", "--limit", "5"])
    assert "atlas related: error: unrecognized arguments: --limit 5" in capsys.readouterr().err

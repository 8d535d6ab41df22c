"""`atlas vocabulary`: every term with its id, name, family or broader term, aliases, definition and paper count."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing

from tests_paths import PROJECT

from cli.main import main
from explorer import related
from explorer.related.index import load_index
from explorer.related.topics import TOPIC_KIND, topic_papers
from taxonomy.vocabulary import load_vocabulary


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_every_term_with_a_definition_and_its_paper_count(data_dir, fixture_db, capsys):
    code, out, _ = run(capsys, "vocabulary", "--format", "json", "--data", str(data_dir), "--db", str(fixture_db))
    assert code == 0
    entries = json.loads(out)
    vocabulary = load_vocabulary()
    expected = (
        len(vocabulary.models)
        + len(vocabulary.families)
        + len(vocabulary.techniques)
        + len(vocabulary.modalities)
        + len(vocabulary.topics)
    )
    assert len(entries) == expected and all(e["definition"] for e in entries)
    assert [e["kind"] for e in entries][-len(vocabulary.topics) :] == ["topic"] * len(vocabulary.topics)  # topics last
    by_id = {(e["kind"], e["id"]): e for e in entries}
    logit = by_id[("technique", "logit-lens")]
    assert logit["name"] == "Logit lens" and logit["broader"] == "lens-decoding" and logit["method"] == "logit-lens"
    assert logit["papers"] == 2 and "vocabulary projection" in logit["aliases"]  # neo2024interpreting, nostalgebraist
    assert logit["plain"] and "projecting hidden states onto the vocabulary" in logit["informal"]
    assert by_id[("technique", "lens-decoding")]["papers"] == 2  # a broader term counts its narrower ones
    llava = by_id[("model", "llava-1.5")]
    assert (llava["family"], llava["papers"], llava["year"], llava["model_kind"]) == ("llava-family", 3, 2023, "mllm")
    assert by_id[("family", "llava-family")]["papers"] == 4  # and a family its models
    assert by_id[("modality", "image")]["papers"] == 4 and by_id[("modality", "music")]["papers"] == 0


def test_kind_filter_and_table(data_dir, capsys):
    code, out, _ = run(capsys, "vocabulary", "--kind", "technique", "--data", str(data_dir))
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:5] == ["kind", "id", "name", "family/broader", "papers"]
    assert lines[1].split()[:3] == ["technique", "attribution", "Input"]  # the broad terms first, as in the file
    logit = next(line for line in lines if line.startswith("technique  logit-lens "))
    assert "lens-decoding" in logit and " 2  " in logit and "Applies the model's final normalisation" in logit
    assert lines[-1] == f"{len(load_vocabulary().techniques)} technique terms"
    assert not any(line.startswith(("model ", "modality ")) for line in lines)


def test_a_broken_vocabulary_is_one_message_naming_file_and_line(tmp_path):
    # a fresh process whose taxonomy/vocabulary is a broken copy, as a contributor's checkout would be
    import shutil

    project = PROJECT
    copy = tmp_path / "project"
    for name in sorted(package.parent.name for package in project.glob("*/__init__.py")):  # every package
        shutil.copytree(project / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(project / "tests" / "fixtures" / "data", copy / "data")
    models = copy / "taxonomy" / "vocabulary" / "models.yaml"
    models.write_text(
        models.read_text().replace(
            "    family: llava-family\n    kind: mllm\n    organisation: UW–Madison, Microsoft Research\n",
            "    family: lava-family\n    kind: mllm\n    organisation: UW–Madison, Microsoft Research\n",
            1,
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "vocabulary", "--data", str(copy / "data")],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"atlas: error: {models}:") and "names unknown family 'lava-family'" in line


# --- topics: no annotation names one; their counts come from the knowledge base --------------------------------


def test_topics_json_counts_the_papers_whose_text_names_them(data_dir, fixture_db, capsys):
    code, out, err = run(
        capsys, "vocabulary", "--kind", "topic", "--format", "json", "--data", str(data_dir), "--db", str(fixture_db)
    )
    assert code == 0 and f"topic paper counts: papers of {fixture_db.resolve()}" in err
    entries = json.loads(out)
    assert {e["kind"] for e in entries} == {"topic"} and len(entries) == len(load_vocabulary().topics)
    by_id = {e["id"]: e for e in entries}
    objects = by_id["object-hallucination"]
    assert objects["name"] == "Object hallucination" and objects["broader"] == "hallucination"
    assert "object hallucination" in objects["aliases"] and objects["plain"] and objects["informal"]
    # li2023evaluating ("Evaluating Object Hallucination ...") and leng2024mitigating ("... Object Hallucinations ...")
    assert objects["papers"] == 2
    assert by_id["hallucination"]["papers"] == 2  # a broader topic counts its narrower topics' papers
    assert by_id["trustworthiness"]["papers"] >= 2 and by_id["counting"]["papers"] == 0


def test_topic_counts_are_related_search_membership(bundled_db, capsys):
    code, out, _ = run(capsys, "vocabulary", "--kind", "topic", "--format", "json", "--db", str(bundled_db))
    assert code == 0
    listed = {e["name"]: e["papers"] for e in json.loads(out)}
    with closing(sqlite3.connect(bundled_db)) as conn:
        index = load_index(conn)
        concepts = index.concepts
        expected = {
            names[0]: topic_papers(concepts, index.text, c, conn, index.position).size
            for c, (names, kind) in enumerate(zip(concepts.names, concepts.kinds, strict=True))
            if kind == TOPIC_KIND
        }
    assert listed == expected and listed["Hallucination"] > listed["Object hallucination"] > 0


def test_topic_count_is_what_a_question_describing_the_topic_finds(bundled_db, capsys):
    """End to end: related-work search, asked a question that describes object hallucination, says "It is about
    hallucination" (and "... and object hallucination") for exactly as many papers as the listing counts."""
    code, out, _ = run(capsys, "vocabulary", "--kind", "topic", "--format", "json", "--db", str(bundled_db))
    listed = {e["name"]: e["papers"] for e in json.loads(out)}
    with closing(sqlite3.connect(bundled_db)) as conn:
        result = related.find_related(conn, text="the assistant mentions things that are not in the picture", k=200)
    about = [r.split(", which")[0] for p in result.papers for r in p.reasons if r.startswith("It is about ")]
    # every paper about hallucination gets at least the smallest topic points seen; the last paper has fewer points
    # in all, so none was cut off by k
    assert code == 0 and result.papers[-1].score < min(p.components.get("topic", 9.0) for p in result.papers)
    assert len(about) == listed["Hallucination"] > 0
    assert sum(r.endswith("object hallucination") for r in about) == listed["Object hallucination"] > 0


def test_topic_table_without_a_knowledge_base_says_why_there_is_no_count(data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ATLAS_DB", str(tmp_path / "absent.db"))
    code, out, err = run(capsys, "vocabulary", "--kind", "topic", "--data", str(data_dir))
    lines = out.splitlines()
    assert code == 0 and "topic paper counts need a knowledge base" in err and "absent.db" in err
    hallucination = next(line for line in lines if line.startswith("topic  hallucination "))
    assert " ? " in hallucination and "trustworthiness" in hallucination
    assert lines[-1] == f"{len(load_vocabulary().topics)} topic terms"


def test_models_alone_never_open_the_knowledge_base(data_dir, tmp_path, capsys):
    code, _, err = run(capsys, "vocabulary", "--kind", "model", "--data", str(data_dir), "--db", str(tmp_path / "x"))
    assert code == 0 and err == ""


def test_a_missing_or_hostile_database_is_one_clear_message(data_dir, tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n")
    for db in (tmp_path / "missing.db", tmp_path, text_file):
        result = subprocess.run(
            [sys.executable, "-m", "cli.main", "vocabulary", "--data", str(data_dir), "--db", str(db)],
            cwd=PROJECT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("atlas: error:") and str(db.name) in line

"""`atlas vocabulary`: every term with its id, name, family or broader term, aliases, definition and paper count."""

from __future__ import annotations

import json
import subprocess
import sys

from tests_paths import PROJECT

from cli.main import main
from taxonomy.vocabulary import load_vocabulary


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_every_term_with_a_definition_and_its_paper_count(data_dir, capsys):
    code, out, _ = run(capsys, "vocabulary", "--format", "json", "--data", str(data_dir))
    assert code == 0
    entries = json.loads(out)
    vocabulary = load_vocabulary()
    expected = (
        len(vocabulary.models) + len(vocabulary.families) + len(vocabulary.techniques) + len(vocabulary.modalities)
    )
    assert len(entries) == expected and all(e["definition"] for e in entries)
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

"""Annotations name vocabulary ids: `atlas validate` and `atlas build` reject anything else at its line,
with the id when the value is a known spelling, or the closest ids; a broken vocabulary stops a build."""

from __future__ import annotations

import shutil

import pytest
from contribute_support import at, edit, line_of, problems

from cli.main import main
from ingest import DataError, build
from taxonomy.vocabulary import VOCABULARY_DIR


def term_problems(found):
    return [p for p in found if "models/" in p.message or "technique/" in p.message or "modalities/" in p.message]


def test_the_fixture_data_uses_ids_only(data_dir):
    assert [str(p) for p in problems(data_dir)] == []


def test_a_known_spelling_is_answered_with_its_id(data_dir):
    path = edit(data_dir, "neo2024interpreting.yaml", "models: [llava-1.5]", "models: [LLaVA-v1.5-7B]")
    [problem] = problems(data_dir)
    assert at(problem, path, line_of(path, "models:")) and problem.severity == "error"
    assert (
        problem.message == "models/0: 'LLaVA-v1.5-7B' is a spelling of the model 'llava-1.5': write its id, llava-1.5"
    )


def test_an_unknown_term_gets_the_closest_ids_and_the_way_to_add_one(data_dir):
    path = edit(
        data_dir,
        "neo2024interpreting.yaml",
        "technique: [token-ablation, logit-lens, attention-knockout]",
        "technique:\n  - token-ablation\n  - logit lenz\n  - attention knockouts",
    )
    found = problems(data_dir)
    lenz, knockouts = found
    assert at(lenz, path, line_of(path, "- logit lenz")) and at(knockouts, path, line_of(path, "- attention knockouts"))
    assert lenz.message.startswith(
        "technique/1: unknown technique 'logit lenz': closest ids: logit-lens; use an id from "
        "taxonomy/vocabulary/techniques.yaml, or add the technique there with a definition"
    )
    assert "new terms are listed for review in the pull-request summary" in lenz.message
    assert "'attention knockouts' is a spelling of the technique 'attention-knockout'" in knockouts.message  # plural


def test_a_prose_list_of_models_points_at_the_models_it_names(data_dir):
    path = edit(
        data_dir,
        "muller2024sehen.yaml",
        "models: [llava-1.5, qwen-vl]",
        "models: [LLaVA-1.5 and nine other LVLMs, qwen-vl]",
    )
    [problem] = problems(data_dir)
    assert at(problem, path, line_of(path, "models:"))
    assert "unknown model 'LLaVA-1.5 and nine other LVLMs': closest ids: llava-1.5" in problem.message
    assert "with its family, kind, organisation and year" in problem.message


def test_modalities_come_from_the_vocabulary(data_dir):
    path = edit(data_dir, "li2023evaluating.yaml", "modalities: [image, text]", "modalities: [image, txt]")
    [problem] = problems(data_dir)
    assert at(problem, path, line_of(path, "modalities:"))
    assert problem.message.startswith("modalities/1: unknown modality 'txt': closest ids: text;")


def test_a_family_id_is_a_valid_model(data_dir):
    edit(data_dir, "neo2024interpreting.yaml", "models: [llava-1.5]", "models: [llava-family]")
    assert problems(data_dir) == []


def test_atlas_validate_and_build_refuse_an_unknown_term(data_dir, tmp_path, capsys):
    edit(data_dir, "leng2024mitigating.yaml", "models: [llava-1.5, instructblip, qwen-vl]", "models: [LLaVA-1.5]")
    assert main(["validate", "--data", str(data_dir)]) == 1
    assert (
        "leng2024mitigating.yaml:6: error: models/0: 'LLaVA-1.5' is a spelling of the model 'llava-1.5'"
        in capsys.readouterr().out
    )
    with pytest.raises(DataError):
        build(data_dir, tmp_path / "atlas.db")
    assert not (tmp_path / "atlas.db").exists()


@pytest.fixture
def broken_vocabulary(tmp_path):
    folder = tmp_path / "vocabulary"
    shutil.copytree(VOCABULARY_DIR, folder)
    path = folder / "models.yaml"
    path.write_text(
        path.read_text().replace(
            "  - id: minigpt-4\n    name: MiniGPT-4\n",
            "  - id: minigpt-4\n    name: MiniGPT-4\n    family: minigpt-family\n",
        )
    )
    return folder


def test_a_broken_vocabulary_is_reported_at_its_line_and_stops_a_build(data_dir, broken_vocabulary, tmp_path):
    found = problems(data_dir, vocabulary_dir=broken_vocabulary)
    [problem] = found  # annotations are not checked against a vocabulary with problems
    assert problem.path.endswith("models.yaml") and problem.line == line_of(
        broken_vocabulary / "models.yaml", "- id: minigpt-4"
    )
    assert problem.message.startswith(
        "model 'minigpt-4' names unknown family 'minigpt-family': use one of llava-family, "
    )
    build(data_dir, tmp_path / "atlas.db")  # the shipped vocabulary builds ...
    with pytest.raises(DataError):  # ... a broken one would not, even with --keep-going (no entry to leave out)
        from ingest import read_dataset
        from ingest.keep_going import leave_out_failing

        leave_out_failing(read_dataset(data_dir, vocabulary_dir=broken_vocabulary))

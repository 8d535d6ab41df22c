"""Fields still saying TODO (as `atlas add` leaves them): one clear message per line, saying what to write."""

from __future__ import annotations

import datetime as dt

from contribute_support import at, line_of, problems

from ingest.scaffold import annotation_template

TODAY = dt.date(2026, 11, 22)


def test_every_placeholder_of_a_scaffold_is_reported_once(data_dir):
    path = data_dir / "papers" / "leng2024mitigating.yaml"
    path.write_text(
        annotation_template("leng2024mitigating", "Mitigating ...", "Leng", 2023, today=TODAY, first_public=2023)
    )
    found = problems(data_dir)
    expected = {
        "categories/0/id": "a leaf id such as model/token/visual-token (all leaves: atlas validate --help)",
        "categories/0/why": "one sentence, in your own words, saying why the paper belongs in this leaf",
        "modalities/0": "the modalities the paper works with, e.g. [image, text] (taxonomy/vocabulary/modalities.yaml)",
        "models/0": "the ids of the models studied, e.g. [llava-1.5] (taxonomy/vocabulary/models.yaml), or []",
        "technique/0": "technique ids, e.g. [attention-analysis, causal-tracing] (taxonomy/vocabulary/techniques.yaml)",
        "granularity": "one of dataset, sample, token, embedding, neuron, component, layer, model",
        "summary": "one sentence in your own words (never the abstract)",
    }
    needles = {
        "categories/0/id": "- id: TODO",
        "categories/0/why": "why: TODO",
        "modalities/0": "modalities:",
        "models/0": "models:",
        "technique/0": "technique:",
        "granularity": "granularity:",
        "summary": "summary:",
    }
    assert len(found) == len(expected), [str(p) for p in found]  # no second message from the schema or leaf check
    for problem, (where, fix) in zip(sorted(found, key=lambda p: p.line), expected.items(), strict=True):
        assert at(problem, path, line_of(path, needles[where]))
        assert problem.message == f"{where}: still the placeholder TODO left by `atlas add`: replace it with {fix}"


def test_a_todo_written_by_hand_is_caught_too(data_dir):
    path = data_dir / "papers" / "li2023evaluating.yaml"
    text = path.read_text().replace("summary: Polling", "summary: TODO rewrite this. Polling")
    path.write_text(text)
    [problem] = problems(data_dir)
    assert at(problem, path, line_of(path, "summary:"))
    assert problem.message.startswith("summary: still the placeholder TODO left by `atlas add`")

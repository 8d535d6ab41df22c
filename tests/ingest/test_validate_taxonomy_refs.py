"""Leaves and method ids that do not exist, at the line of the id, with the ids to use."""

from __future__ import annotations

from pathlib import Path

from contribute_support import at, edit, line_of, only, problems


def catalog(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "methods:\n  - id: logit-lens\n    name: Logit lens\n  - id: visual-contrastive-decoding\n"
        "    name: Visual contrastive decoding\n",
        encoding="utf-8",
    )
    return path


def test_unknown_leaf(data_dir):
    path = edit(data_dir, "li2023evaluating.yaml", "- id: data/benchmark", "- id: data/benchmarks")
    problem = only(problems(data_dir), "unknown category")
    assert at(problem, path, line_of(path, "data/benchmarks"))
    assert problem.message == (
        "unknown category 'data/benchmarks': use a leaf id such as data/application (all leaves: atlas validate --help)"
    )


def test_inner_node_is_not_a_leaf(data_dir):
    path = edit(data_dir, "li2023evaluating.yaml", "- id: data/benchmark", "- id: model/token")
    problem = only(problems(data_dir), "is not a leaf")
    assert at(problem, path, line_of(path, "- id: model/token"))
    assert (
        problem.message
        == "'model/token' is not a leaf: use one of model/token/visual-token, model/token/visual-text-token"
    )


def test_leaf_listed_twice(data_dir):
    path = edit(
        data_dir,
        "neo2024interpreting.yaml",
        "- id: model/layer/decision-making-workflow",
        "- id: model/token/visual-token",
    )
    problem = only(problems(data_dir), "listed twice")
    assert at(problem, path, line_of(path, "- id: model/token/visual-token", 2))
    assert problem.message == "category 'model/token/visual-token' is listed twice: merge the two entries"


def test_unknown_method_id(data_dir, tmp_path):
    path = edit(
        data_dir, "neo2024interpreting.yaml", "methods: [logit-lens]", "methods:\n  - logit-lens\n  - tuned-lens"
    )
    problem = only(problems(data_dir, methods_catalog=catalog(tmp_path)), "unknown method")
    assert at(problem, path, line_of(path, "- tuned-lens"))
    assert problem.message == (
        "unknown method 'tuned-lens': use an id from methods/catalog.yaml (logit-lens, visual-contrastive-decoding)"
    )


def test_known_methods_pass(data_dir, tmp_path):
    assert [str(p) for p in problems(data_dir, methods_catalog=catalog(tmp_path))] == []

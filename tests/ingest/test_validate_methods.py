"""Annotations' `methods:` against the shipped catalogue (methods/catalog.yaml): `atlas validate` and
`atlas build` reject an id the catalogue does not have, at its line, naming the ids to use."""

from __future__ import annotations

import pytest
from contribute_support import at, edit, line_of, only, problems

from cli.main import main
from ingest import DataError, build
from methods.catalog import load_catalog


def test_every_catalogued_id_is_accepted(data_dir):
    ids = [e.id for e in load_catalog()]
    edit(data_dir, "muller2024sehen.yaml", "methods: []", "methods: [" + ", ".join(ids) + "]")
    assert [str(p) for p in problems(data_dir)] == []


def test_unknown_id_is_reported_with_the_shipped_ids(data_dir):
    path = edit(
        data_dir, "neo2024interpreting.yaml", "methods: [logit-lens]", "methods:\n  - logit-lens\n  - tuned-lens"
    )
    problem = only(problems(data_dir), "unknown method")
    assert at(problem, path, line_of(path, "- tuned-lens")) and problem.severity == "error"
    listed = problem.message.split("(", 1)[1].rstrip(")").split(", ")
    assert problem.message.startswith("unknown method 'tuned-lens': use an id from methods/catalog.yaml (")
    assert listed == sorted(e.id for e in load_catalog())


def test_atlas_validate_exits_1_on_an_unknown_id(data_dir, capsys):
    edit(
        data_dir, "leng2024mitigating.yaml", "methods: [visual-contrastive-decoding]", "methods: [contrastive-decoding]"
    )
    code = main(["validate", "--data", str(data_dir)])
    out = capsys.readouterr().out
    assert code == 1
    assert (
        "leng2024mitigating.yaml:11: error: unknown method 'contrastive-decoding': use an id from methods/catalog.yaml"
        in out
    )
    assert "visual-contrastive-decoding" in out


def test_build_refuses_an_unknown_id_and_keeps_the_old_database(data_dir, tmp_path):
    db_path = tmp_path / "atlas.db"
    build(data_dir, db_path)
    before = db_path.read_bytes()
    edit(data_dir, "neo2024interpreting.yaml", "methods: [logit-lens]", "methods: [logit-lenz]")
    with pytest.raises(DataError) as caught:
        build(data_dir, db_path)
    assert any("unknown method 'logit-lenz'" in p.message for p in caught.value.problems)
    assert db_path.read_bytes() == before

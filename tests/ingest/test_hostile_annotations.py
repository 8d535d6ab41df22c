"""Annotations a stranger can write: every wrong shape is one message at its line, in bounded time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema
import pytest
from contribute_support import edit, line_of, problems, write

from ingest import DataError, build
from ingest.annotations import MAX_ANNOTATION_BYTES, MAX_NESTING, load_schema, parse_annotation

KEY = "neo2024interpreting"
WRONG_VALUES = [5, "text", None, True, 1.5, [1, 2], {"a": 1}, [[["x"]]], [{"id": 5, "why": 7}]]


def _field_names() -> list[str]:
    return sorted(load_schema()["properties"])


@pytest.mark.parametrize("name", _field_names())
def test_every_field_with_every_wrong_type_is_a_message_not_a_crash(data_dir: Path, tmp_path: Path, name: str):
    path = data_dir / "papers" / f"{KEY}.yaml"
    original = path.read_text(encoding="utf-8")
    accepts = jsonschema.Draft202012Validator(load_schema()["properties"][name]).is_valid
    for value in (v for v in WRONG_VALUES if not accepts(v)):
        lines = [line for line in original.splitlines() if not line.startswith(f"{name}:")]
        text = "\n".join(lines) + f"\n{name}: {json.dumps(value)}\n"
        path.write_text(text, encoding="utf-8")
        found = problems(data_dir)  # must not raise
        db = tmp_path / f"{name}.db"
        assert [p for p in found if p.severity == "error"], f"{name}: {value!r} was accepted"
        with pytest.raises(DataError):
            build(data_dir, db)
        assert not db.exists()


def test_billion_laughs_is_refused_at_the_alias_line_quickly(data_dir: Path):
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    path = write(data_dir, f"{KEY}.yaml", f"key: {KEY}\n" + "\n".join(laughs) + "\n")
    start = time.monotonic()
    found = problems(data_dir)
    assert time.monotonic() - start < 5
    alias = [p for p in found if "aliases" in p.message]
    assert len(alias) == 1 and alias[0].line == line_of(path, "b: &b")


def test_deep_nesting_is_refused_without_recursion_error(data_dir: Path):
    path = write(data_dir, f"{KEY}.yaml", f"key: {KEY}\nmodels: " + "[" * 990 + "]" * 990 + "\n")
    found = [p for p in problems(data_dir) if p.path.endswith(f"{KEY}.yaml")]
    assert len(found) == 1 and f"more than {MAX_NESTING} levels" in found[0].message
    assert found[0].line == 2
    assert path.exists()


def test_nesting_at_the_bound_is_parsed():
    ok = "key: x\nm: " + "[" * (MAX_NESTING - 2) + "]" * (MAX_NESTING - 2) + "\n"
    annotation, found = parse_annotation(ok, "x.yaml", "x")
    assert annotation is not None and not [p for p in found if "levels" in p.message]


@pytest.mark.parametrize(
    "text", ["!!set {key: x}\n", "--- !!set\n? key\n? x\n", "!!omap\n- key: x\n", "- key\n", "x\n"]
)
def test_a_document_that_is_not_a_dict_is_one_message_not_a_crash(text: str):
    annotation, found = parse_annotation(text, "x.yaml", "x")
    assert annotation is None
    assert [(p.line, "must be a mapping" in p.message) for p in found] == [(1, True)]


def test_huge_annotation_is_refused_by_size(data_dir: Path):
    write(data_dir, f"{KEY}.yaml", f"key: {KEY}\nsummary: " + "x" * (MAX_ANNOTATION_BYTES + 1) + "\n")
    found = [p for p in problems(data_dir) if p.path.endswith(f"{KEY}.yaml")]
    assert len(found) == 1 and "bytes" in found[0].message


def test_nul_and_invalid_utf8_are_one_message_at_their_line(data_dir: Path):
    path = data_dir / "papers" / f"{KEY}.yaml"
    text = path.read_text(encoding="utf-8")
    target = line_of(path, "summary:")
    lines = text.splitlines()
    lines[target - 1] = "summary: a\0b and more words to be long enough"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = [p for p in problems(data_dir) if p.path.endswith(f"{KEY}.yaml")]
    assert [(p.line, "NUL" in p.message) for p in found] == [(target, True)]
    lines[target - 1] = "summary: caf\udce9 and more words to be long enough"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    found = [p for p in problems(data_dir) if p.path.endswith(f"{KEY}.yaml")]
    assert [(p.line, "UTF-8" in p.message) for p in found] == [(target, True)]


def test_relations_as_a_number_is_a_schema_message(data_dir: Path):
    path = edit(data_dir, f"{KEY}.yaml", "relations:\n", "relations: 5\nold_relations:\n")
    found = [p for p in problems(data_dir) if "relations: 5 is not of type 'array'" in p.message]
    assert len(found) == 1 and found[0].line == line_of(path, "relations: 5")

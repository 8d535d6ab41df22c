"""Every kind of bad input: reported at path:line with the fix, exit 1, old database byte-identical."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from contribute_support import edit, line_of, write

from cli.main import main
from ingest import DataError, build


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def built(data_dir: Path, tmp_path: Path) -> Path:
    """A good database built from the fixture, which every broken build must leave alone."""
    db = tmp_path / "kb.db"
    build(data_dir, db, strict=True)
    return db


def failing_build(data_dir: Path, db: Path, capsys, strict: bool = False) -> str:
    """Run `atlas build` on the broken folder; assert exit 1 and an untouched database; return stderr."""
    before = sha(db)
    argv = ["build", "--data", str(data_dir), "--db", str(db)] + (["--strict"] if strict else [])
    assert main(argv) == 1
    assert sha(db) == before, "a failed build must leave the previous database byte-identical"
    assert not [p for p in db.parent.iterdir() if p.name.endswith(".building")], "temporary file left behind"
    return capsys.readouterr().err


def test_bibtex_syntax_error(data_dir, built, capsys):
    path = write(
        data_dir,
        "broken.bib",
        "@article{broken2024x,\n  title = {Unclosed,\n  year = 2024\n\n@misc{other2024y, title={Fine}, year={2024}}\n",
    )
    err = failing_build(data_dir, built, capsys)
    assert (
        f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}:1: error: BibTeX syntax error"
        in err
    )
    assert "check the braces, quotes and commas" in err


def test_duplicate_key_ignoring_case_names_both_places(data_dir, built, capsys):
    write(
        data_dir,
        "zz_dup.bib",
        "\n\n@misc{Neo2024Interpreting,\n  title = {Another paper entirely},\n  year = {2024},\n}\n",
    )
    err = failing_build(data_dir, built, capsys)
    assert "zz_dup.bib:3: error: duplicate key 'Neo2024Interpreting'" in err
    assert "already used by 'neo2024interpreting' at" in err and "neo2024interpreting.bib:1" in err


def test_duplicate_key_in_one_file(data_dir, built, capsys):
    write(
        data_dir,
        "twice.bib",
        "@misc{twice2024a, title={One}, year={2024}}\n@misc{twice2024a, title={Two}, year={2024}}\n",
    )
    err = failing_build(data_dir, built, capsys)
    assert "twice.bib:2: error: duplicate key 'twice2024a': already used at" in err and "twice.bib:1" in err


@pytest.mark.parametrize(
    "field,value,kind",
    [
        ("doi", "10.1234/FIXTURE.2024.001", "DOI"),
        ("eprint", "2410.07149v3", "arXiv id"),
        ("title", "TOWARDS interpreting visual information processing in vision–language models!", "title"),
    ],
)
def test_same_paper_under_two_keys(data_dir, built, capsys, field, value, kind):
    # Files are read in sorted order, so the entry in the later file ("zz_") is the one reported.
    # A shared title alone is not enough: the same first author (Neo), a year at most one apart.
    title = "" if field == "title" else "  title = {Different},\n"
    write(
        data_dir,
        "zz_copy.bib",
        f"@misc{{copy2024x,\n  author = {{Neo, C.}},\n  {field} = {{{value}}},\n{title}  year = {{2025}},\n}}\n",
    )
    err = failing_build(data_dir, built, capsys)
    assert "zz_copy.bib:3: error: 'copy2024x' is the same paper as" in err
    assert f"same {kind}" in err and "keep one entry and delete the other" in err


def test_annotation_without_bibtex_entry(data_dir, built, capsys):
    path = data_dir / "papers" / "ghost2024paper.yaml"
    text = (data_dir / "papers" / "li2023evaluating.yaml").read_text().replace("li2023evaluating", "ghost2024paper")
    path.write_text(text)
    err = failing_build(data_dir, built, capsys)
    assert "ghost2024paper.yaml:1: error: annotation for 'ghost2024paper' but no BibTeX entry has that key" in err


def test_unknown_category(data_dir, built, capsys):
    path = edit(data_dir, "li2023evaluating.yaml", "data/benchmark", "data/benchmarks")
    err = failing_build(data_dir, built, capsys)
    assert f"li2023evaluating.yaml:{line_of(path, 'data/benchmarks')}: error: unknown category 'data/benchmarks'" in err


def test_non_leaf_category(data_dir, built, capsys):
    path = edit(data_dir, "li2023evaluating.yaml", "id: data/benchmark", "id: model/token")
    err = failing_build(data_dir, built, capsys)
    assert (
        f"li2023evaluating.yaml:{line_of(path, 'model/token')}: error: 'model/token' is not a leaf: use one of "
        "model/token/visual-token, model/token/visual-text-token" in err
    )


def test_category_without_why(data_dir, built, capsys):
    path = edit(
        data_dir,
        "li2023evaluating.yaml",
        "    why: Builds a polling-based yes/no benchmark that measures how often models claim absent objects.\n",
        "",
    )
    err = failing_build(data_dir, built, capsys)
    assert f"li2023evaluating.yaml:{line_of(path, 'data/benchmark')}: error: categories/0: category has no 'why'" in err


def test_empty_why(data_dir, built, capsys):
    path = edit(
        data_dir,
        "li2023evaluating.yaml",
        "why: Builds a polling-based yes/no benchmark that measures how often models claim absent objects.",
        'why: ""',
    )
    err = failing_build(data_dir, built, capsys)
    assert f"li2023evaluating.yaml:{line_of(path, 'why:')}: error: categories/0/why: 'why' is empty" in err


def test_invalid_yaml(data_dir, built, capsys):
    path = edit(data_dir, "li2023evaluating.yaml", "modalities: [image, text]", "modalities: [image, text")
    err = failing_build(data_dir, built, capsys)
    assert "li2023evaluating.yaml:" in err and "error: invalid YAML" in err
    reported = int(err.split("li2023evaluating.yaml:")[1].split(":")[0])
    assert reported in (line_of(path, "modalities"), line_of(path, "modalities") + 1)


def test_schema_violation_names_field_and_line(data_dir, built, capsys):
    path = edit(data_dir, "li2023evaluating.yaml", "granularity: dataset", "granularity: galaxy")
    err = failing_build(data_dir, built, capsys)
    assert (
        f"li2023evaluating.yaml:{line_of(path, 'galaxy')}: "
        "error: granularity: 'galaxy' is not allowed: use one of dataset" in err
    )


def test_non_http_code_url(data_dir, built, capsys):
    path = edit(
        data_dir, "li2023evaluating.yaml", "code: https://github.com/RUCAIBox/POPE", "code: javascript:alert(1)"
    )
    err = failing_build(data_dir, built, capsys)
    assert f"li2023evaluating.yaml:{line_of(path, 'javascript')}: error: code:" in err and "http(s) URL or null" in err


def test_relation_to_unknown_key(data_dir, built, capsys):
    path = edit(data_dir, "muller2024sehen.yaml", "key: neo2024interpreting", "key: nobody2030nothing")
    err = failing_build(data_dir, built, capsys)
    assert (
        f"muller2024sehen.yaml:{line_of(path, 'nobody2030nothing')}: error: relation to unknown key 'nobody2030nothing'"
        in err
    )


def test_undefined_string_macro(data_dir, built, capsys):
    path = edit(
        data_dir, "neo2024interpreting.bib", 'booktitle     = iclr # " (ICLR)"', 'booktitle     = iclrr # " (ICLR)"'
    )
    err = failing_build(data_dir, built, capsys)
    assert (
        f"neo2024interpreting.bib:{line_of(path, 'iclrr')}: "
        "error: field 'booktitle' uses undefined @string macro 'iclrr'" in err
    )


def test_unknown_crossref(data_dir, built, capsys):
    path = edit(data_dir, "muller2024sehen.bib", "crossref  = {cvpr2024}", "crossref  = {cvpr2099}")
    err = failing_build(data_dir, built, capsys)
    assert f"muller2024sehen.bib:{line_of(path, 'cvpr2099')}: error: crossref 'cvpr2099' names no entry" in err


def test_every_problem_reported_in_one_run(data_dir, built, capsys):
    edit(data_dir, "li2023evaluating.yaml", "granularity: dataset", "granularity: galaxy")
    edit(data_dir, "muller2024sehen.yaml", "key: neo2024interpreting", "key: nobody2030nothing")
    write(data_dir, "broken.bib", "@article{broken2024x, title = {Unclosed\n")
    err = failing_build(data_dir, built, capsys)
    assert "galaxy" in err and "nobody2030nothing" in err and "BibTeX syntax error" in err
    assert "3 errors" in err


def test_missing_annotation_is_a_warning_and_strict_error(data_dir, tmp_path, capsys):
    write(
        data_dir,
        "plain2024paper.bib",
        "@misc{plain2024paper,\n  title = {A Plain Paper},\n  author = {Doe, Jane},\n  year = {2024},\n}\n",
    )
    db = tmp_path / "kb.db"
    assert main(["build", "--data", str(data_dir), "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert (
        "plain2024paper.bib:1: warning: 'plain2024paper' has no annotation: it is loaded as unclassified"
        in captured.err
    )
    assert "1 unclassified" in captured.out
    before = sha(db)
    assert main(["build", "--data", str(data_dir), "--db", str(db), "--strict", "--force"]) == 1
    assert "plain2024paper.bib:1: error: 'plain2024paper' has no annotation" in capsys.readouterr().err
    assert sha(db) == before


def test_strict_no_op_build_still_fails_on_stored_warnings(data_dir, tmp_path, capsys):
    write(
        data_dir,
        "plain2024paper.bib",
        "@misc{plain2024paper, title = {A Plain Paper}, author = {Doe, Jane}, year = {2024}}\n",
    )
    db = tmp_path / "kb.db"
    build(data_dir, db)
    with pytest.raises(DataError) as caught:
        build(data_dir, db, strict=True)
    assert "plain2024paper" in str(caught.value.problems[0])


def test_missing_data_folder(tmp_path, capsys):
    assert main(["build", "--data", str(tmp_path / "nowhere"), "--db", str(tmp_path / "kb.db")]) == 1
    assert "data folder not found" in capsys.readouterr().err
    assert not (tmp_path / "kb.db").exists()


def test_an_empty_name_in_the_author_list(data_dir, built, capsys):
    path = write(
        data_dir,
        "zz_names.bib",
        "@misc{smith2024x,\n  title = {T},\n  year = {2024},\n  author = {Smith, Anna and ,},\n}\n",
    )
    err = failing_build(data_dir, built, capsys)
    assert (
        f"zz_names.bib:{line_of(path, 'author =')}: error: entry 'smith2024x': name 2 of the author list is empty"
        in err
    )

"""Malformed DOIs and arXiv ids: reported at the field's line, with the form to use."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from contribute_support import at, edit, line_of, only, problems

from cli.main import main
from ingest.validate import arxiv_id_problem


@pytest.mark.parametrize(
    "doi", ["1234/fixture.2024.001", "10.12/x", "10.1234", "https://example.org/10.1234/x", "10.1234/with space"]
)
def test_malformed_doi(data_dir, doi):
    path = edit(data_dir, "muller2024sehen.bib", "doi       = {10.1234/fixture.2024.001}", f"doi = {{{doi}}}")
    problem = only(problems(data_dir), "is malformed: a DOI looks like")
    assert at(problem, path, line_of(path, "doi = "))
    assert problem.severity == "error"
    assert problem.message == (
        f"'muller2024sehen': DOI '{doi}' is malformed: a DOI looks like 10.18653/v1/D18-1437 "
        "(the part after https://doi.org/); copy it from the publisher's page"
    )


@pytest.mark.parametrize(
    "doi",
    [
        "10.1234/fixture.2024.001",
        "https://doi.org/10.1234/fixture.2024.001",
        "doi:10.1234/fixture.2024.001",
        "10.1145/3394486.3403097",
    ],
)
def test_wellformed_doi_forms_pass(data_dir, doi):
    edit(data_dir, "muller2024sehen.bib", "doi       = {10.1234/fixture.2024.001}", f"doi = {{{doi}}}")
    assert [str(p) for p in problems(data_dir)] == []


@pytest.mark.parametrize(
    "eprint, reason",
    [
        ("2410.7149", "ids from 2015 on have 5 digits after the dot"),
        ("1412.001234", "expected YYMM.NNNNN (e.g. 2410.07149) or archive/YYMMNNN (e.g. hep-th/9901001)"),
        ("1412.01234", "ids from before 2015 have 4 digits after the dot"),
        ("2413.00001", "'13' is not a month (ids start with YYMM)"),
        ("0612.1234", "new-style ids start in April 2007 (0704.xxxx)"),
        ("arXiv:2410.07149", "write the bare id 2410.07149, without prefix or URL"),
        ("https://arxiv.org/abs/2410.07149", "write the bare id 2410.07149, without prefix or URL"),
        ("hep-th/0812001", "old-style ids (archive/YYMMNNN) run from 1991 to March 2007"),
        ("two thousand", "expected YYMM.NNNNN (e.g. 2410.07149) or archive/YYMMNNN (e.g. hep-th/9901001)"),
    ],
)
def test_malformed_arxiv_id(data_dir, eprint, reason):
    path = edit(data_dir, "neo2024interpreting.bib", "eprint        = {2410.07149}", f"eprint = {{{eprint}}}")
    problem = only(problems(data_dir), "is malformed (")
    assert at(problem, path, line_of(path, "eprint = "))
    assert problem.message == (
        f"'neo2024interpreting': arXiv id '{eprint}' is malformed ({reason}): "
        "write eprint = {2410.07149} with the id shown on the paper's arXiv page"
    )


def test_arxiv_id_from_the_future():
    assert arxiv_id_problem("2502.00001", today=dt.date(2025, 1, 15)) == "2025-02 is in the future"
    assert arxiv_id_problem("2501.00001", today=dt.date(2025, 1, 15)) is None


@pytest.mark.parametrize(
    "good",
    ["2410.07149", "2410.07149v3", "0704.0001", "1412.1234", "hep-th/9901001", "math.AG/0601001", "cs/0612047v2"],
)
def test_wellformed_arxiv_ids(good):
    assert arxiv_id_problem(good, today=dt.date(2026, 1, 1)) is None


def test_arxiv_field_is_checked_too(data_dir):
    path = edit(
        data_dir,
        "li2023evaluating.bib",
        "  eprint    = {2305.10355},\n  archivePrefix = {arXiv},\n",
        "  arxiv = {2305.1035},\n",
    )
    problem = only(problems(data_dir), "is malformed (")
    assert at(problem, path, line_of(path, "arxiv = "))
    assert "write arxiv = {2410.07149}" in problem.message


def test_eprint_of_another_archive_is_left_alone(data_dir):
    edit(
        data_dir,
        "li2023evaluating.bib",
        "  eprint    = {2305.10355},\n  archivePrefix = {arXiv},\n",
        "  eprint = {hal-01234567},\n  archivePrefix = {HAL},\n",
    )
    assert [p for p in problems(data_dir) if "malformed" in p.message] == []


def test_cli_reports_path_line_message_and_json(data_dir, capsys):
    path = edit(data_dir, "neo2024interpreting.bib", "eprint        = {2410.07149}", "eprint = {2410.7149}")
    assert main(["validate", "--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    line = line_of(path, "eprint = ")
    assert f"neo2024interpreting.bib:{line}: error: 'neo2024interpreting': arXiv id '2410.7149' is malformed" in out
    assert main(["validate", "--data", str(data_dir), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    [problem] = report["problems"]
    assert problem["line"] == line and problem["severity"] == "error" and report["ok"] is False

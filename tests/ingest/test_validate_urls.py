"""URLs must be http(s) web addresses: BibTeX url fields, \\url{} in notes, and annotation code links."""

from __future__ import annotations

import pytest
from contribute_support import at, edit, line_of, only, problems

URL_LINE = "  url           = {https://arxiv.org/abs/2410.07149},"


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://arxiv.org/abs/2410.07149", "is not an http(s) URL"),
        ("arxiv.org/abs/2410.07149", "is not an http(s) URL"),
        ("javascript:alert(1)", "is not an http(s) URL"),
        ("file:///home/me/paper.pdf", "is not an http(s) URL"),
        ("https://localhost", "is not a complete web address"),
    ],
)
def test_bibtex_url_must_be_http(data_dir, url, reason):
    path = edit(data_dir, "neo2024interpreting.bib", URL_LINE, f"  url = {{{url}}},")
    problem = only(problems(data_dir), f"url '{url}'")
    assert at(problem, path, line_of(path, "  url = "))
    assert problem.message == (
        f"'neo2024interpreting': url '{url}' {reason}: use the https:// address of the paper's page, or remove it"
    )


def test_url_in_howpublished(data_dir):
    path = edit(
        data_dir,
        "nostalgebraist2020interpreting.bib",
        "howpublished = {LessWrong},",
        "howpublished = {\\url{ftp://lesswrong.com/logit-lens}},",
    )
    problem = only(problems(data_dir), "howpublished")
    assert at(problem, path, line_of(path, "howpublished"))
    assert problem.message.startswith(
        "'nostalgebraist2020interpreting': howpublished 'ftp://lesswrong.com/logit-lens' is not an http(s) URL"
    )


def test_http_and_https_pass(data_dir):
    edit(data_dir, "neo2024interpreting.bib", URL_LINE, "  url = {http://arxiv.org/abs/2410.07149},")
    assert [str(p) for p in problems(data_dir)] == []


def test_code_link_other_scheme_is_a_schema_error(data_dir):
    path = edit(
        data_dir,
        "neo2024interpreting.yaml",
        "code: https://github.com/clemneo/llava-interp",
        "code: git@github.com:clemneo/llava-interp.git",
    )
    [problem] = problems(data_dir)
    assert at(problem, path, line_of(path, "code:"))
    assert problem.message.startswith(
        "code: 'git@github.com:clemneo/llava-interp.git' is not valid under any of the given schemas"
    )
    assert problem.message.endswith("give an http(s) URL or null")


def test_code_link_without_a_host(data_dir):
    path = edit(
        data_dir, "neo2024interpreting.yaml", "code: https://github.com/clemneo/llava-interp", "code: https://github"
    )
    problem = only(problems(data_dir), "code 'https://github'")
    assert at(problem, path, line_of(path, "code:"))
    assert problem.message == (
        "code 'https://github' is not a complete web address: give the full https:// address of the repository, or null"
    )

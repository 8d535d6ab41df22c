"""URLs must be http(s) web addresses: BibTeX url fields, \\url{} in notes, and annotation code links."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from contribute_support import at, edit, line_of, only, problems
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from ingest.citation_sources import host_and_path

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


# Pieces of web addresses, plain and awkward (ports, user info, IPv6 brackets, parameters, spaces, non-ASCII).
URL_PIECES = ["http", "https", "HTTPS", "://", ":", "/", "//", "?", "#", ";", "@", "[", "]", " ", "\t", "\n", ".", "-"]
URL_PIECES += ["_", "a", "Z", "0", "443", "arxiv.org", "www.ACL", "abs", "%20", "é", "="]


@settings(max_examples=examples(300))
@given(st.lists(st.sampled_from(URL_PIECES), max_size=14).map("".join))
def test_host_and_path_are_urlparses(url):
    # the checks read a plain address's host and path directly; any address gives what urlparse gives
    try:
        parsed = urlparse(url.strip())
        expected = ((parsed.hostname or "").lower(), parsed.path)
    except ValueError:  # e.g. an unbalanced IPv6 bracket: urlparse refuses, and so must the fast path
        with pytest.raises(ValueError):
            host_and_path(url)
        return
    assert host_and_path(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://ArXiv.org/abs/2410.07149v2?x=1#y",
        "http://www.acl.org:8080/a;b/c",
        "https://host.org/a/b;c?d",
        "https://host.org/a b",
        "https://host.org/a\tb",
        "https://u@host.org/p",
        "https://x.org",
    ],
)
def test_host_and_path_of_common_addresses(url):
    parsed = urlparse(url)
    assert host_and_path(url) == ((parsed.hostname or "").lower(), parsed.path)

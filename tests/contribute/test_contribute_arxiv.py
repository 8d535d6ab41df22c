"""arXiv metadata from recorded API answers (tests/fixtures/arxiv/): never the network."""

from __future__ import annotations

import socket
from urllib.error import HTTPError, URLError

import pytest
from contribute_support import recorded

import ingest.arxiv as arxiv
from ingest.arxiv import ArxivError, fetch_arxiv, parse_arxiv_id, query_url

FALLBACK = "or save the BibTeX entry from the paper's arXiv page and run `atlas add FILE`"


def test_parses_a_recorded_answer():
    calls = []
    record = fetch_arxiv("1809.02156", fetcher=recorded("1809.02156.xml", calls), timeout=7)
    assert calls == [("https://export.arxiv.org/api/query?id_list=1809.02156&max_results=1", 7)]
    assert record.arxiv_id == "1809.02156" and record.version == 2
    assert record.title == "Object Hallucination in Image Captioning"
    assert record.authors == ["Anna Rohrbach", "Lisa Anne Hendricks", "Kaylee Burns", "Trevor Darrell", "Kate Saenko"]
    assert record.published == "2018-09-06" and record.year == 2018  # version 1's date, not the update's
    assert record.doi == "10.18653/v1/D18-1437" and record.journal_ref == "EMNLP 2018"
    assert record.primary_category == "cs.CV" and record.categories == ["cs.CV", "cs.CL"]
    assert record.abs_url == "https://arxiv.org/abs/1809.02156"


def test_wrapped_title_is_joined():
    record = fetch_arxiv("2410.07149", fetcher=recorded("2410.07149.xml"))
    assert record.title == "Towards Interpreting Visual Information Processing in Vision-Language Models"
    assert record.doi is None and record.journal_ref is None and len(record.authors) == 6


@pytest.mark.parametrize(
    "text",
    [
        "2410.07149",
        "arXiv:2410.07149",
        "arxiv: 2410.07149v2",
        "2410.07149v1",
        "https://arxiv.org/abs/2410.07149",
        "http://arxiv.org/pdf/2410.07149v3.pdf",
        " 2410.07149 ",
        "arXiv 2410.07149",
        "10.48550/arXiv.2410.07149",
        "https://doi.org/10.48550/arXiv.2410.07149",
        "doi:10.48550/arxiv.2410.07149v1",
    ],
)
def test_accepted_id_forms(text):
    assert parse_arxiv_id(text) == "2410.07149"


def test_old_style_id():
    assert parse_arxiv_id("hep-th/9901001v2") == "hep-th/9901001"
    # arXiv's DOI of an old id keeps the subject class's capitals, which the id needs
    assert parse_arxiv_id("https://doi.org/10.48550/arXiv.math.GT/0309136") == "math.GT/0309136"
    assert query_url("hep-th/9901001") == "https://export.arxiv.org/api/query?id_list=hep-th%2F9901001&max_results=1"


@pytest.mark.parametrize("text", ["", "2410", "neo2024interpreting", "10.1234/abc", "2410.07149 2410.07150"])
def test_not_an_id_is_refused_before_any_request(text):
    calls = []
    with pytest.raises(ArxivError, match="is not an arXiv id: use the form 2410.07149"):
        fetch_arxiv(text, fetcher=recorded("1809.02156.xml", calls))
    assert calls == []


def test_malformed_answer():
    with pytest.raises(ArxivError) as caught:
        fetch_arxiv("1809.02156", fetcher=recorded("malformed-truncated.xml"))
    assert str(caught.value) == (
        f"arXiv's answer for 1809.02156 is not valid XML (no element found: line 25, column 0): "
        f"try again later, {FALLBACK}"
    )


def test_html_instead_of_atom():
    with pytest.raises(ArxivError) as caught:
        fetch_arxiv("1809.02156", fetcher=recorded("html-error-page.xml"))
    assert (
        str(caught.value)
        == f"arXiv's answer for 1809.02156 is not an Atom feed (root element <html>): try again later, {FALLBACK}"
    )


def test_error_entry():
    with pytest.raises(ArxivError) as caught:
        fetch_arxiv("2413.00001", fetcher=recorded("error-bad-id.xml"))
    assert str(caught.value) == (
        "arXiv rejected 2413.00001: incorrect id format for 2413.00001; "
        "check the id on https://arxiv.org/abs/2413.00001"
    )


def test_unknown_id():
    with pytest.raises(ArxivError) as caught:
        fetch_arxiv("2501.99999", fetcher=recorded("empty.xml"))
    assert str(caught.value) == "arXiv has no paper 2501.99999: check the id on https://arxiv.org/abs/2501.99999"


def test_answer_about_another_paper():
    with pytest.raises(ArxivError, match="asked arXiv for 1809.02156 but it answered with 2410.07149"):
        fetch_arxiv("1809.02156", fetcher=recorded("2410.07149.xml"))


@pytest.mark.parametrize(
    "error", [TimeoutError("timed out"), socket.timeout("timed out"), URLError(socket.timeout("timed out"))]
)
def test_timeout(error):
    def slow(url, timeout):
        raise error

    with pytest.raises(ArxivError) as caught:
        fetch_arxiv("1809.02156", fetcher=slow, timeout=2.5)
    assert str(caught.value) == (
        f"arXiv did not answer within 2.5 s for 1809.02156: try again later (or with a longer --timeout), {FALLBACK}"
    )


def test_the_real_fetcher_passes_the_timeout_to_urllib(monkeypatch):
    """The default fetcher (urllib) is used with the timeout; urlopen is replaced, so nothing goes online."""
    seen = {}

    def fake_urlopen(request, timeout):
        seen["url"], seen["timeout"], seen["agent"] = request.full_url, timeout, request.get_header("User-agent")
        raise URLError(socket.timeout("timed out"))

    monkeypatch.setattr(arxiv, "urlopen", fake_urlopen)
    with pytest.raises(ArxivError, match="did not answer within 3 s"):
        fetch_arxiv("2410.07149", timeout=3)
    assert seen == {
        "url": "https://export.arxiv.org/api/query?id_list=2410.07149&max_results=1",
        "timeout": 3,
        "agent": arxiv.USER_AGENT,
    }


def test_the_real_fetcher_reads_the_body(monkeypatch):
    class Response:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return recorded("2410.07149.xml")("", 0)

    monkeypatch.setattr(arxiv, "urlopen", lambda request, timeout: Response())
    assert fetch_arxiv("2410.07149").arxiv_id == "2410.07149"


def test_http_error():
    def busy(url, timeout):
        raise HTTPError(url, 503, "Service Unavailable", {}, None)

    with pytest.raises(ArxivError) as caught:
        fetch_arxiv("1809.02156", fetcher=busy)
    assert str(caught.value) == (
        "arXiv answered HTTP 503 for 1809.02156: try again in a minute (the API allows one "
        f"request every 3 seconds), {FALLBACK}"
    )


def test_offline():
    def offline(url, timeout):
        raise URLError(OSError(-2, "Name or service not known"))

    with pytest.raises(ArxivError) as caught:
        fetch_arxiv("1809.02156", fetcher=offline)
    assert str(caught.value).startswith("could not reach arXiv for 1809.02156 (")
    assert str(caught.value).endswith(f"check your internet connection, {FALLBACK}")

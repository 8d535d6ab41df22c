"""Fetch papers' metadata from the arXiv API (``atlas add ARXIV_ID``, ``atlas check-metadata``).

One request to ``export.arxiv.org/api/query?id_list=<id>`` through ``urllib`` with a
timeout; the Atom answer is parsed into an :class:`ArxivRecord`. :func:`batch_query_url` and
:func:`parse_batch` do the same for many ids in one request. The network is reached
only through a *fetcher* (``fetcher(url, timeout) -> bytes``), so tests pass recorded
answers and never go online. Every failure is an :class:`ArxivError` whose message names
the id and says what to do next.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from ingest.errors import AtlasError
from ingest.identifiers import typed_arxiv_id

API_URL = "https://export.arxiv.org/api/query"
DEFAULT_TIMEOUT = 15.0  # seconds; the API is slow at times but never this slow when healthy
USER_AGENT = "mllm-interpretability-atlas (atlas add; https://arxiv.org/help/api)"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_ABS_ID = re.compile(r"arxiv\.org/abs/(?P<id>.+?)(?:v(?P<version>\d+))?$")
_FALLBACK = "or save the BibTeX entry from the paper's arXiv page and run `atlas add FILE`"

Fetcher = Callable[[str, float], bytes]


class ArxivError(AtlasError):
    """The arXiv metadata could not be had; the message says why and what to do."""


@dataclass(frozen=True)
class ArxivRecord:
    """What the arXiv API says about one paper (the latest version's metadata)."""

    arxiv_id: str  # without version, e.g. 2410.07149
    version: int | None
    title: str
    authors: list[str]
    published: str  # YYYY-MM-DD of version 1, the first public version
    abstract: str = ""
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    primary_category: str | None = None
    categories: list[str] = field(default_factory=list)

    @property
    def year(self) -> int:
        return int(self.published[:4])

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def published_version(self) -> str | None:
        """The published version arXiv lists, in words ("journal reference '…'; DOI …"), or None."""
        listed = [
            *([f"journal reference '{self.journal_ref}'"] if self.journal_ref else []),
            *([f"DOI {self.doi}"] if self.doi else []),
        ]
        return "; ".join(listed) or None


def parse_arxiv_id(text: str) -> str:
    """The bare id from ``2410.07149``, ``arXiv:2410.07149v2``, ``arXiv 2410.07149``, an arxiv.org/abs|pdf URL
    or arXiv's DOI ``10.48550/arXiv.2410.07149``.

    Raises ArxivError for anything else, naming the accepted forms.
    """
    arxiv_id = typed_arxiv_id(text)
    if arxiv_id is None:
        raise ArxivError(
            f"'{text}' is not an arXiv id: use the form 2410.07149 (or arXiv:2410.07149, "
            "https://arxiv.org/abs/2410.07149, or hep-th/9901001 for ids before 2007)"
        )
    return arxiv_id


def looks_like_arxiv_id(text: str) -> bool:
    try:
        parse_arxiv_id(text)
    except ArxivError:
        return False
    return True


def query_url(arxiv_id: str) -> str:
    return f"{API_URL}?{urlencode({'id_list': arxiv_id, 'max_results': 1})}"


def urllib_fetcher(url: str, timeout: float) -> bytes:
    """The real fetcher: one HTTP GET with a timeout (standard library only)."""
    request = Request(url, headers={"User-Agent": USER_AGENT})
    with urlopen(request, timeout=timeout) as response:  # noqa: S310 (a fixed https URL)
        return response.read()


def fetch_arxiv(text: str, fetcher: Fetcher | None = None, timeout: float = DEFAULT_TIMEOUT) -> ArxivRecord:
    """Metadata of the paper with this arXiv id (any form :func:`parse_arxiv_id` accepts)."""
    arxiv_id = parse_arxiv_id(text)
    fetch = fetcher or urllib_fetcher
    try:
        body = fetch(query_url(arxiv_id), timeout)
    except HTTPError as exc:
        raise ArxivError(
            f"arXiv answered HTTP {exc.code} for {arxiv_id}: try again in a minute "
            f"(the API allows one request every 3 seconds), {_FALLBACK}"
        ) from exc
    except (TimeoutError, socket.timeout) as exc:
        raise _timeout(arxiv_id, timeout) from exc
    except URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise _timeout(arxiv_id, timeout) from exc
        raise ArxivError(
            f"could not reach arXiv for {arxiv_id} ({exc.reason}): check your internet connection, {_FALLBACK}"
        ) from exc
    except OSError as exc:
        raise ArxivError(
            f"could not reach arXiv for {arxiv_id} ({exc}): check your internet connection, {_FALLBACK}"
        ) from exc
    return parse_feed(body, arxiv_id)


def _timeout(arxiv_id: str, timeout: float) -> ArxivError:
    return ArxivError(
        f"arXiv did not answer within {timeout:g} s for {arxiv_id}: try again later "
        f"(or with a longer --timeout), {_FALLBACK}"
    )


def parse_feed(body: bytes | str, arxiv_id: str) -> ArxivRecord:
    """Parse the API's Atom answer for ``arxiv_id``; raise ArxivError if it holds no usable record."""
    entries = _feed_entries(body, arxiv_id)
    if not entries:
        raise ArxivError(f"arXiv has no paper {arxiv_id}: check the id on https://arxiv.org/abs/{arxiv_id}")
    record = _entry_record(entries[0], arxiv_id)
    if record.arxiv_id != arxiv_id:
        raise ArxivError(
            f"asked arXiv for {arxiv_id} but it answered with {record.arxiv_id}: check the id, {_FALLBACK}"
        )
    return record


def batch_query_url(arxiv_ids: list[str]) -> str:
    """One API request for several papers (the API takes a comma-separated id_list)."""
    return f"{API_URL}?{urlencode({'id_list': ','.join(arxiv_ids), 'max_results': len(arxiv_ids)})}"


def parse_batch(body: bytes | str, arxiv_ids: list[str]) -> tuple[dict[str, ArxivRecord], dict[str, str]]:
    """Records by id from an answer to :func:`batch_query_url`, and why each other asked id has none."""
    label = ", ".join(arxiv_ids)
    records, rejected = {}, None
    for entry in _feed_entries(body, label):
        try:
            record = _entry_record(entry, label)
        except ArxivError as exc:  # the API's error entry: it refused the whole list
            rejected = str(exc)
            continue
        records[record.arxiv_id] = record
    missing = {
        arxiv_id: rejected or f"arXiv's answer has no record of {arxiv_id}"
        for arxiv_id in arxiv_ids
        if arxiv_id not in records
    }
    return records, missing


def _feed_entries(body: bytes | str, label: str) -> list[ET.Element]:
    """The <entry> elements of an Atom answer; ArxivError when the answer is not an Atom feed."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ArxivError(f"arXiv's answer for {label} is not valid XML ({exc}): try again later, {_FALLBACK}") from exc
    if root.tag != f"{_ATOM}feed":
        raise ArxivError(
            f"arXiv's answer for {label} is not an Atom feed (root element <{_local(root.tag)}>): "
            f"try again later, {_FALLBACK}"
        )
    return root.findall(f"{_ATOM}entry")


def _entry_record(entry: ET.Element, arxiv_id: str) -> ArxivRecord:
    """One <entry> as a record; ``arxiv_id`` (what was asked for) names it in messages."""
    entry_id = _text(entry, f"{_ATOM}id")
    if "/api/errors" in entry_id:
        reason = _text(entry, f"{_ATOM}summary") or "the id was rejected"
        raise ArxivError(f"arXiv rejected {arxiv_id}: {reason}; check the id on https://arxiv.org/abs/{arxiv_id}")
    title = _text(entry, f"{_ATOM}title")
    match = _ABS_ID.search(entry_id)
    if not title or not match:
        raise ArxivError(
            f"arXiv has no paper {arxiv_id} (its answer holds no title or id): "
            f"check the id on https://arxiv.org/abs/{arxiv_id}"
        )
    authors = [_text(a, f"{_ATOM}name") for a in entry.findall(f"{_ATOM}author")]
    authors = [a for a in authors if a]
    published = _text(entry, f"{_ATOM}published")
    if not authors or not re.match(r"^\d{4}-\d{2}-\d{2}", published):
        raise ArxivError(
            f"arXiv's answer for {arxiv_id} lacks its authors or publication date: try again later, {_FALLBACK}"
        )
    primary = entry.find(f"{_ARXIV}primary_category")
    return ArxivRecord(
        arxiv_id=match.group("id"),
        version=int(match.group("version")) if match.group("version") else None,
        title=title,
        authors=authors,
        published=published[:10],
        abstract=_text(entry, f"{_ATOM}summary"),
        doi=_text(entry, f"{_ARXIV}doi") or None,
        journal_ref=_text(entry, f"{_ARXIV}journal_ref") or None,
        comment=_text(entry, f"{_ARXIV}comment") or None,
        primary_category=primary.get("term") if primary is not None else None,
        categories=[term for c in entry.findall(f"{_ATOM}category") if (term := c.get("term"))],
    )


def _text(element: ET.Element, tag: str) -> str:
    """Text of a child element with its whitespace collapsed (arXiv wraps long titles)."""
    child = element.find(tag)
    return " ".join((child.text or "").split()) if child is not None else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]

"""What Crossref's REST API says about a DOI (``https://api.crossref.org/works/<doi>``).

The answer is JSON: ``{"status": "ok", "message-type": "work", "message": {...}}`` with the
title, the authors (given and family names), the container (journal or proceedings) and the
dates. A DOI Crossref does not know is answered with HTTP 404.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from urllib.parse import quote

from ingest.web import DEFAULT_TIMEOUT, Fetcher, WebError, get

API_URL = "https://api.crossref.org/works/"
_TAG = re.compile(r"<[^>]+>")  # Crossref titles may carry JATS markup such as <i>...</i>


class CrossrefError(WebError):
    """Crossref's answer could not be read."""


@dataclass(frozen=True)
class CrossrefRecord:
    doi: str
    title: str
    authors: list[tuple[str, str]]  # (given, family); an organisation's name is its family
    year: int | None  # the print year when there is one (the volume's year), else the earliest issued
    venue: str  # journal or proceedings title
    kind: str  # Crossref's type: journal-article, proceedings-article, ...

    @property
    def display_authors(self) -> list[str]:
        return [f"{given} {family}".strip() for given, family in self.authors]


def works_url(doi: str) -> str:
    return API_URL + quote(doi, safe="/()._-;:")


def fetch_work(doi: str, fetcher: Fetcher, timeout: float = DEFAULT_TIMEOUT) -> CrossrefRecord | None:
    """Crossref's record of ``doi``, or None when Crossref does not know the DOI (HTTP 404)."""
    try:
        body = get(works_url(doi), "Crossref", fetcher, timeout)
    except WebError as exc:
        if exc.status == 404:
            return None
        raise
    return parse_work(body, doi)


def parse_work(body: bytes | str, doi: str) -> CrossrefRecord:
    """The record in a /works/<doi> answer; CrossrefError when the answer is not one."""
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CrossrefError(f"Crossref's answer for {doi} is not JSON ({exc}): try again later") from exc
    if (
        not isinstance(answer, dict)
        or answer.get("message-type") != "work"
        or not isinstance(answer.get("message"), dict)
    ):
        raise CrossrefError(f"Crossref's answer for {doi} is not a work record: try again later")
    work = answer["message"]
    return CrossrefRecord(
        doi=str(work.get("DOI", doi)).lower(),
        title=_first_text(work.get("title")),
        authors=[_name(person) for person in work.get("author", []) if isinstance(person, dict)],
        year=_year(work, "published-print") or _year(work, "issued") or _year(work, "published"),
        venue=_first_text(work.get("container-title")),
        kind=str(work.get("type", "")),
    )


def _first_text(values: object) -> str:
    if isinstance(values, list) and values:
        return " ".join(html.unescape(_TAG.sub("", str(values[0]))).split())
    return ""


def _name(person: dict) -> tuple[str, str]:
    if person.get("family"):
        return str(person.get("given", "")).strip(), str(person["family"]).strip()
    return "", str(person.get("name", "")).strip()


def _year(work: dict, name: str) -> int | None:
    parts = (work.get(name) or {}).get("date-parts") or [[None]]
    first = parts[0][0] if parts and parts[0] else None
    return int(first) if isinstance(first, int) else None

"""What DBLP's publication search says about a title (``https://dblp.org/search/publ/api?format=json``).

The answer is ``{"result": {"hits": {"@total": ..., "hit": [{"info": {...}}, ...]}}}``; each hit's
``info`` has the title (ending in a full stop), the authors, the venue (``ICLR``, ``CoRR``, ...),
the year, the type (``Conference and Workshop Papers``, ``Informal and Other Publications``, ...),
the DBLP key and, for many, the DOI. A single author is an object rather than a list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from ingest.identifiers import normalise_title
from ingest.web import DEFAULT_TIMEOUT, Fetcher, WebError, get

SEARCH_URL = "https://dblp.org/search/publ/api"
_UNPUBLISHED_TYPES = {"Informal and Other Publications", "Informal Publications", "Data and Artifacts"}
_HOMONYM = re.compile(r"\s+\d{4}$")  # DBLP tells apart people of one name with a number: "Wei Li 0001"


class DblpError(WebError):
    """DBLP's answer could not be read."""


@dataclass(frozen=True)
class DblpHit:
    key: str
    title: str
    authors: list[str]
    venue: str
    year: int | None
    kind: str
    doi: str | None
    url: str

    @property
    def published(self) -> bool:
        """A conference, journal or book publication (not a CoRR preprint)."""
        return self.kind not in _UNPUBLISHED_TYPES and self.venue != "CoRR"

    def names(self, title: str) -> bool:
        return normalise_title(self.title) == normalise_title(title)


def search_url(title: str, hits: int = 10) -> str:
    # Only the title's words: DBLP reads some punctuation as query operators.
    return f"{SEARCH_URL}?{urlencode({'q': normalise_title(title), 'format': 'json', 'h': hits})}"


def search(title: str, fetcher: Fetcher, timeout: float = DEFAULT_TIMEOUT) -> list[DblpHit]:
    return parse_search(get(search_url(title), "DBLP", fetcher, timeout), title)


def parse_search(body: bytes | str, title: str) -> list[DblpHit]:
    """Every hit of a search answer; DblpError when the answer is not one."""
    try:
        result = json.loads(body)["result"]
        hits = result["hits"].get("hit", [])
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise DblpError(f"DBLP's answer for '{title}' is not a search result ({exc}): try again later") from exc
    return [_hit(hit["info"]) for hit in hits if isinstance(hit, dict) and isinstance(hit.get("info"), dict)]


def _hit(info: dict) -> DblpHit:
    people = (info.get("authors") or {}).get("author", [])
    people = people if isinstance(people, list) else [people]
    year = str(info.get("year", ""))
    return DblpHit(
        key=str(info.get("key", "")),
        title=str(info.get("title", "")).rstrip(". "),
        authors=[_HOMONYM.sub("", p.get("text", "") if isinstance(p, dict) else str(p)) for p in people],
        venue=" ".join(map(str, venue)) if isinstance(venue := info.get("venue", ""), list) else str(venue),
        year=int(year) if year.isdigit() else None,
        kind=str(info.get("type", "")),
        doi=str(info["doi"]).lower() if info.get("doi") else None,
        url=str(info.get("url", "")),
    )

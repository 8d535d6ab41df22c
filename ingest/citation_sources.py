"""What the metadata rules know about hosts, DOIs and venues, read from ``citation_sources.yaml``.

The rules themselves live in ``ingest/validate.py``; this module only answers questions:
which kind of page a URL is (primary, mirror, unknown), which venue year a URL or a DOI
names, which venues a booktitle names, and which ACL Anthology id a URL points at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlparse

import yaml

from ingest.errors import AtlasError

SOURCES_PATH = Path(__file__).with_name("citation_sources.yaml")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: a tenth of the time
_ARXIV_VENUE = re.compile(r"^\s*(?:arxiv|corr)\b|arxiv preprint|^\s*e-?print\b", re.I)
_YEAR_WORD = re.compile(r"(?<![\d.])(?:19|20)\d{2}(?![\d.])")
# Anthology ids: 2024.findings-acl.937, 2024.lrec-main.1142 (since 2020) and D18-1437 (before).
_ANTHOLOGY_ID = re.compile(r"^/(?:[^/]+/)*?(?P<id>\d{4}\.[a-z][\w-]*\.\d+|[A-Z]\d{2}-\d{4})/?$")


class CitationSourcesError(AtlasError):
    """ingest/citation_sources.yaml cannot be used; the message names the entry to fix."""


@dataclass(frozen=True)
class Host:
    """A host from the list: primary (may be cited) or mirror (may not; ``use`` says what instead)."""

    host: str
    what: str
    kind: str  # "primary" or "mirror"
    use: str | None = None  # for mirrors: arxiv, anthology, venue, or a host serving the same path
    year: re.Pattern | None = None


@dataclass(frozen=True)
class Venue:
    acronym: str
    names: tuple[str, ...]
    anthology: bool = False  # published by the ACL Anthology, which gives its papers DOIs

    @property
    def pattern(self) -> re.Pattern:
        """The acronym as a word (its case as written) or any of the full names (any case)."""
        names = "|".join(re.escape(n) for n in self.names)
        return re.compile(rf"(?<![A-Za-z]){re.escape(self.acronym)}(?![A-Za-z])" + (f"|(?i:{names})" if names else ""))


@dataclass(frozen=True)
class CitationSources:
    hosts: dict[str, Host]  # by host name
    doi_years: tuple[re.Pattern, ...]
    venues: tuple[Venue, ...]
    _named: dict[str, tuple[Venue, ...]] = field(default_factory=dict, compare=False, repr=False)  # venues_named
    _listed: dict[str, Host | None] = field(default_factory=dict, compare=False, repr=False)  # host_of

    def host_of(self, url: str) -> Host | None:
        """The listed host ``url`` is on: the host itself or its nearest listed parent domain."""
        name = url_host(url)
        if name not in self._listed:  # a library's pages are on a few hosts: each is looked up once
            if len(self._listed) >= 4096:
                self._listed.clear()
            self._listed[name] = self._nearest_listed(name)
        return self._listed[name]

    def _nearest_listed(self, name: str) -> Host | None:
        labels = name.split(".")
        for start in range(len(labels) - 1):  # www.iclr.cc, then iclr.cc: the longest match first
            host = self.hosts.get(".".join(labels[start:]))
            if host is not None:
                return host
        return None

    def url_year(self, url: str) -> int | None:
        """The venue year a page's address names (iclr.cc/virtual/2024/..., aclanthology.org/2024.acl-long.1)."""
        host = self.host_of(url)
        if host is None:
            return None
        path = host_and_path(url)[1]
        if host.host == "doi.org":
            return self.doi_year(path.lstrip("/"))
        return _year_from(host.year.search(path)) if host.year else None

    def doi_year(self, doi: str | None) -> int | None:
        """The venue year a DOI's text holds (10.18653/v1/2024.findings-acl.937 -> 2024), if any."""
        doi = (doi or "").strip().lower()
        for pattern in self.doi_years:
            match = pattern.search(doi)
            if match:
                return _year_from(match)
        return None

    def venues_named(self, text: str) -> list[Venue]:
        """Venues whose acronym (as a word) or full name appears in a booktitle or journal."""
        named = self._named.get(text)
        if named is None:  # journals and booktitles repeat across a library: each is searched once
            if len(self._named) >= 4096:
                self._named.clear()
            named = self._named[text] = tuple(v for v in self.venues if _venue_pattern(v).search(text))
        return list(named)


@cache
def _venue_pattern(venue: Venue) -> re.Pattern:
    return venue.pattern


def url_host(url: str) -> str:
    return host_and_path(url)[0]


# An http(s) address without user, IPv6 host, parameters (;) or white space: nearly every page a record cites.
# Its host and path are read off directly, as urlparse gives them (tests/ingest/test_validate_urls.py compares the
# two); any other address goes through urlparse, which costs several times more.
_PLAIN_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(?::[0-9]*)?(/[^?#;\s]*)?(?:[?#]\S*)?", re.I)


@lru_cache(maxsize=65536)
def host_and_path(url: str) -> tuple[str, str]:
    """(lower-case host, path) of a URL, parsed once: several rules ask about the same pages of each paper."""
    url = url.strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain:
        return plain.group(1).lower(), plain.group(2) or ""
    parsed = urlparse(url)
    return (parsed.hostname or "").lower(), parsed.path


def is_arxiv_venue(text: str) -> bool:
    """True for a 'venue' that is arXiv itself (``arXiv preprint arXiv:...``, ``CoRR``): not a venue."""
    return bool(_ARXIV_VENUE.search(text))


VENUE_FIELDS = ("booktitle", "journal", "journaltitle")


def venue_name(fields: dict[str, str]) -> str:
    """The booktitle or journal a paper was published in, as written ('' for none, or for arXiv/CoRR)."""
    for name in VENUE_FIELDS:
        text = fields.get(name, "").strip()
        if text:
            return "" if is_arxiv_venue(text) else text
    return ""


def years_in_text(text: str) -> list[int]:
    """Four-digit years written in a venue's name (``Findings of ...: EMNLP 2025`` -> [2025])."""
    return [int(y) for y in _YEAR_WORD.findall(text)]


def anthology_id(url: str) -> str | None:
    """The ACL Anthology id of a paper page on the Anthology or one of its copies, if the URL is one."""
    host = url_host(url)
    if not any(host == h or host.endswith("." + h) for h in ("aclanthology.org", "aclweb.org", "acl.ldc.upenn.edu")):
        return None
    match = _ANTHOLOGY_ID.match(host_and_path(url)[1])
    return match.group("id") if match else None


def _year_from(match: re.Match | None) -> int | None:
    if match is None:
        return None
    groups = match.groupdict()
    if groups.get("year"):
        return int(groups["year"])
    if groups.get("yy"):
        yy = int(groups["yy"])
        return (1900 if yy >= 50 else 2000) + yy
    return None


@cache
def load_citation_sources(path: Path = SOURCES_PATH) -> CitationSources:
    """Read and check the YAML once per process."""
    raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
    hosts = [_host(item, "primary", path) for item in raw.get("primary", [])]
    hosts += [_host(item, "mirror", path) for item in raw.get("mirrors", [])]
    doi_years = tuple(_pattern(text, path, "doi_years") for text in raw.get("doi_years", []))
    venues = tuple(
        Venue(str(v["acronym"]), tuple(map(str, v.get("names", []))), bool(v.get("anthology")))
        for v in raw.get("venues", [])
    )
    return CitationSources({h.host: h for h in hosts}, doi_years, venues)


def _host(item: dict, kind: str, path: Path) -> Host:
    if not isinstance(item, dict) or not item.get("host") or not item.get("what"):
        raise CitationSourcesError(f"{path}: every {kind} entry needs host and what: fix {item!r}")
    if kind == "mirror" and not item.get("use"):
        raise CitationSourcesError(f"{path}: mirror {item['host']} needs `use` (arxiv, anthology, venue or a host)")
    pattern = _pattern(item["year"], path, item["host"]) if item.get("year") else None
    return Host(str(item["host"]).lower(), str(item["what"]), kind, item.get("use"), pattern)


def _pattern(text: str, path: Path, where: str) -> re.Pattern:
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise CitationSourcesError(f"{path}: the year pattern of {where} is not a regular expression ({exc})") from exc
    if not {"year", "yy"} & set(pattern.groupindex):
        raise CitationSourcesError(f"{path}: the year pattern of {where} needs a group named year or yy")
    return pattern

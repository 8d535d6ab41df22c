"""Identifiers and the key convention: one home for how papers are recognised as the same.

Two entries are the same paper when they share a DOI, an arXiv id, or a normalised title.
The key convention (``<first author's family name><year><first significant title word>``)
is documented in CONTRIBUTING.md and used by ``atlas add``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import TypeVar

from taxonomy.text import fold_ascii

T = TypeVar("T")

DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
# New-style (2007+) ids, optionally versioned, and old-style archive/number ids.
ARXIV_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv[:\s/]*|arxiv\.org/(?:abs|pdf|html)/)(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})", re.I
)
# An arXiv id as people type or paste it: bare, after "arXiv:" or "arXiv " (as papers cite it), or as an arxiv.org
# address; a version and ".pdf" may follow. (arXiv's own DOI is read by ``typed_arxiv_id``.)
_TYPED_ARXIV = re.compile(
    r"^(?:arxiv:?\s*|(?:https?://)?(?:export\.|www\.)?arxiv\.org/(?:abs|pdf|html)/)?"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?P<version>v\d+)?(?:\.pdf)?/?$",
    re.I,
)
_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi(?::\s*|\s+))", re.I)  # "doi:", "doi " too

_NON_WORD = re.compile(r"[\W_]+")

STOP_WORDS = frozenset(
    """a an the on of in for to towards toward and or with from by at as is are be do does
    what how why when where which who can via into onto your our we us not no its it this that
    these those vs versus""".split()
)


def bare_doi(doi: str | None) -> str | None:
    """The DOI as written, without resolver prefix (https://doi.org/, doi:), or None when empty."""
    if not doi:
        return None
    return _DOI_PREFIXES.sub("", doi.strip()).strip() or None


def normalise_doi(doi: str | None) -> str | None:
    """Lower-case DOI without resolver prefix, or None when empty (DOIs ignore case)."""
    bare = bare_doi(doi)
    return bare.lower() if bare else None


ARXIV_DOI_PREFIX = "10.48550/arxiv."  # arXiv's DataCite DOIs, normalised (lower case)


def typed_arxiv_id(text: str) -> str | None:
    """The bare arXiv id (no version) that ``text`` is, as a whole, in any form people paste (arXiv's DOI
    10.48550/arXiv.ID too, with any resolver or "doi:" prefix); else None."""
    value = bare_doi(text) or ""
    if value.lower().startswith(ARXIV_DOI_PREFIX):  # not lower-cased itself: old ids have capitals (math.GT/...)
        value = value[len(ARXIV_DOI_PREFIX) :]
    match = _TYPED_ARXIV.match(value)
    return match.group("id") if match and ARXIV_RE.match(match.group("id")) else None


def arxiv_doi(arxiv_id: str) -> str:
    """The DOI arXiv assigns to a preprint, normalised as :func:`normalise_doi` does."""
    return ARXIV_DOI_PREFIX + arxiv_id.lower()


def typed_identifier(text: str) -> tuple[str, str] | None:
    """("arxiv", bare id) or ("doi", normalised DOI) when the whole text is one identifier as people type it
    (a resolver or "doi:" prefix, "arXiv 2410.07149", an arxiv.org address); None for anything else."""
    arxiv_id = typed_arxiv_id(text)
    if arxiv_id is not None:
        return "arxiv", arxiv_id
    doi = normalise_doi(text)
    return ("doi", doi) if doi and DOI_RE.match(doi) else None


def find_typed(typed: tuple[str, str], by_arxiv: Mapping[str, T], by_doi: Mapping[str, T]) -> T | None:
    """What a ``typed_identifier`` names in tables keyed by lower-case arXiv id and normalised DOI: an arXiv id
    also finds a paper that records arXiv's DOI for it rather than the id."""
    kind, value = typed
    if kind == "doi":
        return by_doi.get(value)
    found = by_arxiv.get(value.lower())
    return found if found is not None else by_doi.get(arxiv_doi(value))


def normalise_arxiv_id(arxiv_id: str | None) -> str | None:
    """arXiv id without 'arXiv:' prefix and without version suffix."""
    if not arxiv_id:
        return None
    arxiv_id = re.sub(r"^arxiv:\s*", "", arxiv_id.strip(), flags=re.I)
    return re.sub(r"v\d+$", "", arxiv_id) or None


def arxiv_id_from_fields(fields: dict[str, str]) -> str | None:
    """Find an arXiv id in the usual places: eprint (with arXiv prefix), arxiv, arXiv's DOI (10.48550/arXiv.ID,
    as DBLP and arXiv's own BibTeX give), journal, url, note."""
    prefix = fields.get("archiveprefix", fields.get("eprinttype", "")).lower()
    if fields.get("eprint") and (prefix == "arxiv" or ARXIV_RE.match(fields["eprint"].strip())):
        return normalise_arxiv_id(fields["eprint"])
    if fields.get("arxiv"):
        return normalise_arxiv_id(fields["arxiv"])
    if (normalise_doi(fields.get("doi")) or "").startswith(ARXIV_DOI_PREFIX):
        return typed_arxiv_id(fields["doi"])
    for name in ("journal", "url", "note", "howpublished"):
        text = fields.get(name, "")
        # Both forms of the pattern begin with "arxiv"; "arx" (whose letters have no other case-insensitive match,
        # unlike i: ı, İ) rules out most fields of a large library without running the case-insensitive search.
        match = _ARXIV_IN_TEXT.search(text) if "arx" in text.lower() else None
        if match:
            return normalise_arxiv_id(match.group(1))
    return None


def arxiv_year(arxiv_id: str | None) -> int | None:
    """The year an arXiv id was assigned, read from the id itself (2410.07149 -> 2024, hep-th/9901001 -> 1999).

    Version 1 was public by then, so it bounds the first public year from above.
    """
    if not arxiv_id:
        return None
    match = re.match(r"^(?:[a-z\-]+(?:\.[A-Z]{2})?/)?(\d{2})(\d{2})", normalise_arxiv_id(arxiv_id) or "")
    if not match:
        return None
    yy = int(match.group(1))
    return (1900 if yy >= 91 else 2000) + yy


def ascii_words(text: str) -> list[str]:
    """The runs of ASCII letters and digits of ``fold_ascii(text)``."""
    return re.findall(r"[a-z0-9]+", fold_ascii(text))


@lru_cache(maxsize=65536)
def normalise_title(title: str) -> str:
    """Title reduced to lower-case ASCII words, for duplicate detection."""
    return " ".join(ascii_words(_NON_WORD.sub(" ", title)))  # dashes and quotes separate words


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only (accents folded)."""
    return "".join(ascii_words(text))


def significant_title_words(title: str) -> list[str]:
    words = [ascii_slug(w) for w in re.split(r"[\s\-/:]+", title)]
    return [w for w in words if w and w not in STOP_WORDS]


def make_key(family_name: str, year: int | str, title: str, taken: AbstractSet[str] = frozenset()) -> str:
    """The conventional key, e.g. ('Neo', 2024, 'Towards Interpreting ...') -> 'neo2024interpreting'.

    When the key is taken, the next significant title words are appended one by one,
    then a letter, so a new paper never collides with an existing key.
    """
    words = significant_title_words(title) or ["untitled"]
    stem = f"{ascii_slug(family_name) or 'anon'}{year}"
    key = stem + words[0]
    for word in words[1:]:
        if key not in taken:
            return key
        key += word
    suffix = ord("a")
    candidate = key
    while candidate in taken:
        candidate = f"{key}{chr(suffix)}"
        suffix += 1
    return candidate

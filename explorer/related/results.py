"""What a related-work query returns: plain data, built first and rendered elsewhere."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ingest.errors import InvalidInput


class RelatedInputError(InvalidInput):
    """The question cannot be answered as asked; the message names the problem and the fix."""


@dataclass(frozen=True)
class CandidateFilters:
    """Limits on which papers a related-work ranking may return (the question itself is not a filter)."""

    category: str | None = None  # taxonomy node id (or name); inner nodes include their leaves
    year_from: int | None = None
    year_to: int | None = None
    has_code: bool = False


@dataclass
class RelatedPaper:
    key: str
    title: str
    year: int | None
    authors: list[str]
    venue: str | None
    url: str | None
    code_url: str | None
    categories: list[str]
    score: float
    reasons: list[str]
    components: dict[str, float]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class BibMatch:
    bib_key: str
    key: str  # the atlas paper it is
    by: str  # "DOI", "arXiv id" or "title"


@dataclass
class RelatedResult:
    kind: str  # "text", "paper", "papers" or "bib"
    papers: list[RelatedPaper]
    notes: list[str] = field(default_factory=list)  # what the user should know (why nothing came back, ...)
    seeds: list[str] = field(default_factory=list)  # atlas keys the query was made of; never returned
    matched: list[BibMatch] = field(default_factory=list)  # .bib entries recognised in the atlas
    unmatched: list[str] = field(default_factory=list)  # .bib entries that are not in the atlas (their keys)

    @property
    def message(self) -> str | None:
        """Why the result is empty, or None when there are papers."""
        if self.papers:
            return None
        return self.notes[-1] if self.notes else "no related papers found"

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "papers": [p.as_dict() for p in self.papers],
            "notes": list(self.notes),
            "seeds": list(self.seeds),
            "matched": [asdict(x) for x in self.matched],
            "unmatched": list(self.unmatched),
        }


def printable(text: str) -> str:
    """Text safe to print on any terminal: lone surrogates and control characters replaced."""
    cleaned = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(ch if ch.isprintable() else "?" for ch in cleaned)

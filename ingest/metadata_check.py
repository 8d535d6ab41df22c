"""``atlas check-metadata``: ask arXiv, Crossref and DBLP whether each paper's BibTeX still holds.

For every paper with an arXiv id or a DOI (or an ACL Anthology page): arXiv's latest version
(title, authors, a journal reference or DOI it lists), Crossref's record of the DOI (title,
authors, the venue's year) and DBLP's entry for the title (a published version, its year). Each
difference is a :class:`Difference` at the ``.bib`` line it concerns, with the suggested value;
:func:`apply_fixes` writes the suggested values into the files (``--fix``), leaving every other
byte as it was. Whom to trust for what:

- a preprint (no venue): arXiv for title, authors and year (the first version's); arXiv's
  journal reference or DOI and DBLP's published version say that a venue exists (reported, never
  applied: the entry type and venue need a person);
- a published paper: Crossref's record of its DOI, otherwise DBLP's published version, for the
  title and the venue's year; a DOI is suggested only once Crossref confirms it names this title.

Requests go through a fetcher (``ingest.web``): one per second per host (arXiv: one per three
seconds, 50 ids per request), each with a timeout. A service that cannot be reached is reported
and the check goes on with the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest import arxiv, latex
from ingest.annotations import Annotation
from ingest.arxiv import ArxivError, ArxivRecord
from ingest.bib_edit import set_fields
from ingest.bibtex import BibEntry, family_name
from ingest.citation_sources import anthology_id
from ingest.crossref import CrossrefRecord, fetch_work
from ingest.dblp import DblpHit, search
from ingest.errors import UnknownItem
from ingest.identifiers import ascii_slug, bare_doi, normalise_title
from ingest.scaffold import protect_capitals, tex_escape
from ingest.validate import DEFAULT_DATA_DIR, cited_pages, read_dataset, venue_text
from ingest.web import DEFAULT_TIMEOUT, Fetcher, PoliteFetcher, WebError, get
from taxonomy.text import count

ARXIV_BATCH = 50  # ids per arXiv API request
ARXIV_INTERVAL = 3.0  # seconds: the arXiv API asks for one request every three seconds
_NOT_IN_CROSSREF = ("10.48550/",)  # arXiv's own DOIs are registered with DataCite, not Crossref

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Difference:
    """One field of one entry that a service disagrees with; ``value`` is what ``--fix`` writes (None: by hand)."""

    path: str
    line: int
    key: str
    field: str
    message: str
    value: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.key}: {self.message}"


@dataclass(frozen=True)
class Failure:
    service: str  # arXiv, Crossref or DBLP
    subject: str  # the paper key (or arXiv ids) the question was about
    reason: str


@dataclass
class MetadataReport:
    differences: list[Difference] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)  # questions no service answered, and why
    checked: int = 0  # papers asked about
    answered: int = 0  # requests that got an answer

    @property
    def unreachable(self) -> bool:
        """Nothing could be asked: every request failed (offline, or every service down)."""
        return self.checked > 0 and self.answered == 0 and bool(self.failures)

    def failure_lines(self, shown: int = 5) -> list[str]:
        """One line per service that failed: the first reason and the papers left unchecked."""
        by_service: dict[str, list[Failure]] = {}
        for failure in self.failures:
            by_service.setdefault(failure.service, []).append(failure)
        lines = []
        for service, failures in by_service.items():
            subjects = [f.subject for f in failures]
            more = f" and {len(subjects) - shown} more" if len(subjects) > shown else ""
            lines.append(
                f"{service} did not answer {count(len(subjects), 'question')} ({', '.join(subjects[:shown])}{more}): "
                f"{failures[0].reason}"
            )
        return lines


@dataclass
class _Answers:
    """What the services said about one paper."""

    arxiv: ArxivRecord | None = None
    crossref: CrossrefRecord | None = None
    crossref_missing: bool = False  # Crossref does not know the entry's DOI
    dblp: list[DblpHit] = field(default_factory=list)
    confirmed_doi: CrossrefRecord | None = None  # a DOI found elsewhere, whose Crossref record has this title


def check_metadata(
    data_dir: Path = DEFAULT_DATA_DIR,
    keys: Iterable[str] = (),
    fetcher: Fetcher | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> MetadataReport:
    """Ask the services about the papers of ``data_dir`` (all, or those in ``keys``) and compare."""
    dataset = read_dataset(data_dir, review=False)
    entries = _selected(dataset.entries, list(keys))
    polite = fetcher or PoliteFetcher(intervals={"export.arxiv.org": ARXIV_INTERVAL})
    say = progress or (lambda message: None)
    report = MetadataReport(checked=len(entries))

    def fetch(url: str, timeout: float) -> bytes:
        body = polite(url, timeout)
        report.answered += 1
        return body

    answers = {entry.key: _Answers() for entry in entries}
    for arxiv_id, record in _ask_arxiv(entries, fetch, timeout, report, say).items():
        for entry in entries:
            if entry.arxiv_id == arxiv_id:
                answers[entry.key].arxiv = record
    for number, entry in enumerate(entries, start=1):
        say(f"[{number}/{len(entries)}] {entry.key}")
        _ask_about(entry, dataset.annotations.get(entry.key), answers[entry.key], fetch, timeout, report)
        report.differences += compare(entry, answers[entry.key])
    return report


def _selected(entries: list[BibEntry], keys: list[str]) -> list[BibEntry]:
    by_key = {e.key: e for e in entries}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise UnknownItem(
            f"no paper with key {', '.join(unknown)} in the data folder: check the key "
            "(the file name of its .bib, without .bib)"
        )
    chosen = [by_key[k] for k in dict.fromkeys(keys)] if keys else entries
    return [e for e in chosen if e.arxiv_id or e.doi or e.url]


def _ask_arxiv(
    entries: list[BibEntry], fetch: Fetcher, timeout: float, report: MetadataReport, say: Progress
) -> dict[str, ArxivRecord]:
    ids = sorted({e.arxiv_id for e in entries if e.arxiv_id})
    records: dict[str, ArxivRecord] = {}
    for start in range(0, len(ids), ARXIV_BATCH):
        batch = ids[start : start + ARXIV_BATCH]
        say(f"asking arXiv about {count(len(batch), 'paper')} ({start + len(batch)}/{len(ids)})")
        try:
            found, missing = arxiv.parse_batch(get(arxiv.batch_query_url(batch), "arXiv", fetch, timeout), batch)
        except (WebError, ArxivError) as exc:
            report.failures += [Failure("arXiv", arxiv_id, str(exc)) for arxiv_id in batch]
            continue
        records.update(found)
        report.failures += [Failure("arXiv", arxiv_id, why) for arxiv_id, why in missing.items()]
    return records


def _ask_about(
    entry: BibEntry,
    annotation: Annotation | None,
    answers: _Answers,
    fetch: Fetcher,
    timeout: float,
    report: MetadataReport,
) -> None:
    """Crossref for the entry's DOI, DBLP for its title, Crossref again for a DOI found elsewhere.

    Each service is asked on its own: one that fails is reported and the others still answer.
    """

    def ask(service: str, ask_service: Callable[[], None]) -> None:
        try:
            ask_service()
        except WebError as exc:
            report.failures.append(Failure(service, entry.key, str(exc)))

    def crossref() -> None:
        doi = bare_doi(entry.fields["doi"])
        assert doi is not None  # asked only when entry.doi, the same DOI normalised, is set
        answers.crossref = fetch_work(doi, fetch, timeout)
        answers.crossref_missing = answers.crossref is None

    def dblp() -> None:
        answers.dblp = [hit for hit in search(entry.title, fetch, timeout) if hit.names(entry.title)]

    def doi_found_elsewhere() -> None:
        answers.confirmed_doi = _confirm_a_doi(entry, annotation, answers, fetch, timeout)

    if entry.doi and not entry.doi.startswith(_NOT_IN_CROSSREF):
        ask("Crossref", crossref)
    ask("DBLP", dblp)
    if not entry.doi:
        ask("Crossref", doi_found_elsewhere)


def _confirm_a_doi(
    entry: BibEntry, annotation: Annotation | None, answers: _Answers, fetch: Fetcher, timeout: float
) -> CrossrefRecord | None:
    """A DOI that arXiv, DBLP or the entry's Anthology page points at, if Crossref gives it this title."""
    candidates = [answers.arxiv.doi if answers.arxiv else None]
    candidates += [hit.doi for hit in answers.dblp if hit.published]
    if venue_text(entry):
        candidates += [f"10.18653/v1/{i}" for _, url in cited_pages(entry, annotation) if (i := anthology_id(url))]
    seen = set()
    for doi in candidates:
        if not doi or doi.lower() in seen or doi.lower().startswith(_NOT_IN_CROSSREF):
            continue
        seen.add(doi.lower())
        record = fetch_work(doi, fetch, timeout)
        if record is not None and normalise_title(record.title) == normalise_title(entry.title):
            return replace(record, doi=doi)  # as the page that pointed at it writes it (Crossref lower-cases)
    return None


# --- comparing ----------------------------------------------------------------------


def compare(entry: BibEntry, answers: _Answers) -> list[Difference]:
    """Every field of ``entry`` the answers disagree with, most trusted source first, one per field."""
    if venue_text(entry):
        found = _published_differences(entry, answers)
    else:
        found = _preprint_differences(entry, answers)
    found += _doi_differences(entry, answers)
    kept: dict[str, Difference] = {}
    for difference in found:
        kept.setdefault(difference.field, difference)
    return list(kept.values())


def _preprint_differences(entry: BibEntry, answers: _Answers) -> list[Difference]:
    found = []
    record = answers.arxiv
    if record is not None:
        where = f"arXiv {record.arxiv_id}" + (f"v{record.version}" if record.version else "")
        found += _title_difference(entry, record.title, f"the latest version on {where}")
        found += _author_difference(entry, record.authors, f"the latest version on {where}")
        if entry.year != record.year:
            found.append(
                _difference(
                    entry,
                    "year",
                    f"year {entry.year} but version 1 on arXiv is from {record.year} "
                    "(a preprint is cited with its first public year)",
                    str(record.year),
                )
            )
        if record.published_version:
            found.append(_venue_difference(entry, f"arXiv lists a published version ({record.published_version})"))
    published = [hit for hit in answers.dblp if hit.published]
    if published:
        hit = published[0]
        found.append(_venue_difference(entry, f"DBLP lists a published version: {hit.venue} {hit.year} ({hit.url})"))
    return found


def _published_differences(entry: BibEntry, answers: _Answers) -> list[Difference]:
    record = answers.crossref or answers.confirmed_doi
    if record is not None:  # the publisher's own deposit: trusted over DBLP
        where = f"Crossref's record of {record.doi}"
        found = _title_difference(entry, record.title, where)
        found += _author_difference(entry, record.display_authors, where, [f for _, f in record.authors])
        if record.year and entry.year != record.year:
            found.append(
                _difference(
                    entry,
                    "year",
                    f"year {entry.year} but {where} dates it {record.year} ({record.venue or 'its venue'})",
                    str(record.year),
                )
            )
        return found
    published = [hit for hit in answers.dblp if hit.published]
    if not published:
        return []
    hit, found = published[0], _title_difference(entry, published[0].title, f"DBLP ({published[0].url})")
    if hit.year and all(other.year != entry.year for other in published):
        found.append(
            _difference(
                entry,
                "year",
                f"year {entry.year} but DBLP dates its {hit.venue} version {hit.year} ({hit.url})",
                str(hit.year),
            )
        )
    return found


def _doi_differences(entry: BibEntry, answers: _Answers) -> list[Difference]:
    if answers.crossref_missing:
        doi = bare_doi(entry.fields["doi"])
        return [
            _difference(
                entry,
                "doi",
                f"Crossref has no record of DOI {doi}: check that https://doi.org/{doi} leads to this paper",
            )
        ]
    record = answers.confirmed_doi
    if record is None or not venue_text(entry):
        return []  # a preprint that turns out published needs a person: see the venue difference
    return [
        _difference(
            entry,
            "doi",
            f"no DOI, but Crossref's record of {record.doi} has this title "
            f"({record.venue}, {record.year}); if verification.unconfirmed lists doi, remove it",
            record.doi,
            line=entry.line,
        )
    ]


def _title_difference(entry: BibEntry, title: str, where: str) -> list[Difference]:
    if not title or normalise_title(entry.title) == normalise_title(title):
        return []
    return [
        _difference(entry, "title", f"the title differs from {where}: '{title}'", protect_capitals(tex_escape(title)))
    ]


def _author_difference(
    entry: BibEntry, names: list[str], where: str, families: list[str] | None = None
) -> list[Difference]:
    families = families or [family_name(n) for n in names]
    if not names or _same_people(entry, families):
        return []
    detail = (
        f"{len(names)} authors, the entry has {len(entry.authors)}"
        if len(names) != len(entry.authors)
        else "the names or their order differ"
    )
    return [
        _difference(
            entry,
            "author",
            f"the authors differ from {where} ({detail}): {', '.join(names)}",
            " and ".join(tex_escape(n) for n in names),
        )
    ]


def _same_people(entry: BibEntry, families: list[str]) -> bool:
    """Same count and, in order, each family name inside the other's full name (multi-word family names)."""
    if len(families) != len(entry.authors):
        return False
    for theirs, ours_family, ours_full in zip(families, entry.author_families, entry.authors, strict=True):
        a, b, full = ascii_slug(theirs), ascii_slug(latex.decode(ours_family)), ascii_slug(ours_full)
        if not (a and b and (a in full or b in a)):
            return False
    return True


def _venue_difference(entry: BibEntry, why: str) -> Difference:
    return _difference(
        entry,
        "venue",
        f"{why}: if so, make the entry @inproceedings/@article with the venue and "
        "its year, and keep the arXiv year as first_public (not changed by --fix)",
        line=entry.line,
    )


def _difference(
    entry: BibEntry, name: str, message: str, value: str | None = None, line: int | None = None
) -> Difference:
    suggestion = f": suggested {name} = {{{value}}}" if value is not None else ""
    return Difference(entry.path, line or entry.line_of(name), entry.key, name, message + suggestion, value)


# --- fixing -------------------------------------------------------------------------


def apply_fixes(differences: list[Difference]) -> list[Path]:
    """Write every suggested value into its .bib file; the files changed."""
    by_file: dict[str, dict[str, dict[str, str]]] = {}
    for difference in differences:
        if difference.value is not None:
            by_file.setdefault(difference.path, {}).setdefault(difference.key, {})[difference.field] = difference.value
    changed = []
    for path, entries in by_file.items():
        text = Path(path).read_text(encoding="utf-8")
        new = text
        for key, values in entries.items():
            new = set_fields(new, key, values)
        if new != text:
            Path(path).write_text(new, encoding="utf-8")
            changed.append(Path(path))
    return changed

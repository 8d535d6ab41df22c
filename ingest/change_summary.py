"""``atlas validate --summary``: a Markdown preview of what a change to the data folder adds.

For a pull request's reviewers (GitHub writes it to the job summary) and for a contributor
before they push: each new paper with where it lands in the taxonomy and why, its nearest
neighbours in the knowledge base, papers changed or removed, the key convention, and every
problem ``atlas validate`` found.

The *base* is what the change is compared with: a git ref (``HEAD``, ``origin/main``) whose
data folder is read with ``git archive``, or a data folder on disk. Nearest neighbours come
from the related-work ranking (``explorer.related.find_related``) over a knowledge base built
in a temporary file from the changed data folder; they are left out, with a note, when the
data has errors (nothing can be built from it).

New vocabulary terms (``taxonomy/vocabulary/``) are listed for review, so the vocabulary grows only
by decision; they are found by comparing with the vocabulary at the base when the base is a git ref.

The preview is built as plain data first (:func:`summarise`), then rendered (:func:`to_markdown`).
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ingest.annotations import Annotation
from ingest.bibtex import BibEntry
from ingest.errors import InvalidInput
from ingest.identifiers import make_key
from ingest.problems import DataError, Problem
from ingest.validate import SOURCE_SUFFIXES, Dataset, read_dataset
from taxonomy import Taxonomy, join_path, load_taxonomy
from taxonomy.text import count
from taxonomy.vocabulary import HIERARCHY_KINDS, VOCABULARY_DIR, Vocabulary, parse_vocabulary

NEIGHBOURS = 5


class BaseUnavailable(InvalidInput):
    """The base to compare with cannot be read; the message says which and how to fix it."""


@dataclass
class Neighbour:
    key: str
    title: str
    year: int | None
    reasons: list[str]


@dataclass
class NewPaper:
    key: str
    title: str
    authors: list[str]
    year: int | None
    venue: str | None
    arxiv_id: str | None
    doi: str | None
    url: str | None
    path: str
    placements: list[tuple[list[str], str]]  # (names from perspective to leaf, why)
    models: list[str]
    technique: list[str]
    modalities: list[str]
    granularity: str | None
    summary: str | None
    code: str | None
    key_convention: str | None  # the conventional key when this one does not follow it
    neighbours: list[Neighbour] = field(default_factory=list)


@dataclass
class ChangedPaper:
    key: str
    title: str
    bib_fields: list[str]  # BibTeX fields that changed
    annotation_fields: list[str]  # annotation fields that changed


@dataclass
class NewTerm:
    kind: str  # model | family | technique | modality
    id: str
    name: str
    broader: str | None  # a technique's broader term, a model's family
    definition: str


@dataclass
class ChangeSummary:
    base: str
    new: list[NewPaper]
    changed: list[ChangedPaper]
    removed: list[tuple[str, str]]  # (key, title)
    problems: list[Problem]
    strict: bool
    notes: list[str] = field(default_factory=list)
    new_terms: list[NewTerm] = field(default_factory=list)  # vocabulary terms the base does not have

    @property
    def failing(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error" or self.strict]


# --- the base ----------------------------------------------------------------------


def read_base(base: str, data_dir: Path) -> Dataset:
    """The data folder as it is at ``base``: a folder on disk, or a git ref of the repository holding ``data_dir``."""
    if Path(base).is_dir():
        return read_dataset(Path(base))
    data_dir = Path(data_dir).resolve()
    try:
        top = _git(["rev-parse", "--show-toplevel"], data_dir).decode().strip()
        _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], data_dir)
    except BaseUnavailable as exc:
        raise BaseUnavailable(
            f"cannot compare with '{base}': {exc}; pass --base with a git ref (HEAD, origin/main) or a data folder"
        ) from None
    relative = data_dir.relative_to(Path(top).resolve()).as_posix()
    listing = _git(["ls-tree", "-d", "--name-only", base, "--", relative], Path(top)).decode().strip()
    texts = {}
    if listing:  # the folder exists at the base
        archive = _git(["archive", "--format=tar", base, "--", relative], Path(top))
        texts = {
            name: text for name, text in _archived_texts(archive, relative).items() if name.endswith(SOURCE_SUFFIXES)
        }
    return read_dataset(data_dir, extra=texts, only_extra=True)


def read_base_vocabulary(base: str, data_dir: Path, folder: Path = VOCABULARY_DIR) -> Vocabulary | None:
    """The vocabulary at the git ref ``base`` (empty if it had none); None when that cannot be told
    (the base is a folder, or the vocabulary is not in the data folder's repository)."""
    if Path(base).is_dir():
        return None
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], Path(data_dir).resolve()).decode().strip()).resolve()
        relative = Path(folder).resolve().relative_to(top).as_posix()
        listing = _git(["ls-tree", "--name-only", base, "--", relative + "/"], top).decode().strip()
        if not listing:
            return Vocabulary({}, {}, {}, {}, {})
        archive = _git(["archive", "--format=tar", base, "--", relative], top)
    except (BaseUnavailable, ValueError):
        return None
    texts = _archived_texts(archive, relative)
    texts.setdefault("topics.yaml", "topics: []\n")  # a base from before the vocabulary had topics had none
    vocabulary, _ = parse_vocabulary(Path(folder), texts)
    return vocabulary


def _archived_texts(archive: bytes, folder: str) -> dict[str, str]:
    """The texts of the files under ``folder`` in a tar archive (``git archive``), by path inside ``folder``,
    read in memory. Bytes that are not UTF-8 are replaced: the base is compared with, never reported on."""
    prefix = "" if folder == "." else folder + "/"
    texts = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None and member.name.startswith(prefix):
                texts[member.name[len(prefix) :]] = handle.read().decode("utf-8", errors="replace")
    return texts


def new_terms(current: Vocabulary | None, base: Vocabulary | None) -> list[NewTerm]:
    """Terms of the current vocabulary that the base vocabulary lacks, in file order."""
    if current is None or base is None:
        return []
    out = []
    for kind in HIERARCHY_KINDS:  # models, techniques, modalities and topics
        for term in current.terms(kind).values():
            if base.term(kind, term.id) is None:
                out.append(NewTerm(term.kind, term.id, term.name, term.broader, term.definition))
    return out


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=60)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise BaseUnavailable(f"git is not available ({exc})") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise BaseUnavailable(message[-1] if message else f"git {' '.join(args)} failed")
    return done.stdout


# --- the summary as data -------------------------------------------------------------


def summarise(
    data_dir: Path,
    base: str = "HEAD",
    strict: bool = False,
    neighbours: int = NEIGHBOURS,
    taxonomy: Taxonomy | None = None,
    vocabulary_dir: Path = VOCABULARY_DIR,
) -> ChangeSummary:
    taxonomy = taxonomy or load_taxonomy()
    head = read_dataset(data_dir, vocabulary_dir=vocabulary_dir)
    before = read_base(base, data_dir)
    old = {e.key: e for e in before.entries}
    now = {e.key: e for e in head.entries}
    new_keys = [k for k in now if k not in old]
    taken = set(now)
    new = [
        _new_paper(now[k], head.annotations.get(k), taxonomy, taken - {k}, head.vocabulary) for k in sorted(new_keys)
    ]
    changed = []
    for key in sorted(set(now) & set(old)):
        bib = sorted(
            f for f in set(now[key].fields) | set(old[key].fields) if now[key].fields.get(f) != old[key].fields.get(f)
        )
        before_data = before.annotations[key].data if key in before.annotations else {}
        after_data = head.annotations[key].data if key in head.annotations else {}
        annotation = sorted(f for f in set(before_data) | set(after_data) if before_data.get(f) != after_data.get(f))
        if bib or annotation:
            changed.append(ChangedPaper(key, now[key].title, bib, annotation))
    removed = [(k, old[k].title) for k in sorted(old) if k not in now]
    summary = ChangeSummary(
        base,
        new,
        changed,
        removed,
        sorted(head.problems),
        strict,
        new_terms=new_terms(head.vocabulary, read_base_vocabulary(base, data_dir, vocabulary_dir)),
    )
    if new and neighbours > 0:
        _add_neighbours(summary, Path(data_dir), neighbours)
    return summary


def _new_paper(
    entry: BibEntry,
    annotation: Annotation | None,
    taxonomy: Taxonomy,
    taken: set[str],
    vocabulary: Vocabulary | None = None,
) -> NewPaper:
    data = annotation.data if annotation is not None else {}
    placements = []
    for category in data.get("categories", []) or []:
        if not isinstance(category, dict):
            continue
        node_id = str(category.get("id"))
        if node_id in taxonomy:
            chain = [taxonomy[n].name for n in reversed([node_id, *taxonomy.ancestors(node_id)])]
        else:
            chain = [f"{node_id} (not a taxonomy node)"]
        placements.append((chain, str(category.get("why") or "")))
    expected = None
    year = data.get("first_public") or entry.year  # the key convention takes the first public year
    if entry.author_families and year and entry.title:
        stem = make_key(entry.author_families[0], year, entry.title)
        if not entry.key.startswith(stem):
            expected = make_key(entry.author_families[0], year, entry.title, taken)
    return NewPaper(
        key=entry.key,
        title=entry.title,
        authors=entry.authors,
        year=entry.year,
        venue=entry.venue,
        arxiv_id=entry.arxiv_id,
        doi=_doi_as_written(entry),
        url=entry.url,
        path=entry.path,
        placements=placements,
        models=_names(vocabulary, "model", data.get("models")),
        technique=_names(vocabulary, "technique", data.get("technique")),
        modalities=_names(vocabulary, "modality", data.get("modalities")),
        granularity=data.get("granularity"),
        summary=data.get("summary"),
        code=data.get("code"),
        key_convention=expected,
    )


def _doi_as_written(entry: BibEntry) -> str | None:
    """The DOI without resolver prefix, in its own capitals.

    DOIs compare case-insensitively, but people read them as published."""
    raw = entry.fields.get("doi", "").strip()
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", raw, flags=re.I) or None


def _names(vocabulary: Vocabulary | None, kind: str, value) -> list[str]:
    """Display names of annotated ids (an unknown id, already reported as a problem, as written)."""
    values = [str(v) for v in value] if isinstance(value, list) else []
    return [vocabulary.label(kind, v) for v in values] if vocabulary else values


def _add_neighbours(summary: ChangeSummary, data_dir: Path, k: int) -> None:
    # The preview builds a knowledge base (write side, here) and then asks it the read side's question: the
    # one place ingest calls up into explorer, so the import waits for the call (explorer imports ingest).
    from sqlalchemy.orm import Session

    from explorer.db import read_only_engine
    from explorer.related import RelatedInputError, find_related
    from ingest.builder import build

    new_keys = {p.key for p in summary.new}
    with tempfile.TemporaryDirectory(prefix="atlas-preview-") as tmp:
        db_path = Path(tmp) / "atlas.db"
        try:
            build(data_dir, db_path, force=True)
        except DataError:
            summary.notes.append(
                "Nearest neighbours are left out: the data has errors, so no knowledge base "
                "can be built from it. Fix the problems below and run this again."
            )
            return
        engine = read_only_engine(db_path)
        with Session(engine) as session:
            for paper in summary.new:
                try:
                    result = find_related(session, paper=paper.key, k=k + len(new_keys))
                except RelatedInputError as exc:
                    summary.notes.append(f"No neighbours for {paper.key}: {exc}")
                    continue
                paper.neighbours = [
                    Neighbour(r.key, r.title, r.year, list(r.reasons)) for r in result.papers if r.key not in new_keys
                ][:k]
        engine.dispose()


# --- Markdown ------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")


def md(text: object) -> str:
    """Text from the data, safe inside Markdown: no markup, no HTML, one line."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _link(label: str, url: str | None) -> str:
    if url and re.match(r"^https?://[^\s()<>]+$", url):
        return f"[{md(label)}]({url})"
    return md(label)


def to_markdown(summary: ChangeSummary) -> str:
    errors = sum(p.severity == "error" for p in summary.problems)
    warnings = len(summary.problems) - errors
    if summary.failing:
        verdict = (
            f"❌ {count(errors, 'error')}, {count(warnings, 'warning')}"
            f"{' (warnings fail under --strict)' if summary.strict and warnings else ''}"
        )
    else:
        verdict = "✅ passes" + (" `atlas validate --strict`" if summary.strict else " `atlas validate`")
        if warnings:
            verdict += f" with {count(warnings, 'warning')}"
    out = [
        "## Atlas preview",
        "",
        f"Compared with `{' '.join(summary.base.replace('`', '').split())}`: "
        f"**{count(len(summary.new), 'new paper')}**, "
        f"{len(summary.changed)} changed, {len(summary.removed)} removed. Validation: {verdict}.",
    ]
    for note in summary.notes:
        out += ["", f"> {md(note)}"]
    for paper in summary.new:
        out += ["", *_paper_markdown(paper)]
    if summary.changed:
        out += ["", "### Changed papers", ""]
        for changed in summary.changed:
            parts = []
            if changed.bib_fields:
                parts.append("BibTeX: " + ", ".join(md(f) for f in changed.bib_fields))
            if changed.annotation_fields:
                parts.append("annotation: " + ", ".join(md(f) for f in changed.annotation_fields))
            out.append(f"- `{changed.key}` {md(changed.title)}: {'; '.join(parts)}")
    if summary.removed:
        out += ["", "### Removed papers", ""]
        for key, title in summary.removed:
            out.append(
                f"- ⚠️ `{key}` {md(title)}: keys never change once merged (other papers, links and "
                "citations rely on them); fix the paper's files instead of removing or renaming it"
            )
    if summary.new_terms:
        out += [
            "",
            "### New vocabulary terms",
            "",
            "Review each: is it needed, or does an existing term (or a broader one) fit? Is the definition "
            "in our own words and clear to a newcomer? (CONTRIBUTING.md, 'The vocabulary')",
            "",
        ]
        for term in summary.new_terms:
            broader = f" (under `{term.broader}`)" if term.broader else ""
            out.append(f"- {md(term.kind)} `{term.id}` **{md(term.name)}**{broader}: {md(term.definition)}")
    if summary.problems:
        out += [
            "",
            "### Problems",
            "",
            f"<details open><summary>{count(errors, 'error')}, {count(warnings, 'warning')}</summary>",
            "",
        ]
        out += [f"- `{p.path.replace('`', '')}:{p.line}` **{p.severity}**: {md(p.message)}" for p in summary.problems]
        out += ["", "</details>"]
    if not (summary.new or summary.changed or summary.removed):
        out += ["", "No paper was added, changed or removed."]
    return "\n".join(out) + "\n"


def _paper_markdown(paper: NewPaper) -> list[str]:
    authors = ", ".join(paper.authors[:6]) + (f" and {len(paper.authors) - 6} more" if len(paper.authors) > 6 else "")
    ids = []
    if paper.arxiv_id:
        ids.append(_link(f"arXiv:{paper.arxiv_id}", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    if paper.doi:
        ids.append(_link(f"DOI {paper.doi}", f"https://doi.org/{paper.doi}"))
    if paper.url and not paper.arxiv_id:
        ids.append(_link("web page", paper.url))
    if paper.code:
        ids.append(_link("code", paper.code))
    head = f"`{paper.key}` · {md(authors)} ({paper.year or 'no year'})"
    if paper.venue:
        head += f" · {md(paper.venue)}"
    lines = [f"### New: {md(paper.title)}", "", " · ".join([head, *ids])]
    if paper.key_convention:
        lines += [
            "",
            f"⚠️ The key does not follow the key convention: expected `{paper.key_convention}` "
            "(CONTRIBUTING.md, 'The key convention').",
        ]
    if paper.summary:
        lines += ["", f"> {md(paper.summary)}"]
    lines += ["", "| lands in | why |", "|---|---|"]
    if paper.placements:
        lines += [f"| {join_path(md(n) for n in chain)} | {md(why)} |" for chain, why in paper.placements]
    else:
        lines.append("| unclassified (no annotation) | add the annotation file |")
    facts = [
        ("Models", ", ".join(paper.models)),
        ("Technique", ", ".join(paper.technique)),
        ("Modalities", ", ".join(paper.modalities)),
        ("Granularity", paper.granularity or ""),
    ]
    lines += ["", " · ".join(f"**{name}**: {md(value)}" for name, value in facts if value)]
    if paper.neighbours:
        lines += ["", "**Nearest neighbours in the atlas**", ""]
        for i, n in enumerate(paper.neighbours, start=1):
            lines.append(f"{i}. `{n.key}` {md(n.title)} ({n.year or 'no year'}): {md('; '.join(n.reasons))}")
    return lines

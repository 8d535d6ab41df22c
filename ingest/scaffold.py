"""``atlas add``: turn a BibTeX entry or an arXiv id into the two files of a new paper.

:func:`scaffold_bibtex` / :func:`scaffold_arxiv` return :class:`Scaffold` objects (the
normalised ``data/papers/<key>.bib`` and a pre-filled ``<key>.yaml`` whose open fields say
``TODO``); :func:`write_scaffolds` writes them. Nothing is written when anything is wrong:
a :class:`ScaffoldError` lists every reason, each naming the entry, the line and the fix.
The website's Contribute page uses the same functions, plus :func:`check_new_paper` to
validate a pair of files against the data folder without writing into it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest import latex
from ingest.annotations import load_schema
from ingest.arxiv import ArxivRecord, Fetcher, fetch_arxiv
from ingest.bibtex import FIELD_ORDER, BibEntry, family_name, parse_bibtex, read_bib_folder, split_names
from ingest.citation_sources import venue_name
from ingest.duplicates import similar_titles
from ingest.errors import AtlasError
from ingest.identifiers import (
    arxiv_id_from_fields,
    arxiv_year,
    ascii_slug,
    make_key,
    normalise_arxiv_id,
    normalise_doi,
    normalise_title,
    typed_arxiv_id,
)
from ingest.picks import TERM_FIELDS, Choices, granularities
from ingest.problems import Problem, display_path
from ingest.validate import DEFAULT_DATA_DIR, METHODS_CATALOG, read_dataset, read_methods_catalog
from taxonomy import Taxonomy, load_taxonomy
from taxonomy.vocabulary import FIELDS, Vocabulary, load_vocabulary

PLACEHOLDER = "TODO"
PAPERS_DIR = "papers"  # new papers go to <data>/papers/<key>.bib|.yaml

FIELD_NAMES = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}
# Fields reference managers add that a bibliography of record does not need.
NOISE_FIELDS = frozenset(
    """abstract file keywords keyword annote annotation urldate timestamp biburl bibsource
    mendeley-groups mendeley-tags copyright language owner creationdate modificationdate groups priority
    readstatus ranking shorttitle langid crossref-key citedby-count""".split()
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CODE_URL = re.compile(r"https?://(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/[\w.\-]+/[\w.\-]+", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # never meaningful in BibTeX; YAML refuses most
_PROTECTABLE = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*")


class ScaffoldError(AtlasError):
    """Nothing was written; ``reasons`` lists every problem, each with what to do."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("\n".join(self.reasons))


@dataclass
class Scaffold:
    """The two files of one new paper, ready to write or to show."""

    key: str
    title: str
    bib_text: str
    yaml_text: str
    notes: list[str] = field(default_factory=list)  # what was normalised, and what to check
    named: dict[str, list[str]] = field(default_factory=dict)  # terms the title or abstract names, per kind
    # annotation_template with every argument but the choices, so the annotation can be written again
    template: Callable[..., str] | None = field(default=None, repr=False)

    def annotation(self, choices: Choices) -> str:
        """The annotation with these choices (the Contribute page's pickers) instead of the pre-fill."""
        assert self.template is not None, "made by scaffold_bibtex, which sets the template"
        return self.template(choices=choices)

    @property
    def bib_path(self) -> str:
        return f"data/{PAPERS_DIR}/{self.key}.bib"

    @property
    def yaml_path(self) -> str:
        return f"data/{PAPERS_DIR}/{self.key}.yaml"


# --- existing papers ----------------------------------------------------------------


@dataclass
class Existing:
    """What the data folder already holds, as far as recognising a paper goes."""

    entries: list[BibEntry]
    keys: set[str]  # lower-cased BibTeX keys and annotation file stems

    @classmethod
    def read(cls, data_dir: Path) -> Existing:
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise ScaffoldError(
                [f"data folder not found: {data_dir}: pass --data DIR pointing at the atlas's data/ folder"]
            )
        entries = read_bib_folder(data_dir).entries
        stems = {p.stem.lower() for p in data_dir.rglob("*.yaml")} | {p.stem.lower() for p in data_dir.rglob("*.bib")}
        return cls(entries, {e.key.lower() for e in entries} | stems)


def find_existing(
    entry_fields: dict[str, str], title: str, existing: list[BibEntry], distinct_from: AbstractSet[str] = frozenset()
) -> tuple[BibEntry, str] | None:
    """The existing entry that is this paper (same DOI, arXiv id, title or near-identical title)."""
    doi = normalise_doi(entry_fields.get("doi"))
    arxiv_id = arxiv_id_from_fields(entry_fields)
    title_norm = normalise_title(title)
    for other in existing:
        if doi and other.doi == doi:
            return other, f"same DOI {doi}"
        if arxiv_id and other.arxiv_id == arxiv_id:
            return other, f"same arXiv id {arxiv_id}"
        if title_norm and normalise_title(other.title) == title_norm:
            return other, "same title"
    candidates = [(o.key, o.title) for o in existing if o.key not in distinct_from]
    by_key = {o.key: o for o in existing}
    for key, match in similar_titles(title, candidates)[:1]:
        other = by_key[key]
        return other, f"{match.reason} ('{title}' / '{other.title}')"
    return None


# --- BibTeX in ---------------------------------------------------------------------


def scaffold_bibtex(
    text: str,
    data_dir: Path = DEFAULT_DATA_DIR,
    origin: str = "<stdin>",
    distinct_from: AbstractSet[str] = frozenset(),
    today: dt.date | None = None,
    existing: Existing | None = None,
    taxonomy: Taxonomy | None = None,
    code_hint: tuple[str, str] | None = None,
    label: str | None = None,
    abstract: str = "",
    picks: Choices | None = None,
) -> list[Scaffold]:
    """Scaffolds for every entry of a BibTeX text; ScaffoldError lists every problem found.

    ``origin`` names the input in messages (a file name, ``<stdin>``); ``label`` replaces the
    "origin:line: entry 'key'" prefix when the entry was not written by the contributor.
    ``abstract`` (from arXiv) is read, with the title and any ``abstract`` field, for the models,
    techniques and modalities it names, which pre-fill the annotation; ``picks`` (``atlas add --model
    ...``) adds to them and fills the categories.
    """
    entries = _parse(text, origin)
    existing = existing or Existing.read(data_dir)
    taken = set(existing.keys)
    scaffolds, reasons = [], []
    for entry in entries:
        try:
            where = label or f"{origin}:{entry.line}: entry '{entry.key}'"
            scaffold = _scaffold_entry(
                entry, existing, taken, distinct_from, today, taxonomy, code_hint, where, abstract, picks
            )
        except ScaffoldError as exc:
            reasons.extend(exc.reasons)
            continue
        taken.add(scaffold.key)
        existing = Existing([*existing.entries, _as_entry(scaffold)], taken)
        scaffolds.append(scaffold)
    if reasons:
        raise ScaffoldError(reasons)
    return scaffolds


def _parse(text: str, origin: str) -> list[BibEntry]:
    if not text.strip():
        raise ScaffoldError(
            [f"{origin}: no BibTeX entry given: paste an entry such as @inproceedings{{key, title = {{...}}, ...}}"]
        )
    result = parse_bibtex(text, origin)
    reasons = [f"{origin}:{p.line}: {p.message}" for p in result.problems if p.severity == "error"]
    if reasons:
        raise ScaffoldError(reasons)
    if not result.entries:
        raise ScaffoldError(
            [
                f"{origin}: no BibTeX entry found (only @string/@comment blocks?): "
                "paste an entry such as @inproceedings{key, title = {...}, ...}"
            ]
        )
    for entry in result.entries:
        entry.path = origin
    return result.entries


def _scaffold_entry(
    entry: BibEntry,
    existing: Existing,
    taken: set[str],
    distinct_from: AbstractSet[str],
    today: dt.date | None,
    taxonomy: Taxonomy | None,
    code_hint: tuple[str, str] | None,
    where: str,
    abstract: str = "",
    picks: Choices | None = None,
) -> Scaffold:
    fields, notes = normalise_fields(entry.entry_type, entry.fields)
    entry_type = fields.pop("@type")
    reasons = []
    if not latex.decode(fields.get("title", "")).strip():  # {}, {\ }: nothing a reader would see
        reasons.append(f"{where} has no title: add title = {{...}}")
    if not fields.get("author", "").strip():
        reasons.append(f"{where} has no author: add author = {{Family, Given and ...}} with every author")
    year = first_public_year(fields)
    if year is None:
        reasons.append(f"{where} has no year: add year = {{YYYY}} (year of the first public version)")
    if reasons or year is None:  # no year is one of the reasons
        raise ScaffoldError(reasons)
    title = latex.decode(fields["title"])
    found = find_existing(fields, title, existing.entries, distinct_from)
    if found:
        raise already_here(where, *found)
    notes.extend(_settle_year(fields, year))
    families = [family_name(n) for n in split_names(fields["author"])]
    if not re.match(r"[a-z]", ascii_slug(families[0])):
        raise ScaffoldError(
            [
                f"{where}: the first author's family name '{families[0]}' gives no key (it must start "
                "with a Latin letter): write author = {Family, Given and ...} as on the arXiv page"
            ]
        )
    key = make_key(families[0], year, title, taken=taken)
    if entry.key != key:
        notes.append(
            f"key '{entry.key}' -> '{key}' (the key convention: first author's family name, year, "
            "first significant title word)"
        )
    if re.search(r"\band\s+others\s*$", fields["author"]):
        notes.append("the author list ends with 'and others': replace it with every author, in order")
    code_url, code_source = code_hint or _code_url(fields)
    bib_text = format_bibtex(entry_type, key, fields)
    named = terms_named(" ".join([title, latex.decode(entry.fields.get("abstract", "")), abstract]))
    template = functools.partial(
        annotation_template,
        key,
        title,
        families[0],
        year,
        code_url,
        code_source,
        distinct_from & {e.key for e in existing.entries},
        today or dt.date.today(),
        taxonomy,
        first_public=year,
        named=named,
    )
    yaml_text = template(choices=(picks or Choices()).with_named(named))
    return Scaffold(key, title, bib_text, yaml_text, notes, named, template)


def first_public_year(fields: dict[str, str]) -> int | None:
    """The year of the first public version: the arXiv v1 year when it is earlier than ``year``."""
    year = _written_year(fields)
    first = arxiv_year(arxiv_id_from_fields(fields))
    if year is None or (first is not None and first < year):
        return first if first is not None else year
    return year


def _written_year(fields: dict[str, str]) -> int | None:
    match = re.search(r"\d{4}", fields.get("year", "") or fields.get("date", ""))
    return int(match.group()) if match else None


def _settle_year(fields: dict[str, str], first_public: int) -> list[str]:
    """A published paper keeps its venue's year; a preprint's year is its first public year. Notes on changes."""
    year = _written_year(fields)
    venue = venue_name(fields)
    if venue and year is not None:
        if year == first_public:
            return []
        return [
            f"year {year} stays (the year of {latex.decode(venue)}); the key and first_public in the annotation "
            f"use {first_public}, the year of the first public version (arXiv v1 of {arxiv_id_from_fields(fields)})"
        ]
    fields["year"] = str(first_public)
    if year is None or year == first_public:
        return []
    return [
        f"year {year} -> {first_public}: a preprint is cited with the year of its first public version "
        f"(arXiv v1 of {arxiv_id_from_fields(fields)})"
    ]


def normalise_fields(entry_type: str, fields: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Fields as the atlas writes them, and notes on what changed. ``@type`` holds the entry type."""
    notes = []
    out = {name: _one_line(value) for name, value in fields.items() if name != "crossref"}
    dropped = sorted(n for n in out if n in NOISE_FIELDS or n.startswith("mendeley"))
    for name in dropped:
        del out[name]
    if dropped:
        notes.append(f"dropped field(s) {', '.join(dropped)} (not kept in the atlas)")
    if "eprintclass" in out:
        out.setdefault("primaryclass", out.pop("eprintclass"))
    if "eprinttype" in out:
        out.setdefault("archiveprefix", out.pop("eprinttype"))
    journal = out.get("journal", "")
    corr = re.match(r"^abs/(.+)$", out.get("volume", "")) if journal.strip().lower() == "corr" else None
    arxiv_id = normalise_arxiv_id(corr.group(1)) if corr else arxiv_id_from_fields(out)
    if arxiv_id:
        if out.get("eprint", "").strip() != arxiv_id:
            if out.get("eprint"):
                notes.append(f"eprint '{out['eprint']}' -> '{arxiv_id}' (bare arXiv id, no prefix or version)")
            out["eprint"] = arxiv_id
        out["archiveprefix"] = "arXiv"  # the spelling BibTeX styles and the atlas expect
        if re.search(r"arxiv|^corr$", journal.strip(), re.I):
            notes.append(
                f"'{journal}' is not a venue: written as @misc with eprint {arxiv_id}; "
                "use @inproceedings/@article with the venue if the paper was published"
            )
            entry_type = "misc"
            for name in ("journal", "volume", "number", "pages") if corr else ("journal",):
                out.pop(name, None)
        out.setdefault("url", f"https://arxiv.org/abs/{arxiv_id}")
    if out.get("doi"):
        doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", out["doi"], flags=re.I)
        if doi != out["doi"]:
            notes.append(f"doi '{out['doi']}' -> '{doi}' (the DOI itself, without resolver)")
            out["doi"] = doi
        out.setdefault("url", f"https://doi.org/{doi}")
    if out.get("month", "").isdigit() and 1 <= int(out["month"]) <= 12:
        out["month"] = _MONTHS[int(out["month"]) - 1]
    if out.get("title"):
        protected = protect_capitals(out["title"])
        if protected != out["title"]:
            notes.append(f"title: protected capitals as {protected}")
            out["title"] = protected
    out["@type"] = entry_type.lower()
    return out, notes


def protect_capitals(title: str) -> str:
    """Brace words whose capitals must survive a BibTeX style: ``LLaVA`` -> ``{LLaVA}``.

    A word qualifies when a capital follows its first character (LLaVA, CLIP, GPT-4V, MLLMs);
    text already inside braces and TeX commands are left alone.
    """
    out, depth, i = [], 0, 0
    while i < len(title):
        char = title[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "\\":  # a TeX command: copy it whole (a backslash ending the title alone)
            tex = re.match(r"\\(?:[A-Za-z]+|.)?", title[i:], re.DOTALL)
            assert tex is not None  # title[i] is a backslash, which the pattern always matches
            command = tex.group()
            out.append(command)
            i += len(command)
            continue
        elif depth == 0 and char.isalnum() and (i == 0 or not (title[i - 1].isalnum() or title[i - 1] in "\\{_")):
            protectable = _PROTECTABLE.match(title, i)
            assert protectable is not None  # starts at an alphanumeric, so it matches
            word = protectable.group()
            if any(any(c.isupper() for c in part[1:]) for part in re.split(r"[-.]", word)):
                out.append("{" + word + "}")
            else:
                out.append(word)
            i += len(word)
            continue
        out.append(char)
        i += 1
    return "".join(out)


def format_bibtex(entry_type: str, key: str, fields: dict[str, str]) -> str:
    """The entry as written to data/papers/<key>.bib: known fields first, ``=`` aligned."""
    names = [n for n in FIELD_ORDER if fields.get(n)] + sorted(n for n in fields if n not in FIELD_ORDER and fields[n])
    width = max(len(FIELD_NAMES.get(n, n)) for n in names)
    lines = [f"@{entry_type}{{{key},"]
    for name in names:
        value = fields[name]
        text = value if name == "month" and value in _MONTHS else "{" + value + "}"
        lines.append(f"  {FIELD_NAMES.get(name, name).ljust(width)} = {text},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _code_url(fields: dict[str, str]) -> tuple[str | None, str | None]:
    for name in ("code", "url", "howpublished", "note"):
        match = _CODE_URL.search(fields.get(name, ""))
        if match:
            return match.group().rstrip("."), f"the BibTeX field '{name}'"
    return None, None


def _as_entry(scaffold: Scaffold) -> BibEntry:
    """A scaffold as an entry, so a second paper in the same input is checked against the first."""
    entry = _parse(scaffold.bib_text, scaffold.bib_path)[0]
    return entry


# --- arXiv in ----------------------------------------------------------------------


def record_to_bibtex(record: ArxivRecord) -> str:
    """A @misc entry for an arXiv record (names as "Given Family", as in data/papers)."""
    fields = {
        "title": tex_escape(record.title),
        "author": " and ".join(tex_escape(a) for a in record.authors),
        "year": str(record.year),
        "doi": record.doi or "",
        "eprint": record.arxiv_id,
        "archiveprefix": "arXiv",
        "primaryclass": record.primary_category or "",
        "url": record.abs_url,
    }
    return format_bibtex("misc", "arxiv", {k: v for k, v in fields.items() if v})


def tex_escape(text: str) -> str:
    return re.sub(r"(?<!\\)([&%#])", r"\\\1", text)


def already_here(where: str, other: BibEntry, why: str) -> ScaffoldError:
    """The refusal of a paper the atlas has, naming its files and what to do instead."""
    hint = (
        f"if it is a different paper, run again with --distinct-from {other.key}"
        if "alike" in why or "subtitle" in why
        else "to correct that paper, edit its files instead (CONTRIBUTING.md, 'Fix a paper')"
    )
    return ScaffoldError(
        [f"{where}: this paper is already in the atlas as '{other.key}' ({other.path}:{other.line}): {why}; {hint}"]
    )


def _refuse_known_arxiv_id(text: str, existing: Existing) -> None:
    arxiv_id = typed_arxiv_id(text)
    known = next((e for e in existing.entries if arxiv_id and e.arxiv_id == arxiv_id), None)
    if known is not None:
        raise already_here(f"arXiv:{arxiv_id}", known, f"same arXiv id {arxiv_id}")


def scaffold_arxiv(
    arxiv_id: str,
    data_dir: Path = DEFAULT_DATA_DIR,
    fetcher: Fetcher | None = None,
    timeout: float | None = None,
    distinct_from: AbstractSet[str] = frozenset(),
    today: dt.date | None = None,
    existing: Existing | None = None,
    picks: Choices | None = None,
) -> Scaffold:
    """Fetch the paper's arXiv metadata and scaffold it (ArxivError if arXiv cannot be read)."""
    existing = existing or Existing.read(data_dir)  # a wrong --data fails before any request
    _refuse_known_arxiv_id(arxiv_id, existing)  # nor any request for a paper the atlas has (it works offline too)
    record = fetch_arxiv(arxiv_id, fetcher=fetcher, **({"timeout": timeout} if timeout else {}))
    match = _CODE_URL.search(record.comment or "")
    hint = (match.group().rstrip("."), "the arXiv comment") if match else None
    scaffold = scaffold_bibtex(
        record_to_bibtex(record),
        data_dir,
        origin=f"arXiv:{record.arxiv_id}",
        distinct_from=distinct_from,
        today=today,
        existing=existing,
        code_hint=hint,
        label=f"arXiv:{record.arxiv_id} ({record.title})",
        abstract=record.abstract,
        picks=picks,
    )[0]
    scaffold.notes = [n for n in scaffold.notes if not n.startswith("key 'arxiv'")]
    if record.published_version:
        scaffold.notes.append(
            f"arXiv lists {record.published_version}: if the paper was published, make it @inproceedings/@article "
            "with the venue's full name (booktitle/journal)"
        )
    return scaffold


# --- the annotation template -------------------------------------------------------


def terms_named(text: str, vocabulary: Vocabulary | None = None) -> dict[str, list[str]]:
    """The vocabulary ids whose names or aliases a title or abstract mentions, per kind."""
    vocabulary = vocabulary or load_vocabulary()
    return {kind: vocabulary.mentions(kind, text) for kind in FIELDS}


_TERM_LINES = {  # kind: (vocabulary file, example ids, whether [] is a valid answer)
    "modality": ("modalities.yaml", "image, text", False),
    "model": ("models.yaml", "llava-1.5, blip-2", True),
    "technique": ("techniques.yaml", "attention-analysis, causal-tracing", False),
}


def _term_line(kind: str, chosen: tuple[str, ...] | None, named: list[str]) -> str:
    """``models: [llava-1.5]  # named in ...`` when the text named terms, the ids chosen, or a TODO with
    where the ids are."""
    vocabulary_file, example, empty_ok = _TERM_LINES[kind]
    where = f"ids from taxonomy/vocabulary/{vocabulary_file} (list them: atlas vocabulary)"
    none = "; [] if none in particular" if empty_ok else ""
    field_name = TERM_FIELDS[kind]
    if chosen is None:
        return f"{field_name}: [{PLACEHOLDER}]  # {where}, e.g. [{example}]{none}"
    found = "named in the title or abstract: check them; " if set(chosen) & set(named) else ""
    return f"{field_name}: [{', '.join(chosen)}]  # {found}{where}{none}"


def _scalar(text: str) -> str:
    """Text as one YAML scalar, quoted only when YAML needs it."""
    return yaml.safe_dump([_one_line(text)], default_flow_style=True, allow_unicode=True, width=10**6).strip()[1:-1]


def _category_lines(categories: tuple[tuple[str, str], ...]) -> list[str]:
    if not categories:
        categories = ((PLACEHOLDER, ""),)
    lines = []
    for leaf, why in categories:
        comment = "  # a leaf id from the list above" if leaf == PLACEHOLDER else ""
        lines.append(f"  - id: {leaf}{comment}")
        if why.strip():
            lines.append(f"    why: {_scalar(why)}")
        else:
            lines.append(f"    why: {PLACEHOLDER}  # one sentence: what in the paper puts it in this leaf")
    return lines


def annotation_template(
    key: str,
    title: str,
    first_author: str,
    year: int,
    code_url: str | None = None,
    code_source: str | None = None,
    distinct_from: AbstractSet[str] = frozenset(),
    today: dt.date | None = None,
    taxonomy: Taxonomy | None = None,
    methods_catalog: Path = METHODS_CATALOG,
    first_public: int | None = None,
    named: dict[str, list[str]] | None = None,
    choices: Choices | None = None,
) -> str:
    """A pre-filled annotation: every field present, ``TODO`` where a person must decide.

    ``choices`` fills what has been decided; without them, ``named`` (from :func:`terms_named`)
    pre-fills models, techniques and modalities. A term ``named`` also names is marked "check them"."""
    taxonomy = taxonomy or load_taxonomy()
    named = named or {}
    choices = choices if choices is not None else Choices().with_named(named)
    schema = load_schema()["properties"]
    granularity_values = ", ".join(granularities())
    relation_types = ", ".join(schema["relations"]["items"]["properties"]["type"]["enum"])
    method_ids = [m["id"] for m in read_methods_catalog(methods_catalog)[0]]
    today = today or dt.date.today()
    leaves = taxonomy.leaves
    width = max(len(n.id) for n in leaves)
    leaf_lines = "\n".join(f"#   {n.id.ljust(width)}  {n.name}" for n in leaves)
    code = (
        f"code: {json.dumps(code_url)}  # found in {code_source}: check it is the authors' code"
        if code_url
        else "code: null  # or the http(s) URL of the paper's code"
    )
    methods = (
        f"methods: []  # ids from methods/catalog.yaml the paper introduces or uses: {', '.join(method_ids)}"
        if method_ids
        else "methods: []  # ids from methods/catalog.yaml the paper introduces or uses"
    )
    lines = [
        "# yaml-language-server: $schema=../../ingest/annotation.schema.json",
        f"# {_one_line(title)} ({_one_line(first_author)}, {year}): scaffolded by `atlas add`.",
        f"# Replace every {PLACEHOLDER}, then run `atlas validate`. Field guide: CONTRIBUTING.md, 'The annotation'.",
        f"key: {key}",
        "# Taxonomy leaves (taxonomy/tree.yaml):",
        leaf_lines,
        "categories:  # one or more leaves, each with why the paper belongs there (your own words)",
        *_category_lines(choices.categories),
        *(_term_line(kind, choices.terms(kind), named.get(kind, [])) for kind in TERM_FIELDS),
        f"granularity: {choices.granularity}"
        if choices.granularity
        else f"granularity: {PLACEHOLDER}  # one of: {granularity_values}",
        f"summary: {_scalar(choices.summary)}"
        if choices.summary and choices.summary.strip()
        else f"summary: {PLACEHOLDER}  # one sentence in your own words (never the abstract), 20 to 600 characters",
        code,
        methods,
        f"relations: []  # links to papers in data/, e.g. [{{type: builds-on, key: <key>}}]; types: {relation_types}",
    ]
    if distinct_from:
        lines.append(f"distinct_from: [{', '.join(sorted(distinct_from))}]  # near-identical titles, different papers")
    lines.append(f'added: "{today.isoformat()}"')
    if first_public is not None:
        lines.append(
            f"first_public: {first_public}  # year of the first public version (arXiv v1); "
            "the BibTeX year is the venue's"
        )
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    """Runs of white space and control characters as one space, trimmed, except after a final backslash
    (``\\ ``, ``\\\\ ``): the BibTeX reader would take the brace closing the field for an escaped one."""
    line = " ".join(_CONTROL.sub(" ", text).split())
    return line + " " if line.endswith("\\") else line


# --- writing and checking ----------------------------------------------------------


def write_scaffolds(scaffolds: list[Scaffold], data_dir: Path = DEFAULT_DATA_DIR) -> list[Path]:
    """Write each scaffold's two files under ``data_dir/papers``; never overwrites a file."""
    folder = Path(data_dir) / PAPERS_DIR
    targets = [
        (folder / f"{s.key}{suffix}", text)
        for s in scaffolds
        for suffix, text in ((".bib", s.bib_text), (".yaml", s.yaml_text))
    ]
    clashes = [
        f"{path} already exists: nothing was written; pick another key or edit that paper"
        for path, _ in targets
        if path.exists()
    ]
    if clashes:
        raise ScaffoldError(clashes)
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in targets:
        path.write_text(text, encoding="utf-8")
    return [path for path, _ in targets]


def check_new_paper(
    key: str,
    bib_text: str,
    yaml_text: str,
    data_dir: Path = DEFAULT_DATA_DIR,
    methods_catalog: Path = METHODS_CATALOG,
    strict: bool = True,
    new_terms: Iterable[tuple[str, dict]] = (),
) -> list[Problem]:
    """Every problem ``atlas validate`` would report once these two files are added to ``data_dir`` (checked
    against the vocabulary with ``new_terms``, the (kind, record) terms the same pull request adds, if any).

    The data folder is not touched: the two files are read from memory in its place. Problems are
    those in the two new files or naming ``key``, with paths shown as ``data/papers/<key>.bib|yaml``.
    """
    data_dir = Path(data_dir).resolve()
    new = {f"{PAPERS_DIR}/{key}.bib": bib_text, f"{PAPERS_DIR}/{key}.yaml": yaml_text}
    dataset = read_dataset(data_dir, methods_catalog, extra=new, new_terms=new_terms)
    shown = {display_path(data_dir / name): f"data/{name}" for name in new}
    prefixes = [str(data_dir) + os.sep, display_path(data_dir) + os.sep]
    found = []
    for problem in sorted(dataset.problems):
        path = shown.get(problem.path)
        if path is None and f"'{key}'" not in problem.message:
            continue
        message = problem.message
        for prefix in prefixes:
            message = message.replace(prefix, "data/")
            if path is None and problem.path.startswith(prefix):
                path = "data/" + problem.path[len(prefix) :]
        severity = "error" if strict else problem.severity
        found.append(Problem(path or problem.path, problem.line, message, severity))
    return found


# --- opening the pull request --------------------------------------------------------


def github_new_file_url(repo_url: str, path: str, text: str, branch: str = "main") -> str:
    """GitHub's "create a new file" page with the file's name and content filled in.

    GitHub offers to fork the repository first when the visitor cannot push to it, and then
    to open a pull request: a whole contribution from the browser.
    """
    from urllib.parse import quote

    return f"{repo_url}/new/{branch}?filename={quote(path)}&value={quote(text)}"


@dataclass
class Step:
    title: str
    command: str | None = None  # shell command(s) to copy, if any


def pull_request_steps(scaffold: Scaffold, repo_url: str) -> list[Step]:
    """The exact steps from the two files to an open pull request (git and GitHub's ``gh`` on your machine)."""
    key = scaffold.key
    owner_name = repo_url.removeprefix("https://github.com/")
    name = owner_name.rsplit("/", 1)[-1]
    return [
        Step(
            f"Fork the repository and clone your fork, then make a branch for the paper (without GitHub's `gh` "
            f"command: press Fork on {repo_url}, then `git clone` the copy it makes under your account).",
            f"gh repo fork {owner_name} --clone\ncd {name}\ngit checkout -b add-{key}",
        ),
        Step(
            f"Save the two files as {scaffold.bib_path} and {scaffold.yaml_path} (the download buttons above), "
            "or let the command line write them for you from the same entry.",
            "make install\n.venv/bin/atlas add paper.bib   # or: .venv/bin/atlas add <arXiv id>",
        ),
        Step(
            "Complete every TODO in the annotation, then check everything and preview what your change adds.",
            ".venv/bin/atlas validate --strict\n.venv/bin/atlas validate --summary",
        ),
        Step(
            "Commit the two files and push the branch.",
            f"git add {scaffold.bib_path} {scaffold.yaml_path}\n"
            f'git commit -m "Add {key}"\n'
            f"git push -u origin add-{key}",
        ),
        Step(
            f"Open the pull request against {repo_url} and tick the checklist in its description. The checks run "
            "`atlas validate --strict` and the tests, and the job summary previews where the paper lands.",
            "gh pr create --fill",
        ),
    ]

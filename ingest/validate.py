"""Cross-check BibTeX entries and annotations: everything a single file cannot see alone."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from ingest import latex
from ingest.annotations import Annotation, parse_annotation, read_annotation
from ingest.bibtex import BibEntry, read_bib_folder
from ingest.citation_sources import (
    VENUE_FIELDS,
    CitationSources,
    Host,
    anthology_id,
    is_arxiv_venue,
    load_citation_sources,
    url_host,
    years_in_text,
)
from ingest.duplicates import near_duplicate_pairs
from ingest.identifiers import DOI_RE, arxiv_year, ascii_slug, normalise_doi, normalise_title
from ingest.method_catalog import MethodCatalogUnreadable, read_catalog_items
from ingest.problems import Problem, display_path
from taxonomy import Taxonomy, load_taxonomy
from taxonomy.vocabulary import FIELDS, FILES, VOCABULARY_DIR, Vocabulary, read_vocabulary

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
METHODS_CATALOG = PROJECT_ROOT / "methods" / "catalog.yaml"
SOURCE_SUFFIXES = (".bib", ".yaml")  # the files of a data folder that a build reads


@dataclass
class Dataset:
    """What a data folder holds once read and checked; ``problems`` lists every finding."""

    entries: list[BibEntry]
    annotations: dict[str, Annotation]  # by BibTeX key
    methods: list[dict]
    problems: list[Problem]
    containers: list[str] = field(default_factory=list)
    ignored_blocks: int = 0
    files: list[Path] = field(default_factory=list)
    unparsed_entries: int = 0  # entry blocks that never became entries (reported as problems)
    vocabulary: Vocabulary | None = None  # None when the vocabulary files have problems (reported)

    def errors(self, strict: bool = False) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error" or strict]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def source_files(data_dir: Path) -> list[Path]:
    """Every file a build reads from the data folder, in a stable order."""
    return sorted(path for suffix in SOURCE_SUFFIXES for path in Path(data_dir).rglob(f"*{suffix}"))


def read_dataset(
    data_dir: Path = DEFAULT_DATA_DIR,
    methods_catalog: Path = METHODS_CATALOG,
    taxonomy: Taxonomy | None = None,
    review: bool = True,
    extra: dict[str, str] | None = None,
    vocabulary_dir: Path = VOCABULARY_DIR,
    new_terms: Iterable[tuple[str, dict]] = (),
    only_extra: bool = False,
) -> Dataset:
    """Read the data folder and run every check; never raises for bad data.

    ``extra`` adds in-memory files, by path inside the folder (``papers/<key>.bib``): a file of the
    folder with that path is replaced. This checks a contribution as if it were already there;
    ``new_terms`` are the (kind, record) vocabulary terms it adds (see ``read_vocabulary``). With
    ``only_extra`` the folder's own files are not read: the data set is the in-memory files alone, shown at
    their paths in ``data_dir`` (the data folder as it was at a git ref).

    ``review`` adds the fuzzy near-duplicate title search, a hint for reviewers (warnings only)
    that `atlas validate` runs and `atlas build` skips: it costs about a third of a parse.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir() and not only_extra:
        problem = Problem(
            str(data_dir), 1, "data folder not found: pass --data DIR pointing at a folder of .bib/.yaml files"
        )
        return Dataset([], {}, [], [problem])
    taxonomy = taxonomy or load_taxonomy()
    extra = dict(extra or {})
    replaced = {(data_dir / name).resolve() for name in extra}
    files = [] if only_extra else [f for f in source_files(data_dir) if f.resolve() not in replaced]
    in_memory = [(display_path(data_dir / name), text) for name, text in sorted(extra.items())]
    bib = read_bib_folder(
        data_dir,
        [f for f in files if f.suffix == ".bib"],
        extra=[(shown, text) for shown, text in in_memory if shown.endswith(".bib")],
    )
    problems = list(bib.problems)
    annotations: dict[str, Annotation] = {}
    parsed = [read_annotation(path) for path in files if path.suffix == ".yaml"]
    parsed += [parse_annotation(text, shown, Path(shown).stem) for shown, text in in_memory if shown.endswith(".yaml")]
    for annotation, found in parsed:
        problems.extend(found)
        if annotation is not None:
            annotations[annotation.key] = annotation
    methods, method_problems = read_methods_catalog(methods_catalog)
    problems.extend(method_problems)
    vocabulary, issues = read_vocabulary(vocabulary_dir, added=new_terms)
    problems.extend(Problem(display_path(i.path), i.line, i.message) for i in issues)

    entries = bib.entries
    problems.extend(check_entries(entries))
    problems.extend(check_same_paper(entries, annotations))
    problems.extend(check_annotations(entries, annotations, taxonomy, {m["id"] for m in methods}, bib.rejected_keys))
    if vocabulary is not None:
        problems.extend(check_terms(annotations, vocabulary))
    problems.extend(check_identifiers(entries))
    problems.extend(check_urls(entries, annotations))
    problems.extend(check_distinct_from(entries, annotations))
    if review:
        problems.extend(check_near_duplicates(entries, annotations))
    problems.extend(check_whys(annotations))
    problems.extend(check_citable_metadata(entries, annotations))
    problems = prefer_placeholder_messages(problems, check_placeholders(annotations))
    return Dataset(
        entries, annotations, methods, problems, bib.containers, bib.ignored_blocks, files, bib.unparsed, vocabulary
    )


def read_methods_catalog(path: Path) -> tuple[list[dict], list[Problem]]:
    """Method ids, names, canonical paper keys and descriptions from methods/catalog.yaml (empty if absent)."""
    if not Path(path).exists():
        return [], []
    try:
        items = read_catalog_items(path)
    except MethodCatalogUnreadable as exc:
        return [], [Problem(display_path(path), exc.line or 1, exc.message)]
    methods = [
        {
            "id": str(m["id"]),
            "name": str(m.get("name", m["id"])),
            "paper_key": m.get("paper"),
            "description": " ".join(str(m.get("description") or "").split()) or None,
        }
        for m in (items if isinstance(items, list) else [])
        if isinstance(m, dict) and "id" in m
    ]
    return methods, []


def check_terms(annotations: dict[str, Annotation], vocabulary: Vocabulary) -> list[Problem]:
    """Models, techniques and modalities must be vocabulary ids; an unknown one is reported at its
    line with its id when it is a known spelling, or with the closest ids."""
    problems = []
    for annotation in annotations.values():
        for kind, name in FIELDS.items():
            for i, value in enumerate(annotation.items(name)):
                if isinstance(value, str) and vocabulary.term(kind, value) is None:
                    problems.append(
                        Problem(
                            annotation.path,
                            annotation.line_of(name, i),
                            f"{name}/{i}: {unknown_term(vocabulary, kind, value)}",
                        )
                    )
    return problems


def unknown_term(vocabulary: Vocabulary, kind: str, value: str) -> str:
    known = vocabulary.resolve(kind, value)
    if known is not None:
        return f"'{value}' is a spelling of the {kind} '{known}': write its id, {known}"
    closest = vocabulary.suggest(kind, value)
    hint = f"closest ids: {', '.join(closest)}; " if closest else ""
    new = "with its family, kind, organisation and year" if kind == "model" else "with a definition in your own words"
    return (
        f"unknown {kind} '{value}': {hint}use an id from taxonomy/vocabulary/{FILES[kind]}, or add the {kind} "
        f"there {new} (new terms are listed for review in the pull-request summary)"
    )


def check_entries(entries: list[BibEntry]) -> list[Problem]:
    problems = []
    for entry in entries:
        if not entry.fields.get("title", "").strip():
            problems.append(Problem(entry.path, entry.line, f"entry '{entry.key}' has no title: add title = {{...}}"))
        if entry.year is None:
            problems.append(
                Problem(
                    entry.path,
                    entry.line_of("year"),
                    f"entry '{entry.key}' has no year: add year = {{YYYY}} (year of the first public version)",
                    "warning",
                )
            )
        if not (entry.fields.get("author") or entry.fields.get("editor")):
            problems.append(
                Problem(
                    entry.path,
                    entry.line,
                    f"entry '{entry.key}' has no author: add author = {{Family, Given and ...}}",
                    "warning",
                )
            )
        elif any(not name.strip() for name in entry.authors):
            position = next(i for i, name in enumerate(entry.authors, start=1) if not name.strip())
            field_name = "author" if entry.fields.get("author") else "editor"
            problems.append(
                Problem(
                    entry.path,
                    entry.line_of(field_name),
                    f"entry '{entry.key}': name {position} of the {field_name} list is empty (a stray ',' or 'and'): "
                    "write each name as Family, Given and separate names with ' and '",
                )
            )
    return problems


def check_same_paper(entries: list[BibEntry], annotations: dict[str, Annotation] | None = None) -> list[Problem]:
    """The same paper under two keys: same DOI or arXiv id (an error), or the same normalised title.

    A shared title alone is weak evidence ("Human Memory", "Deep Learning", "Introduction"): it is an
    error only when the first authors' family names agree and the years are at most one apart, and
    otherwise a warning that ``distinct_from`` in either annotation silences.
    """
    annotations = annotations or {}
    problems = []
    seen: dict[tuple[str, str], BibEntry] = {}
    for entry in entries:
        for kind, value in (("DOI", entry.doi), ("arXiv id", entry.arxiv_id), ("title", normalise_title(entry.title))):
            if not value:
                continue
            first = seen.setdefault((kind, value), entry)
            if first is entry:
                continue
            if kind == "title" and not same_work(first, entry):
                if not _declared_distinct(first, entry, annotations):
                    problems.append(_same_title_warning(first, entry))
                continue
            field_name = {"DOI": "doi", "arXiv id": "eprint", "title": "title"}[kind]
            problems.append(
                Problem(
                    entry.path,
                    entry.line_of(field_name),
                    f"'{entry.key}' is the same paper as '{first.key}' ({first.path}:{first.line}): same {kind} "
                    f"'{value}'{' by the same first author' if kind == 'title' else ''}; keep one entry and "
                    "delete the other",
                )
            )
            break
    return problems


def same_work(a: BibEntry, b: BibEntry) -> bool:
    """Two entries with one title are one work when the first authors' family names and the years agree."""
    family_a, family_b = _first_family(a), _first_family(b)
    if not family_a or family_a != family_b or a.year is None or b.year is None:
        return False
    return abs(a.year - b.year) <= 1


def _first_family(entry: BibEntry) -> str:
    families = entry.author_families
    return ascii_slug(latex.decode(families[0])) if families else ""


def _declared_distinct(a: BibEntry, b: BibEntry, annotations: dict[str, Annotation]) -> bool:
    return any(
        other.key in annotations[this.key].items("distinct_from")
        for this, other in ((a, b), (b, a))
        if this.key in annotations
    )


def _same_title_warning(first: BibEntry, entry: BibEntry) -> Problem:
    who = lambda e: f"{(e.author_families or ['no author'])[0]} {e.year or 'n.d.'}"  # noqa: E731
    return Problem(
        entry.path,
        entry.line_of("title"),
        f"'{entry.key}' ({who(entry)}) has the same title as '{first.key}' ({who(first)}, {first.path}:{first.line}) "
        f"but another first author or year, so they are taken as different works; if that is right, record it "
        f"with distinct_from: [{first.key}] in {entry.key}.yaml; if they are one paper, keep one entry",
        "warning",
    )


def check_annotations(
    entries: list[BibEntry],
    annotations: dict[str, Annotation],
    taxonomy: Taxonomy,
    method_ids: set[str],
    rejected_keys: AbstractSet[str] = frozenset(),
) -> list[Problem]:
    problems = []
    keys = {e.key for e in entries}
    known = keys | set(rejected_keys)  # a duplicate is already reported; its annotation is not orphaned
    by_lower = {k.lower(): k for k in keys}
    for entry in entries:
        if entry.key not in annotations:
            problems.append(
                Problem(
                    entry.path,
                    entry.line,
                    f"'{entry.key}' has no annotation: it is loaded as unclassified; {_annotation_hint(entry.key)}",
                    "warning",
                )
            )
    for key, annotation in annotations.items():
        if key not in known:
            hint = (
                f"did you mean '{by_lower[key.lower()]}'?"
                if key.lower() in by_lower
                else f"add the BibTeX entry as data/papers/{key}.bib or fix the key"
            )
            problems.append(
                Problem(
                    annotation.path,
                    annotation.line_of("key"),
                    f"annotation for '{key}' but no BibTeX entry has that key: {hint}",
                )
            )
        problems.extend(_check_categories(annotation, taxonomy))
        problems.extend(_check_relations(annotation, keys))
        if method_ids:
            for i, method in enumerate(annotation.methods):
                if isinstance(method, str) and method not in method_ids:
                    problems.append(
                        Problem(
                            annotation.path,
                            annotation.line_of("methods", i),
                            f"unknown method '{method}': use an id from methods/catalog.yaml "
                            f"({', '.join(sorted(method_ids))})",
                        )
                    )
    return problems


def _annotation_hint(key: str) -> str:
    """Where the annotation of ``key`` goes, or why it cannot (annotations are named by safe keys only)."""
    if re.fullmatch(r"[a-z][a-z0-9]*", key):
        return f"add data/papers/{key}.yaml"
    return (
        "its key cannot name an annotation file (annotation keys are lower-case letters and digits): "
        "give the entry a key by the convention in CONTRIBUTING.md, e.g. with `atlas add`"
    )


def _check_categories(annotation: Annotation, taxonomy: Taxonomy) -> list[Problem]:
    problems, seen = [], set()
    leaves = sorted(n.id for n in taxonomy.leaves)
    for i, category in enumerate(annotation.categories):
        node_id = category.get("id") if isinstance(category, dict) else None
        if not isinstance(node_id, str):
            continue  # the schema already reported it
        line = annotation.line_of("categories", i, "id")
        if node_id not in taxonomy:
            problems.append(
                Problem(
                    annotation.path,
                    line,
                    f"unknown category '{node_id}': use a leaf id such as {leaves[0]} (all leaves: atlas "
                    "validate --help)",
                )
            )
        elif not taxonomy[node_id].is_leaf:
            below = ", ".join(taxonomy.leaves_under(node_id))
            problems.append(Problem(annotation.path, line, f"'{node_id}' is not a leaf: use one of {below}"))
        elif node_id in seen:
            problems.append(
                Problem(annotation.path, line, f"category '{node_id}' is listed twice: merge the two entries")
            )
        seen.add(node_id)
    return problems


def _check_relations(annotation: Annotation, keys: set[str]) -> list[Problem]:
    problems = []
    for i, relation in enumerate(annotation.relations):
        target = relation.get("key") if isinstance(relation, dict) else None
        if not isinstance(target, str):
            continue
        line = annotation.line_of("relations", i, "key")
        if target == annotation.key:
            problems.append(Problem(annotation.path, line, "a paper cannot relate to itself: remove this relation"))
        elif target not in keys:
            problems.append(
                Problem(
                    annotation.path,
                    line,
                    f"relation to unknown key '{target}': use the key of a paper in data/ or remove it",
                )
            )
    return problems


# --- checks for pull requests: identifiers, URLs, near-duplicates, whys, placeholders ----------

PLACEHOLDER = "TODO"  # what `atlas add` leaves in an annotation for a person to fill in
_NEW_ARXIV = re.compile(r"^(\d{2})(\d{2})\.(\d{4,5})(?:v\d+)?$")
_OLD_ARXIV = re.compile(r"^[a-z\-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}(?:v\d+)?$")
_TEX_URL = re.compile(r"\\(?:url|href)\{([^}]*)\}")


def arxiv_id_problem(text: str, today: dt.date | None = None) -> str | None:
    """Why ``text`` is not a well-formed arXiv id (None if it is one)."""
    text = text.strip()
    if re.match(r"^(?:arxiv:|https?://)", text, re.I):
        bare = re.sub(r"^(?:arxiv:\s*|https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/)", "", text, flags=re.I)
        return f"write the bare id{f' {bare}' if bare != text else ''}, without prefix or URL"
    today = today or dt.date.today()
    match = _NEW_ARXIV.match(text)
    if match:
        yy, mm, number = int(match.group(1)), int(match.group(2)), match.group(3)
        if not 1 <= mm <= 12:
            return f"'{mm:02d}' is not a month (ids start with YYMM)"
        if (yy, mm) < (7, 4):
            return "new-style ids start in April 2007 (0704.xxxx)"
        if (2000 + yy, mm) > (today.year, today.month):
            return f"20{yy:02d}-{mm:02d} is in the future"
        digits = 5 if (yy, mm) >= (15, 1) else 4
        if len(number) != digits:
            return f"ids from {'2015 on' if digits == 5 else 'before 2015'} have {digits} digits after the dot"
        return None
    match = _OLD_ARXIV.match(text)
    if match:
        yy, mm = int(match.group(1)), int(match.group(2))
        if not 1 <= mm <= 12:
            return f"'{mm:02d}' is not a month (the number starts with YYMM)"
        if 8 <= yy <= 90:
            return "old-style ids (archive/YYMMNNN) run from 1991 to March 2007"
        return None
    return "expected YYMM.NNNNN (e.g. 2410.07149) or archive/YYMMNNN (e.g. hep-th/9901001)"


def check_identifiers(entries: list[BibEntry], today: dt.date | None = None) -> list[Problem]:
    """Malformed DOIs and arXiv ids, at the line of the field."""
    problems = []
    for entry in entries:
        raw_doi = entry.fields.get("doi", "").strip()
        if raw_doi and not DOI_RE.match(normalise_doi(raw_doi) or ""):
            problems.append(
                Problem(
                    entry.path,
                    entry.line_of("doi"),
                    f"'{entry.key}': DOI '{raw_doi}' is malformed: a DOI looks like 10.18653/v1/D18-1437 "
                    "(the part after https://doi.org/); copy it from the publisher's page",
                )
            )
        prefix = entry.fields.get("archiveprefix", entry.fields.get("eprinttype", "")).strip().lower()
        for name in ("eprint", "arxiv"):
            value = entry.fields.get(name, "").strip()
            if not value or (name == "eprint" and prefix != "arxiv" and "arxiv" not in value.lower()):
                continue
            reason = arxiv_id_problem(value, today)
            if reason:
                problems.append(
                    Problem(
                        entry.path,
                        entry.line_of(name),
                        f"'{entry.key}': arXiv id '{value}' is malformed ({reason}): write {name} = {{2410.07149}} "
                        "with the id shown on the paper's arXiv page",
                    )
                )
    return problems


_PLAIN_WEB_ADDRESS = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?(?:[/?#][^\s]*)?", re.I)


def _url_problem(value: str) -> str | None:
    if _PLAIN_WEB_ADDRESS.fullmatch(value.strip()):
        return None  # the common case, without urlparse
    parsed = urlparse(value.strip())
    if parsed.scheme.lower() not in ("http", "https"):
        return "is not an http(s) URL"
    if "." not in parsed.netloc or re.search(r"\s", value.strip()):
        return "is not a complete web address"
    return None


def check_urls(entries: list[BibEntry], annotations: dict[str, Annotation]) -> list[Problem]:
    """BibTeX ``url`` fields, ``\\url{}`` in notes, and annotation ``code`` links must be http(s) addresses."""
    problems = []
    for entry in entries:
        values = [("url", entry.fields.get("url", ""))]
        for name in ("howpublished", "note"):
            text = entry.fields.get(name, "")
            if "\\url" in text or "\\href" in text:
                values += [(name, m.group(1)) for m in _TEX_URL.finditer(text)]
        for name, value in values:
            reason = value.strip() and _url_problem(value)
            if reason:
                problems.append(
                    Problem(
                        entry.path,
                        entry.line_of(name),
                        f"'{entry.key}': {name} '{value}' {reason}: use the https:// address of the paper's "
                        "page, or remove it",
                    )
                )
    for annotation in annotations.values():
        code = annotation.data.get("code")
        # Non-http(s) schemes are reported by the schema; this catches what its pattern lets through.
        if isinstance(code, str) and re.match(r"^https?://\S+$", code) and _url_problem(code):
            problems.append(
                Problem(
                    annotation.path,
                    annotation.line_of("code"),
                    f"code '{code}' {_url_problem(code)}: give the full https:// address of the repository, or null",
                )
            )
    return problems


def check_near_duplicates(entries: list[BibEntry], annotations: dict[str, Annotation]) -> list[Problem]:
    """Near-identical titles under two keys (a warning: ``distinct_from`` in either annotation silences it).

    Reported at the paper added later (by the annotation's ``added`` date, then file order).
    """
    by_key = {e.key: e for e in entries}

    def age(entry: BibEntry) -> tuple:  # the paper added later (or without a date) is the one to question
        added = annotations[entry.key].data.get("added") if entry.key in annotations else None
        return (str(added) if added else "9999", entry.path, entry.line)

    problems = []
    for key_a, key_b, match in near_duplicate_pairs((e.key, e.title) for e in entries):
        first, second = sorted((by_key[key_a], by_key[key_b]), key=age)
        declared = {
            k
            for e in (first, second)
            if e.key in annotations
            for k in annotations[e.key].items("distinct_from")
            if isinstance(k, str)
        }
        if {first.key, second.key} & declared:
            continue
        problems.append(
            Problem(
                second.path,
                second.line_of("title"),
                f"'{second.key}' may be the same paper as '{first.key}' ({first.path}:{first.line_of('title')}): "
                f"{match.reason}; if it is, keep one entry; if not, add distinct_from: [{first.key}] to "
                f"{second.key}.yaml",
                "warning",
            )
        )
    return problems


def check_distinct_from(entries: list[BibEntry], annotations: dict[str, Annotation]) -> list[Problem]:
    """``distinct_from`` may only name papers that exist."""
    keys = {e.key for e in entries}
    problems = []
    for annotation in annotations.values():
        for i, key in enumerate(annotation.items("distinct_from")):
            if isinstance(key, str) and key not in keys:
                problems.append(
                    Problem(
                        annotation.path,
                        annotation.line_of("distinct_from", i),
                        f"distinct_from names unknown key '{key}': use the key of a paper in data/ or remove it",
                    )
                )
    return problems


def check_whys(annotations: dict[str, Annotation]) -> list[Problem]:
    """A ``why`` that is blank, or copied from another category of the same paper or from another paper."""
    problems = []
    first_seen: dict[str, tuple[Annotation, int, str | None]] = {}
    for annotation in sorted(annotations.values(), key=lambda a: a.path):
        in_paper: dict[str, tuple[int, str | None]] = {}
        for i, category in enumerate(annotation.categories):
            why = category.get("why") if isinstance(category, dict) else None
            leaf = category.get("id") if isinstance(category, dict) else None
            if not isinstance(why, str) or is_placeholder(why):
                continue
            line = annotation.line_of("categories", i, "why")
            if why and not why.strip():
                problems.append(
                    Problem(
                        annotation.path,
                        line,
                        f"categories/{i}/why: 'why' is blank: say in one sentence why the paper belongs in '{leaf}'",
                    )
                )
                continue
            text = normalise_title(why)
            if not text:
                continue
            if text in in_paper:
                other_line, other_leaf = in_paper[text]
                problems.append(
                    Problem(
                        annotation.path,
                        line,
                        f"categories/{i}/why: the why for '{leaf}' repeats the one for '{other_leaf}' (line "
                        f"{other_line}): "
                        "say what puts the paper in each leaf",
                    )
                )
                continue
            in_paper[text] = (line, leaf)
            if text in first_seen and first_seen[text][0].key != annotation.key:
                other, other_line, other_leaf = first_seen[text]
                problems.append(
                    Problem(
                        annotation.path,
                        line,
                        f"categories/{i}/why: copied word for word from '{other.key}' ({other.path}:{other_line}, "
                        f"'{other_leaf}'): write what puts this paper in '{leaf}'",
                        "warning",
                    )
                )
            first_seen.setdefault(text, (annotation, line, leaf))
    return problems


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and value.strip().upper().startswith(PLACEHOLDER)


_PLACEHOLDER_FIXES = {
    "id": "a leaf id such as model/token/visual-token (all leaves: atlas validate --help)",
    "why": "one sentence, in your own words, saying why the paper belongs in this leaf",
    "modalities": "the modalities the paper works with, e.g. [image, text] (taxonomy/vocabulary/modalities.yaml)",
    "models": "the ids of the models studied, e.g. [llava-1.5] (taxonomy/vocabulary/models.yaml), or []",
    "technique": "technique ids, e.g. [attention-analysis, causal-tracing] (taxonomy/vocabulary/techniques.yaml)",
    "granularity": "one of dataset, sample, token, embedding, neuron, component, layer, model",
    "summary": "one sentence in your own words (never the abstract)",
    "code": "the http(s) URL of the paper's code, or null",
}


def check_placeholders(annotations: dict[str, Annotation]) -> list[Problem]:
    """Fields still holding the ``TODO`` that ``atlas add`` leaves for a person to fill in."""
    problems = []

    def walk(annotation: Annotation, value: object, path: tuple) -> None:
        if isinstance(value, dict):
            for name, child in value.items():
                walk(annotation, child, path + (name,))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(annotation, child, path + (index,))
        elif is_placeholder(value):
            name = next((p for p in reversed(path) if isinstance(p, str)), "")
            where = "/".join(map(str, path))
            fix = _PLACEHOLDER_FIXES.get(name, "the value this field asks for (CONTRIBUTING.md, 'The annotation')")
            problems.append(
                Problem(
                    annotation.path,
                    annotation.line_of(*path),
                    f"{where}: still the placeholder {PLACEHOLDER} left by `atlas add`: replace it with {fix}",
                )
            )

    for annotation in annotations.values():
        walk(annotation, annotation.data, ())
    return problems


def prefer_placeholder_messages(problems: list[Problem], placeholders: list[Problem]) -> list[Problem]:
    """One message per placeholder line: the placeholder's, not the schema's or the leaf check's."""
    lines = {(p.path, p.line) for p in placeholders}
    return [p for p in problems if (p.path, p.line) not in lines] + placeholders


# --- citable metadata: venue years, identifiers, primary sources (CONTRIBUTING.md, "Verification") ---

_JOURNAL_ANTHOLOGY_IDS = re.compile(r"^\d{4}\.(?:tacl|cl)-")  # journals with publisher DOIs, not 10.18653


def check_citable_metadata(
    entries: list[BibEntry], annotations: dict[str, Annotation], sources: CitationSources | None = None
) -> list[Problem]:
    """Every rule that keeps a citation true to its primary pages, for every paper."""
    sources = sources or load_citation_sources()
    problems = []
    for entry in entries:
        annotation = annotations.get(entry.key)
        problems += check_venue_year(entry, annotation, sources)
        problems += check_first_public(entry, annotation)
        problems += check_anthology_doi(entry, annotation, sources)
        problems += check_arxiv_identifiers(entry, annotation)
        problems += check_primary_sources(entry, annotation, sources)
        problems += check_unconfirmed(entry, annotation)
        problems += check_notes_agree(entry, annotation, sources)
    return problems


def venue_text(entry: BibEntry) -> str:
    """The booktitle or journal the paper was published in, decoded ('' for none, or for arXiv/CoRR)."""
    return _decoded_venue(entry.published_in)


@lru_cache(maxsize=65536)
def _decoded_venue(name: str) -> str:  # venues repeat across a library, and four rules ask for each paper's
    return latex.decode(name).strip()


def _verification(annotation: Annotation | None) -> dict:
    value = annotation.data.get("verification") if annotation else None
    return value if isinstance(value, dict) else {}


def _unconfirmed(annotation: Annotation | None) -> set[str]:
    if annotation is None:
        return set()
    value = _verification(annotation).get("unconfirmed")
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def cited_pages(entry: BibEntry, annotation: Annotation | None) -> list[tuple[str, str]]:
    """(where, URL) of every page the record cites: the BibTeX url and the verification pages."""
    url = entry.url
    pages = [("url", url)] if url and url.strip() else []
    if annotation is None:  # an imported library's entries: only the url (three rules ask, for every entry)
        return pages
    verification = _verification(annotation)
    for name in ("source", "venue_source"):
        page = verification.get(name)
        if isinstance(page, str) and page.strip():
            pages.append((f"verification.{name}", page))
    return pages


def check_venue_year(entry: BibEntry, annotation: Annotation | None, sources: CitationSources) -> list[Problem]:
    """A published paper's ``year`` is its venue's: the venue's name, venue pages and the DOI must agree with it."""
    venue = venue_text(entry)
    if not venue or entry.year is None:
        return []
    evidence: dict[int, list[str]] = {}
    for year in years_in_text(venue):
        evidence.setdefault(year, []).append(f"the venue '{venue}' names {year}")
    for where, url in cited_pages(entry, annotation):
        url_year = sources.url_year(url)
        if url_year:
            evidence.setdefault(url_year, []).append(f"{where} {url} is a page of the {url_year} venue")
    doi_year = sources.doi_year(entry.doi)
    if doi_year:
        evidence.setdefault(doi_year, []).append(f"the DOI {entry.doi} is in the {doi_year} proceedings")
    problems = []
    for year, reasons in sorted(evidence.items()):
        if year == entry.year:
            continue
        keep = (
            f"; keep the first public year {entry.year} as first_public: {entry.year} in {entry.key}.yaml"
            if year > entry.year and annotation is not None and "first_public" not in annotation.data
            else ""
        )
        problems.append(
            Problem(
                entry.path,
                entry.line_of("year"),
                f"'{entry.key}' has year {entry.year} but {' and '.join(reasons)}: a published paper's year is its "
                f"venue's, so write year = {{{year}}}{keep}",
            )
        )
    return problems


def check_first_public(entry: BibEntry, annotation: Annotation | None) -> list[Problem]:
    """``first_public`` is no later than the venue year or the arXiv id, and present when the years differ."""
    if annotation is None:
        return []
    first, arxiv_first = annotation.data.get("first_public"), arxiv_year(entry.arxiv_id)
    if not isinstance(first, int) or isinstance(first, bool):
        if arxiv_first and entry.year and entry.year > arxiv_first:
            return [
                Problem(
                    annotation.path,
                    annotation.line_of("key"),
                    f"'{entry.key}' has year {entry.year} (its venue's) but arXiv {entry.arxiv_id} was first public in "
                    f"{arxiv_first}: add first_public: {arxiv_first} so timelines can use either year",
                    "warning",
                )
            ]
        return []
    line = annotation.line_of("first_public")
    if entry.year and first > entry.year:
        return [
            Problem(
                annotation.path,
                line,
                f"first_public {first} is later than the paper's year {entry.year}: a published paper was public "
                "by its "
                f"venue's year; write the year of the first public version (arXiv v1), at most {entry.year}",
            )
        ]
    if arxiv_first and first > arxiv_first:
        return [
            Problem(
                annotation.path,
                line,
                f"first_public {first} is later than arXiv {entry.arxiv_id}, whose id dates version 1 to "
                f"{arxiv_first}: "
                f"write first_public: {arxiv_first}",
            )
        ]
    return []


def check_anthology_doi(entry: BibEntry, annotation: Annotation | None, sources: CitationSources) -> list[Problem]:
    """ACL Anthology papers carry their DOI, and it is the DOI of the Anthology page the record cites."""
    ids = sorted({i for _, url in cited_pages(entry, annotation) if (i := anthology_id(url))})
    venue = venue_text(entry)
    named = [v.acronym for v in sources.venues_named(venue) if v.anthology] if venue else []
    if not ids and not named:
        return []
    if len(ids) > 1:
        return [
            Problem(
                entry.path,
                entry.line_of("url"),
                f"'{entry.key}' cites pages of different ACL Anthology papers ({', '.join(ids)}): point the url "
                "and the "
                "verification pages at this paper's own Anthology page",
            )
        ]
    expected = f"10.18653/v1/{ids[0]}" if ids and not _JOURNAL_ANTHOLOGY_IDS.match(ids[0]) else None
    if entry.doi is None:
        if "doi" in _unconfirmed(annotation):
            return []
        why = f"Anthology page {ids[0]}" if ids else f"published at {', '.join(named)}"
        value = expected or "10.18653/v1/<Anthology id>"
        return [
            Problem(
                entry.path,
                entry.line_of("booktitle" if "booktitle" in entry.fields else "year"),
                f"'{entry.key}' is an ACL Anthology paper ({why}) without a DOI: add doi = {{{value}}} as its "
                "Anthology "
                f"page shows it; if the page shows none, list doi under verification.unconfirmed in {entry.key}.yaml "
                "and say so in the notes",
                "warning",
            )
        ]
    if expected and entry.doi.startswith("10.18653/") and entry.doi != expected.lower():
        return [
            Problem(
                entry.path,
                entry.line_of("doi"),
                f"'{entry.key}': DOI {entry.doi} is not the DOI of its Anthology page {ids[0]} ({expected}): "
                "copy the DOI from that page, or point the pages at the paper the DOI names",
            )
        ]
    return []


def check_arxiv_identifiers(entry: BibEntry, annotation: Annotation | None) -> list[Problem]:
    """An arXiv-only paper (no venue) carries eprint + archivePrefix; arXiv is never written as a venue."""
    problems = []
    prefix = entry.fields.get("archiveprefix", entry.fields.get("eprinttype", "")).strip()
    if entry.fields.get("eprint", "").strip() and not prefix:
        problems.append(
            Problem(
                entry.path,
                entry.line_of("eprint"),
                f"'{entry.key}' has an eprint without archivePrefix: add archivePrefix = {{arXiv}}",
                "warning",
            )
        )
    arxiv_as_venue = next(
        (name for name in VENUE_FIELDS if entry.fields.get(name) and is_arxiv_venue(latex.decode(entry.fields[name]))),
        None,
    )
    if arxiv_as_venue:
        problems.append(
            Problem(
                entry.path,
                entry.line_of(arxiv_as_venue),
                f"'{entry.key}': {arxiv_as_venue} '{entry.fields[arxiv_as_venue]}' is arXiv, not a venue: make "
                "the entry "
                f"@misc with eprint = {{{entry.arxiv_id or '<arXiv id>'}}} and archivePrefix = {{arXiv}}, or give the "
                "venue it was published in",
                "warning",
            )
        )
    on_arxiv = entry.arxiv_id or any(url_host(url).endswith("arxiv.org") for _, url in cited_pages(entry, annotation))
    if on_arxiv and not (_published(entry) or _has_arxiv_eprint(entry, prefix) or "eprint" in _unconfirmed(annotation)):
        problems.append(
            Problem(
                entry.path,
                entry.line,
                f"'{entry.key}' is an arXiv preprint (no venue) without eprint and archivePrefix: add "
                f"eprint = {{{entry.arxiv_id or '<arXiv id>'}}} and archivePrefix = {{arXiv}}",
                "warning",
            )
        )
    return problems


def _published(entry: BibEntry) -> bool:
    return bool(venue_text(entry)) or any(
        entry.fields.get(n) for n in ("howpublished", "publisher", "school", "institution")
    )


def _has_arxiv_eprint(entry: BibEntry, prefix: str) -> bool:
    return bool(entry.fields.get("eprint", "").strip()) and prefix.lower() == "arxiv"


def check_primary_sources(entry: BibEntry, annotation: Annotation | None, sources: CitationSources) -> list[Problem]:
    """verification.source and venue_source are primary pages: a mirror is an error, an unknown host a warning."""
    verification = _verification(annotation)
    if annotation is None or not verification:
        return []
    problems = []
    for name in ("source", "venue_source"):
        url = verification.get(name)
        if not isinstance(url, str) or not url.strip():
            continue
        line, host = annotation.line_of("verification", name), sources.host_of(url)
        if host is None:
            problems.append(
                Problem(
                    annotation.path,
                    line,
                    f"verification/{name}: {url_host(url) or url} is not a known primary page: cite the arXiv abstract "
                    "page, the venue's own page or DOI landing page, or the authors' official page; if it is one of "
                    "those, add its host to the primary list of ingest/citation_sources.yaml",
                    "warning",
                )
            )
        elif host.kind == "mirror":
            problems.append(
                Problem(
                    annotation.path,
                    line,
                    f"verification/{name}: {url} is {host.what}, not a primary page: cite {_instead(host, url, entry)}",
                )
            )
    if not verification.get("source") and "source" not in _unconfirmed(annotation):
        problems.append(
            Problem(
                annotation.path,
                annotation.line_of("verification"),
                "verification has no source: give the primary page the metadata was checked against "
                f"(e.g. {_arxiv_page(entry)}); if none could be read, list source under verification.unconfirmed "
                "and say so in the notes",
                "warning",
            )
        )
    return problems


def _arxiv_page(entry: BibEntry) -> str:
    return f"https://arxiv.org/abs/{entry.arxiv_id}" if entry.arxiv_id else "the paper's arXiv abstract page"


def _instead(host: Host, url: str, entry: BibEntry) -> str:
    """The primary page to cite instead of a mirror's."""
    if host.use == "arxiv":
        return f"the arXiv abstract page {_arxiv_page(entry)}" if entry.arxiv_id else "the paper's arXiv abstract page"
    if host.use == "anthology":
        found = anthology_id(url)
        return f"its ACL Anthology page https://aclanthology.org/{found}" if found else "its ACL Anthology page"
    if host.use == "venue":
        doi = f"the DOI landing page https://doi.org/{entry.doi}, " if entry.doi else ""
        return f"{doi}the venue's own page (proceedings, OpenReview, ACL Anthology) or {_arxiv_page(entry)}"
    assert host.use is not None, "a mirror always has `use`: ingest.citation_sources rejects one without it"
    return f"the same page on {host.use}: {urlunparse(urlparse(url.strip())._replace(netloc=host.use))}"


def check_unconfirmed(entry: BibEntry, annotation: Annotation | None) -> list[Problem]:
    """``verification.unconfirmed`` waives a rule only for a fact that is really missing, with notes saying why."""
    listed = _unconfirmed(annotation)
    if annotation is None or not listed:
        return []
    verification, problems = _verification(annotation), []
    line = annotation.line_of("verification", "unconfirmed")
    if not isinstance(verification.get("notes"), str) or not verification["notes"].strip():
        problems.append(
            Problem(
                annotation.path,
                line,
                "verification/unconfirmed: say in verification.notes what the primary pages showed instead",
            )
        )
    present = {
        "source": bool(verification.get("source")),
        "doi": entry.doi is not None,
        "eprint": bool(entry.fields.get("eprint", "").strip()),
    }
    for name in sorted(listed):
        if present.get(name):
            problems.append(
                Problem(
                    annotation.path,
                    line,
                    f"verification/unconfirmed lists {name}, but the record has one: remove {name} from the list",
                )
            )
    return problems


def check_notes_agree(entry: BibEntry, annotation: Annotation | None, sources: CitationSources) -> list[Problem]:
    """Notes that name the paper's own venue with another year than ``year`` contradict the record."""
    if annotation is None:
        return []
    notes, venue = _verification(annotation).get("notes"), venue_text(entry)
    if not isinstance(notes, str) or not venue or entry.year is None:
        return []
    acronyms = [re.escape(v.acronym) for v in sources.venues_named(venue)]
    if not acronyms:
        return []
    pattern = re.compile(
        rf"(?<![A-Za-z])(?:{'|'.join(acronyms)})\s*'?((?:19|20)\d{{2}})(?!\d)(?!\s+workshops?\b)", re.I
    )
    problems, seen = [], set()
    for match in pattern.finditer(notes):
        if int(match.group(1)) != entry.year and match.group().lower() not in seen:
            seen.add(match.group().lower())
            problems.append(
                Problem(
                    annotation.path,
                    annotation.line_of("verification", "notes"),
                    f"verification/notes say '{match.group()}' but the record has year {entry.year}: correct whichever "
                    "is wrong (a published paper's year is its venue's)",
                )
            )
    return problems

"""Cross-check BibTeX entries and annotations: everything a single file cannot see alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.annotations import Annotation, read_annotation
from ingest.bibtex import BibEntry, read_bib_folder
from ingest.identifiers import normalise_title
from ingest.problems import Problem, display_path
from taxonomy import Taxonomy, load_taxonomy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
METHODS_CATALOG = PROJECT_ROOT / "methods" / "catalog.yaml"


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

    def errors(self, strict: bool = False) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error" or strict]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def source_files(data_dir: Path) -> list[Path]:
    """Every file a build reads from the data folder, in a stable order."""
    data_dir = Path(data_dir)
    return sorted([*data_dir.rglob("*.bib"), *data_dir.rglob("*.yaml")])


def read_dataset(data_dir: Path = DEFAULT_DATA_DIR, methods_catalog: Path = METHODS_CATALOG,
                 taxonomy: Taxonomy | None = None) -> Dataset:
    """Read the data folder and run every check; never raises for bad data."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        problem = Problem(str(data_dir), 1, "data folder not found: pass --data DIR pointing at a folder of .bib/.yaml files")
        return Dataset([], {}, [], [problem])
    taxonomy = taxonomy or load_taxonomy()
    files = source_files(data_dir)
    bib = read_bib_folder(data_dir, [f for f in files if f.suffix == ".bib"])
    problems = list(bib.problems)
    annotations: dict[str, Annotation] = {}
    for path in (f for f in files if f.suffix == ".yaml"):
        annotation, found = read_annotation(path)
        problems.extend(found)
        if annotation is not None:
            annotations[annotation.key] = annotation
    methods, method_problems = read_methods_catalog(methods_catalog)
    problems.extend(method_problems)

    entries = bib.entries
    problems.extend(check_entries(entries))
    problems.extend(check_same_paper(entries))
    problems.extend(check_annotations(entries, annotations, taxonomy, {m["id"] for m in methods}, bib.rejected_keys))
    return Dataset(entries, annotations, methods, problems, bib.containers, bib.ignored_blocks, files)


def read_methods_catalog(path: Path) -> tuple[list[dict], list[Problem]]:
    """Method ids, names and canonical paper keys from methods/catalog.yaml (empty if absent)."""
    if not Path(path).exists():
        return [], []
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], [Problem(display_path(path), mark.line + 1 if mark else 1, f"invalid YAML in the methods catalogue: {exc}")]
    items = raw.get("methods", []) if isinstance(raw, dict) else raw
    methods = [
        {"id": str(m["id"]), "name": str(m.get("name", m["id"])), "paper_key": m.get("paper")}
        for m in items if isinstance(m, dict) and "id" in m
    ]
    return methods, []


def check_entries(entries: list[BibEntry]) -> list[Problem]:
    problems = []
    for entry in entries:
        if not entry.fields.get("title", "").strip():
            problems.append(Problem(entry.path, entry.line, f"entry '{entry.key}' has no title: add title = {{...}}"))
        if entry.year is None:
            problems.append(Problem(entry.path, entry.line_of("year"),
                f"entry '{entry.key}' has no year: add year = {{YYYY}} (year of the first public version)", "warning"))
        if not (entry.fields.get("author") or entry.fields.get("editor")):
            problems.append(Problem(entry.path, entry.line, f"entry '{entry.key}' has no author: add author = {{Family, Given and ...}}", "warning"))
    return problems


def check_same_paper(entries: list[BibEntry]) -> list[Problem]:
    """The same paper under two keys: same DOI, same arXiv id or same normalised title."""
    problems = []
    seen: dict[tuple[str, str], BibEntry] = {}
    for entry in entries:
        for kind, value in (("DOI", entry.doi), ("arXiv id", entry.arxiv_id), ("title", normalise_title(entry.title))):
            if not value:
                continue
            first = seen.setdefault((kind, value), entry)
            if first is not entry:
                field_name = {"DOI": "doi", "arXiv id": "eprint", "title": "title"}[kind]
                problems.append(Problem(entry.path, entry.line_of(field_name),
                    f"'{entry.key}' is the same paper as '{first.key}' ({first.path}:{first.line}): same {kind} "
                    f"'{value}'; keep one entry and delete the other"))
                break
    return problems


def check_annotations(entries: list[BibEntry], annotations: dict[str, Annotation],
                      taxonomy: Taxonomy, method_ids: set[str], rejected_keys: set[str] = frozenset()) -> list[Problem]:
    problems = []
    keys = {e.key for e in entries}
    known = keys | set(rejected_keys)  # a duplicate is already reported; its annotation is not orphaned
    by_lower = {k.lower(): k for k in keys}
    for entry in entries:
        if entry.key not in annotations:
            problems.append(Problem(entry.path, entry.line,
                f"'{entry.key}' has no annotation: it is loaded as unclassified; add data/papers/{entry.key}.yaml",
                "warning"))
    for key, annotation in annotations.items():
        if key not in known:
            hint = f"did you mean '{by_lower[key.lower()]}'?" if key.lower() in by_lower else \
                f"add the BibTeX entry as data/papers/{key}.bib or fix the key"
            problems.append(Problem(annotation.path, annotation.line_of("key"), f"annotation for '{key}' but no BibTeX entry has that key: {hint}"))
        problems.extend(_check_categories(annotation, taxonomy))
        problems.extend(_check_relations(annotation, keys))
        if method_ids:
            for i, method in enumerate(annotation.methods):
                if isinstance(method, str) and method not in method_ids:
                    problems.append(Problem(annotation.path, annotation.line_of("methods", i),
                        f"unknown method '{method}': use an id from methods/catalog.yaml ({', '.join(sorted(method_ids))})"))
    return problems


def _check_categories(annotation: Annotation, taxonomy: Taxonomy) -> list[Problem]:
    problems, seen = [], set()
    leaves = sorted(n.id for n in taxonomy.leaves)
    for i, category in enumerate(annotation.categories):
        node_id = category.get("id") if isinstance(category, dict) else None
        if not isinstance(node_id, str):
            continue  # the schema already reported it
        line = annotation.line_of("categories", i, "id")
        if node_id not in taxonomy:
            problems.append(Problem(annotation.path, line, f"unknown category '{node_id}': use a leaf id such as {leaves[0]} (all leaves: atlas validate --help)"))
        elif not taxonomy[node_id].is_leaf:
            below = ", ".join(taxonomy.leaves_under(node_id))
            problems.append(Problem(annotation.path, line, f"'{node_id}' is not a leaf: use one of {below}"))
        elif node_id in seen:
            problems.append(Problem(annotation.path, line, f"category '{node_id}' is listed twice: merge the two entries"))
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
            problems.append(Problem(annotation.path, line, f"relation to unknown key '{target}': use the key of a paper in data/ or remove it"))
    return problems

"""``atlas build --keep-going``: load every entry without an error, leave out every entry with one.

For bringing in an existing library, where a few broken entries should not stop thousands of good
ones. Each error is traced to the entry it concerns: by its place (the lines of a BibTeX entry) or
by its annotation (``<key>.yaml``). Errors that no entry can absorb (a broken methods catalogue,
a missing data folder) still stop the build. Relations that point at a left-out paper are dropped
with a warning, so the papers that stay load without dangling links.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.annotations import Annotation
from ingest.problems import DataError, Problem, display_path
from ingest.validate import Dataset


@dataclass
class LeftOut:
    keys: list[str]  # entries read but not loaded because of an error
    unparsed: int  # entry blocks that never became entries (syntax errors, duplicate keys)
    errors: list[Problem]  # every error, at its place

    @property
    def count(self) -> int:
        return len(self.keys) + self.unparsed


def leave_out_failing(dataset: Dataset, strict: bool = False) -> tuple[Dataset, LeftOut]:
    """The dataset without the entries that have errors (warnings too under ``strict``).

    Raises DataError when an error concerns no entry and would make the whole build wrong.
    """
    errors = dataset.errors(strict)
    locate = _Locator(dataset)
    failing: set[str] = set()
    data_files = {display_path(path) for path in dataset.files}
    fatal = []
    for problem in errors:
        key = locate(problem)
        if key is not None:
            failing.add(key)
        elif problem.path not in data_files:
            fatal.append(problem)  # e.g. the methods catalogue: no entry to leave out instead
    if fatal:
        raise DataError(fatal)
    entries = [e for e in dataset.entries if e.key not in failing]
    annotations, dropped = _without_links_to(
        {k: a for k, a in dataset.annotations.items() if k not in failing}, failing
    )
    error_set = set(errors)
    others = [p for p in dataset.problems if p not in error_set]
    kept = replace(dataset, entries=entries, annotations=annotations, problems=others + dropped)
    left_out = LeftOut(sorted(failing), dataset.unparsed_entries, sorted(errors))
    return kept, left_out


class _Locator:
    """Which entry a problem concerns: the entry whose lines contain it, or the key of its annotation."""

    def __init__(self, dataset: Dataset):
        self.spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for entry in dataset.entries:
            self.spans[entry.path].append((entry.line, entry.line + entry.raw.count("\n"), entry.key))
        for spans in self.spans.values():
            spans.sort()
        self.starts = {path: [s[0] for s in spans] for path, spans in self.spans.items()}
        self.keys = {e.key for e in dataset.entries}
        self.by_annotation = {a.path: a.key for a in dataset.annotations.values()}

    def __call__(self, problem: Problem) -> str | None:
        if problem.path.endswith(".yaml"):
            key = self.by_annotation.get(problem.path, Path(problem.path).stem)
            return key if key in self.keys else None
        spans = self.spans.get(problem.path)
        if not spans:
            return None
        index = bisect.bisect_right(self.starts[problem.path], problem.line) - 1
        if index < 0:
            return None
        start, end, key = spans[index]
        return key if start <= problem.line <= end else None


def _without_links_to(
    annotations: dict[str, Annotation], gone: set[str]
) -> tuple[dict[str, Annotation], list[Problem]]:
    """Annotations whose relations to left-out papers are removed, and a warning for each removal."""
    if not gone:
        return annotations, []
    result, warnings = {}, []
    for key, annotation in annotations.items():
        relations = annotation.relations
        kept = [r for r in relations if not (isinstance(r, dict) and r.get("key") in gone)]
        if len(kept) == len(relations):
            result[key] = annotation
            continue
        for index, relation in enumerate(relations):
            if relation not in kept:
                warnings.append(
                    Problem(
                        annotation.path,
                        annotation.line_of("relations", index, "key"),
                        f"relation to '{relation['key']}' dropped: that paper was left out because of its error(s)",
                        "warning",
                    )
                )
        result[key] = replace(annotation, data={**annotation.data, "relations": kept})
    return result, warnings

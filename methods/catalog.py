"""Read and check ``methods/catalog.yaml``, the catalogue of interpretability methods.

>>> entries = load_catalog()
>>> [e.id for e in entries][:2]
['integrated-gradients', 'mm-shap']

Every problem raises ``ValueError`` whose message names the file, the method id (or the entry's
position when it has no id) and what to change. Loading does not import torch; use
:meth:`MethodEntry.resolve` to import the implementation.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlparse

from ingest.errors import UnknownItem
from ingest.method_catalog import MethodCatalogUnreadable, read_catalog_items

CATALOG_PATH = Path(__file__).with_name("catalog.yaml")

FIELDS = ("id", "name", "leaves", "paper", "paper_title", "libraries", "implementation", "description")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[a-z][a-z0-9]*$")
DOTTED_RE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")


@dataclass(frozen=True)
class MethodEntry:
    id: str
    name: str
    leaves: list[str]  # taxonomy leaf ids
    paper: str  # BibTeX key of the canonical paper
    paper_title: str
    libraries: list[dict[str, str]]  # [{"name": ..., "url": ...}]
    implementation: str  # dotted path, e.g. methods.attribution.integrated_gradients
    description: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def resolve(self) -> Callable:
        """Import and return the implementation named by ``implementation``."""
        module, _, attr = self.implementation.rpartition(".")
        return getattr(importlib.import_module(module), attr)


def _leaf_ids() -> set[str] | None:
    try:
        from taxonomy import load_taxonomy
    except ImportError:  # pragma: no cover - the taxonomy package ships with the project
        return None
    return {node.id for node in load_taxonomy().leaves}


def _is_http_url(url: object) -> bool:
    if not isinstance(url, str) or any(c.isspace() for c in url):
        return False
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _check_entry(path: Path, index: int, raw: object, leaf_ids: set[str] | None) -> MethodEntry:
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: entry #{index} must be a mapping with the fields {', '.join(FIELDS)}")
    ident = raw.get("id")
    where = f"{path}: method '{ident}'" if isinstance(ident, str) and ident else f"{path}: entry #{index}"

    def fail(message: str) -> ValueError:
        return ValueError(f"{where}: {message}")

    missing = [f for f in FIELDS if f not in raw or raw[f] in (None, "", [])]
    if missing:
        raise fail(f"missing required field(s): {', '.join(missing)}")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(FIELDS)}")
    for name in ("id", "name", "paper", "paper_title", "implementation", "description"):
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise fail(f"'{name}' must be a non-empty string")
    if not ID_RE.match(raw["id"]):
        raise fail("'id' must be lower-case words joined by hyphens, e.g. integrated-gradients")
    if not KEY_RE.match(raw["paper"]):
        raise fail(
            f"'paper' must be a BibTeX key like sundararajan2017axiomatic (lower-case letters and "
            f"digits), not {raw['paper']!r}"
        )
    if not DOTTED_RE.match(raw["implementation"]):
        raise fail(
            f"'implementation' must be a dotted path such as methods.attribution.integrated_gradients, "
            f"not {raw['implementation']!r}"
        )
    leaves = raw["leaves"]
    if not isinstance(leaves, list) or not all(isinstance(x, str) for x in leaves):
        raise fail("'leaves' must be a list of taxonomy leaf ids")
    if leaf_ids is not None:
        bad = [x for x in leaves if x not in leaf_ids]
        if bad:
            raise fail(
                f"unknown taxonomy leaf id(s) {', '.join(bad)}; use leaf ids from taxonomy/tree.yaml "
                f"such as {', '.join(sorted(leaf_ids)[:3])}"
            )
    libraries = raw["libraries"]
    if not isinstance(libraries, list):
        raise fail("'libraries' must be a list of {name, url}")
    for lib in libraries:
        if (
            not isinstance(lib, dict)
            or set(lib) != {"name", "url"}
            or not isinstance(lib.get("name"), str)
            or not lib["name"].strip()
        ):
            raise fail(f"each library needs exactly a non-empty 'name' and a 'url', got {lib!r}")
        if not _is_http_url(lib["url"]):
            raise fail(f"library '{lib['name']}' has URL {lib['url']!r}: only http(s) URLs are allowed")
    return MethodEntry(
        id=raw["id"],
        name=raw["name"].strip(),
        leaves=list(leaves),
        paper=raw["paper"],
        paper_title=" ".join(raw["paper_title"].split()),
        libraries=[{"name": lib["name"].strip(), "url": lib["url"]} for lib in libraries],
        implementation=raw["implementation"],
        description=" ".join(raw["description"].split()),
    )


def load_catalog(path: Path | str | None = None, leaf_ids: Iterable[str] | None = None) -> list[MethodEntry]:
    """Read and validate the catalogue (default ``methods/catalog.yaml``), in file order.

    ``leaf_ids`` are the allowed taxonomy leaves; by default the leaves of ``taxonomy/tree.yaml``.
    The top level is a list of entries (a mapping with a ``methods`` list is accepted too).
    """
    path = Path(path) if path is not None else CATALOG_PATH
    try:
        raw = read_catalog_items(path)
    except MethodCatalogUnreadable as exc:
        line = f" line {exc.line}" if exc.line is not None else ""
        raise ValueError(f"{path}:{line} {exc.message}") from exc
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path}: expected a non-empty list of methods at the top level")
    allowed = set(leaf_ids) if leaf_ids is not None else _leaf_ids()
    entries = [_check_entry(path, i, item, allowed) for i, item in enumerate(raw, start=1)]
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ValueError(f"{path}: method '{entry.id}': duplicate id; every method id must be unique")
        seen.add(entry.id)
    return entries


def get_method(method_id: str, path: Path | str | None = None) -> MethodEntry:
    """The catalogue entry with this id; raises :class:`UnknownMethodError` listing the known ids."""
    entries = load_catalog(path)
    for entry in entries:
        if entry.id == method_id:
            return entry
    raise UnknownMethodError(method_id, [e.id for e in entries])


class UnknownMethodError(UnknownItem):
    """A method id that is not in the catalogue; the message lists the known ids."""

    def __init__(self, method_id: str, known: Iterable[str]):
        self.method_id = method_id
        self.known = list(known)
        super().__init__(f"unknown method '{method_id}'; known methods: {', '.join(self.known)}")

"""The methods catalogue as the Methods page and ``atlas methods list`` show it: each entry of
``methods/catalog.yaml`` joined with the knowledge base (is the canonical paper in the atlas, which
papers use the method), and the demo figures, run on demand and cached on disk.

Nothing here imports torch until a demo actually runs (:func:`run_demo`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from explorer.safety import safe_url
from kb.schema import Paper, paper_methods
from methods import MethodsExtraMissing, require_methods_extra
from methods.catalog import CATALOG_PATH, MethodEntry, UnknownMethodError, load_catalog
from taxonomy import load_taxonomy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
METHODS_DIR = CATALOG_PATH.parent
CACHE_ENV = "ATLAS_METHOD_CACHE"  # where the website keeps demo figures (default: .cache/method-runs)
DEFAULT_CACHE = PROJECT_ROOT / ".cache" / "method-runs"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class Library:
    name: str
    url: str  # as the catalogue says
    href: str | None  # a safe http(s) URL, or None: then the URL is shown as text, never as a link


@dataclass(frozen=True)
class Leaf:
    id: str
    path: str  # "Model › Token › Visual Token"


@dataclass(frozen=True)
class PaperRef:
    key: str
    title: str
    year: int | None


@dataclass(frozen=True)
class MethodCard:
    id: str
    name: str
    description: str
    leaves: tuple[Leaf, ...]
    paper: str  # key of the canonical paper
    paper_title: str
    paper_in_atlas: bool | None  # None: no knowledge base to ask
    libraries: tuple[Library, ...]
    implementation: str  # dotted path of our implementation
    used_by: tuple[PaperRef, ...] | None  # papers of the atlas whose annotation lists the method; None: no database

    @property
    def summary(self) -> str:
        """The description's first sentence."""
        return _SENTENCE_END.split(self.description, maxsplit=1)[0]

    def as_dict(self) -> dict:
        """Plain JSON-ready values (``atlas methods list --format json``)."""
        return {
            "id": self.id,
            "name": self.name,
            "leaves": [leaf.id for leaf in self.leaves],
            "paper": self.paper,
            "paper_title": self.paper_title,
            "paper_in_atlas": self.paper_in_atlas,
            "libraries": [{"name": lib.name, "url": lib.url} for lib in self.libraries],
            "implementation": self.implementation,
            "description": self.description,
            "used_by": None if self.used_by is None else [p.key for p in self.used_by],
        }


def method_cards(session: Session | None = None, catalog_path: Path | str | None = None) -> list[MethodCard]:
    """Every catalogued method in catalogue order; with a session, joined with the knowledge base."""
    entries = load_catalog(catalog_path)
    taxonomy = load_taxonomy()
    in_atlas: set[str] | None = None
    used_by: dict[str, list[PaperRef]] | None = None
    if session is not None:
        wanted = {e.paper for e in entries}
        in_atlas = set(session.scalars(select(Paper.key).where(Paper.key.in_(wanted))))
        used_by = {}
        rows = session.execute(
            select(paper_methods.c.method_id, Paper.key, Paper.title, Paper.year).join(
                Paper, Paper.key == paper_methods.c.paper_key
            )
        )
        for method_id, key, title, year in rows:
            used_by.setdefault(method_id, []).append(PaperRef(key, title, year))
    return [_card(e, taxonomy, in_atlas, used_by) for e in entries]


def method_card(method_id: str, session: Session | None = None, catalog_path: Path | str | None = None) -> MethodCard:
    """One method; raises :class:`UnknownMethodError` (a KeyError whose message lists the known ids)."""
    return find(method_cards(session, catalog_path), method_id)


def find(cards: list[MethodCard], method_id: str) -> MethodCard:
    """The card with this id; raises :class:`UnknownMethodError` listing the known ids."""
    for card in cards:
        if card.id == method_id:
            return card
    raise UnknownMethodError(method_id, [c.id for c in cards])


def _card(
    entry: MethodEntry, taxonomy, in_atlas: set[str] | None, used_by: dict[str, list[PaperRef]] | None
) -> MethodCard:
    def path(node_id: str) -> str:
        ids = [*reversed(taxonomy.ancestors(node_id)), node_id] if node_id in taxonomy else [node_id]
        return " › ".join(taxonomy[i].name if i in taxonomy else i for i in ids)

    papers = None
    if used_by is not None:
        papers = tuple(sorted(used_by.get(entry.id, []), key=lambda p: (-(p.year or 0), p.title.casefold())))
    return MethodCard(
        id=entry.id,
        name=entry.name,
        description=entry.description,
        leaves=tuple(Leaf(leaf, path(leaf)) for leaf in entry.leaves),
        paper=entry.paper,
        paper_title=entry.paper_title,
        paper_in_atlas=None if in_atlas is None else entry.paper in in_atlas,
        libraries=tuple(Library(lib["name"], lib["url"], safe_url(lib["url"])) for lib in entry.libraries),
        implementation=entry.implementation,
        used_by=papers,
    )


# --- demo figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoRun:
    method_id: str
    png: Path
    numbers: dict  # the JSON ``methods.runner.run_method`` writes (id, seconds, torch_version, results, ...)


def code_version() -> str:
    """A hash of the catalogue and the code under methods/: a figure made by other code is not reused."""
    digest = hashlib.sha256()
    for path in sorted([*METHODS_DIR.glob("*.py"), CATALOG_PATH]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def cache_dir(base: Path | str | None = None) -> Path:
    """Where demo figures of the current code live: ``$ATLAS_METHOD_CACHE`` (or .cache/method-runs)/<code hash>."""
    root = Path(base or os.environ.get(CACHE_ENV) or DEFAULT_CACHE)
    return root / code_version()


def _known(method_id: str) -> None:
    ids = [e.id for e in load_catalog()]
    if method_id not in ids:  # also keeps any other text (e.g. "../x" from a URL) out of file paths
        raise UnknownMethodError(method_id, ids)


def cached_run(method_id: str, base: Path | str | None = None) -> DemoRun | None:
    """The figure and numbers of an earlier run of this method by the current code, if any."""
    _known(method_id)
    folder = cache_dir(base)
    png, numbers = folder / f"{method_id}.png", folder / f"{method_id}.json"
    if not (png.is_file() and numbers.is_file()):
        return None
    try:
        data = json.loads(numbers.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("id") != method_id:
        return None
    return DemoRun(method_id, png, data)


def demos_unavailable_reason() -> str | None:
    """Why no demo can run in this installation (the methods extra is missing, and how to add it), or None."""
    try:
        require_methods_extra()
    except MethodsExtraMissing as exc:
        return str(exc)
    return None


_run_lock = threading.Lock()  # one demo at a time per process: they are CPU-bound and single-threaded


def previous_run(method_id: str, base: Path | str | None = None) -> DemoRun | None:
    """The newest figure of this method made by an earlier version of the code (shown, with an offer to
    run it again, until the current code has made its own)."""
    _known(method_id)
    current = cache_dir(base)
    older = [
        folder
        for folder in current.parent.glob("*")
        if folder.is_dir()
        and folder != current
        and (folder / f"{method_id}.json").is_file()
        and (folder / f"{method_id}.png").is_file()
    ]
    for folder in sorted(older, key=lambda f: (f / f"{method_id}.json").stat().st_mtime, reverse=True):
        try:
            data = json.loads((folder / f"{method_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("id") == method_id:
            return DemoRun(method_id, folder / f"{method_id}.png", data)
    return None


Progress = Callable[[str, float], None]  # (what is happening, fraction done)


def run_demo(method_id: str, base: Path | str | None = None, progress: Progress | None = None) -> DemoRun:
    """Run the method's demo unless the cache already holds its result; files are moved into the cache
    only when complete. ``progress`` hears each step: a first run anywhere trains the toy model (its
    weights are then kept on disk, ``methods.toy_models``), then the method runs and draws its figure."""
    _known(method_id)
    report = progress or (lambda message, fraction: None)
    with _run_lock:
        found = cached_run(method_id, base)
        if found is not None:
            return found
        require_methods_extra()
        report("Loading torch and the toy model ...", 0.02)
        from methods import toy_models
        from methods.runner import run_method  # imports torch

        folder = cache_dir(base)
        folder.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{method_id}-", dir=folder))
        try:
            with toy_models.training_progress(lambda message, fraction: report(message, 0.05 + 0.8 * fraction)):
                run_method(method_id, scratch)
            report("Saving the figure ...", 0.95)
            for suffix in (".png", ".json"):  # the JSON last: cached_run needs both
                os.replace(scratch / f"{method_id}{suffix}", folder / f"{method_id}{suffix}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    found = cached_run(method_id, base)
    assert found is not None
    return found

"""The demo figures of the catalogued methods, run on demand and kept on disk per version of the code
(the Methods page's "run" button). Running is the methods' job, so it lives here beside
``methods.runner``; the read side (``explorer.methods_view``) only describes the methods.

Nothing here imports torch until a demo actually runs (:func:`run_demo`), so the website imports this
module in a base install (no ``methods`` extra) and says why no demo can run (:func:`demos_unavailable_reason`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from methods import MethodsExtraMissing, require_methods_extra
from methods.catalog import CATALOG_PATH, UnknownMethodError, load_catalog

PROJECT_ROOT = Path(__file__).resolve().parent.parent
METHODS_DIR = CATALOG_PATH.parent
CACHE_ENV = "ATLAS_METHOD_CACHE"  # where the website keeps demo figures (default: .cache/method-runs)
DEFAULT_CACHE = PROJECT_ROOT / ".cache" / "method-runs"


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

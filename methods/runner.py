"""Run a catalogued method on its toy model and save a figure and the numbers.

>>> run_method("attention-rollout", Path("out"))  # writes out/attention-rollout.png and .json
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import torch
from matplotlib.figure import Figure

from methods.catalog import UnknownMethodError, load_catalog
from methods.demos import DEMOS
from methods.toy_models import single_thread


def known_methods() -> list[str]:
    """Ids that are both in the catalogue and runnable here."""
    return [e.id for e in load_catalog() if e.id in DEMOS]


def _finite(value: Any) -> Any:
    """JSON-safe copy: non-finite floats become None (JSON has no NaN/Infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def run_method(method_id: str, out_dir: Path | str) -> dict[str, Any]:
    """Run ``method_id`` on its toy model (CPU, a few seconds) and write ``<out_dir>/<id>.png`` and
    ``<out_dir>/<id>.json``; returns the JSON content as a dict.

    Raises :class:`methods.catalog.UnknownMethodError` (a ``KeyError``) for an unknown id.
    """
    entries = {e.id: e for e in load_catalog()}
    if method_id not in entries or method_id not in DEMOS:
        raise UnknownMethodError(method_id, [i for i in entries if i in DEMOS])
    entry = entries[method_id]
    start = time.perf_counter()
    with single_thread():
        figure, numbers = DEMOS[method_id]()
    about = {
        "id": entry.id,
        "name": entry.name,
        "paper": entry.paper,
        "paper_title": entry.paper_title,
        "implementation": entry.implementation,
    }
    return save_run(out_dir, about, figure, numbers, start)


def save_run(out_dir: Path | str, about: dict[str, Any], figure: Figure, numbers: Any, start: float) -> dict[str, Any]:
    """Write a run's ``<id>.png`` and ``<id>.json`` (``about`` first, then the figure's file name, the torch
    version, the seconds since ``start`` and the numbers) and return the JSON content. Both runners (toy models
    here, checkpoints in ``methods.hf_runner``) save this way, so the website and the CLI read one format."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"{about['id']}.png"
    figure.savefig(png, dpi=110, bbox_inches="tight")
    result = _finite(
        {
            **about,
            "figure": png.name,
            "torch_version": torch.__version__,
            "seconds": round(time.perf_counter() - start, 3),
            "results": numbers,
        }
    )
    json_text = json.dumps(result, indent=2, allow_nan=False) + "\n"
    (out_dir / f"{about['id']}.json").write_text(json_text, encoding="utf-8")
    return result

"""Read ``methods/catalog.yaml`` as YAML: the one reader both the build's checks (``ingest.validate``, which
only needs ids and names and takes a missing file as an empty catalogue) and the method catalogue's own
strict checks (``methods.catalog``) start from. It lives here, below ``methods``, so that checking or
building the data never imports the methods package (nor torch).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ingest.errors import InvalidInput
from taxonomy.text import SAFE_LOADER


class MethodCatalogUnreadable(InvalidInput):
    """The catalogue file cannot be read or is not valid YAML; ``line`` is the YAML error's line, if known."""


def read_catalog_items(path: Path) -> object:
    """The catalogue's entries as YAML gives them: the top-level list, or the ``methods`` list of a mapping
    (anything else is returned as it is, for the caller's own rule)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MethodCatalogUnreadable(f"cannot read the methods catalogue ({exc.strerror or exc})", path) from exc
    try:
        raw = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise MethodCatalogUnreadable(f"invalid YAML in the methods catalogue: {exc}", path, line) from exc
    if isinstance(raw, dict) and "methods" in raw:
        return raw["methods"]
    return raw

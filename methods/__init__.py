"""Runnable reference implementations of core interpretability methods, with tiny toy models.

See ``methods/catalog.yaml`` for the catalogue and :func:`methods.runner.run_method` to run one.
Running needs the ``methods`` extra (torch, matplotlib); reading the catalogue does not.
"""

from __future__ import annotations

from importlib.util import find_spec

from ingest.errors import AtlasError

INSTALL_HINT = "pip install -e '.[methods]' (or `make install`), which adds torch (CPU build) and matplotlib"


class MethodsExtraMissing(AtlasError):
    """The method demos were asked for, but torch or matplotlib is not installed."""


def require_methods_extra() -> None:
    """Raise MethodsExtraMissing, naming what is missing and the install command, unless the demos can run."""
    missing = [name for name in ("torch", "matplotlib") if find_spec(name) is None]
    if missing:
        raise MethodsExtraMissing(
            f"running a method needs {' and '.join(missing)}, which this install lacks: {INSTALL_HINT}"
        )

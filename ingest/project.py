"""Facts about the project itself, declared once in pyproject.toml and read from there.

The repository's address lives in ``[project.urls] Repository``; every link and instruction that names
it (the Contribute page's GitHub buttons, clone commands, the link to CONTRIBUTING.md) reads it here.
A checkout reads pyproject.toml beside the code; an installed copy reads the same field from its
package metadata (``Project-URL: Repository, ...``).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
DISTRIBUTION = "mllm-interpretability-atlas"
_GITHUB_REPOSITORY = re.compile(r"^https://github\.com/[\w.\-]+/[\w.\-]+$")


@lru_cache(maxsize=1)
def project_urls() -> dict[str, str]:
    """``[project.urls]`` of pyproject.toml (or of the installed package's metadata)."""
    if PYPROJECT.is_file():
        with PYPROJECT.open("rb") as handle:
            return dict(tomllib.load(handle).get("project", {}).get("urls", {}))
    try:
        entries = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return {}
    return dict(tuple(part.strip() for part in entry.split(",", 1)) for entry in entries if "," in entry)


def repository_url() -> str | None:
    """The project's GitHub repository, ``https://github.com/<owner>/<name>`` (None if pyproject does not say)."""
    value = project_urls().get("Repository", "").strip().rstrip("/")
    return value if _GITHUB_REPOSITORY.match(value) else None


def repository_file_url(path: str, branch: str = "main") -> str | None:
    """A file of the repository as GitHub shows it, e.g. CONTRIBUTING.md."""
    repo = repository_url()
    return f"{repo}/blob/{branch}/{path}" if repo else None

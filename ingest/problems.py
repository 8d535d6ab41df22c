"""Problems found in the data folder, reported as ``path:line: message``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.errors import AtlasError
from taxonomy.text import count


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"  # "error" stops a build; "warning" does not (except under --strict)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


def display_path(path: Path, root: Path | None = None) -> str:
    """Path relative to the working directory when possible, so editors can jump to it."""
    path = Path(path)
    for base in (Path.cwd(), root):
        if base is None:
            continue
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


class DataError(AtlasError):
    """The data folder has errors; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{count(len(errors), 'error')} in the data folder")

    def __str__(self) -> str:  # the problems are printed one per line before this summary
        return self.message

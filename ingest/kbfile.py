"""The knowledge-base file: where it lives, whether a path holds one, and replacing it safely.

A build writes a private temporary file next to the target and renames it over the target, so a
reader never sees a half-built database. Before that it makes sure the target is ours: a build
never replaces a file that is not an atlas knowledge base (a ``.tex`` file, another program's
SQLite database, an empty file, a folder). A symlinked target is followed, so the link stays and
the file it points to is replaced, with the file's permission bits kept.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import KnowledgeBaseWriteError, NotAKnowledgeBase

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "atlas.db"
TEMP_SUFFIX = ".building"
_LEGACY_TEMP_AGE = 600  # seconds: temp files without a pid (older versions) are stale after this


def default_db_path() -> Path:
    """The knowledge base file: $ATLAS_DB if set, else atlas.db at the project root (git-ignored)."""
    return Path(os.environ.get("ATLAS_DB") or DEFAULT_DB_PATH)


@dataclass(frozen=True)
class StoredBuild:
    """What the build-info row of an existing knowledge base says."""

    source_hash: str
    ingest_version: int
    warnings: list[str]
    counts: dict


def read_build_info(path: Path) -> StoredBuild | None:
    """The build-info row of the knowledge base at ``path``; None if nothing is there.

    Raises NotAKnowledgeBase when ``path`` holds something else: a folder, an empty or
    non-SQLite file, or a database without the atlas's build-info row.
    """
    path = Path(path)
    if not path.exists():
        return None
    if path.is_dir():
        raise NotAKnowledgeBase(
            f"{path} is a folder, not a knowledge base file: give a file path such as {path / 'atlas.db'}"
        )
    reason = None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            row = conn.execute(
                "SELECT source_hash, ingest_version, warnings, counts FROM build_info WHERE id = 1"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        row, reason = None, _sqlite_reason(exc, path)
    if row is None:
        raise NotAKnowledgeBase(
            f"{path} is not an atlas knowledge base ({reason or 'its build-info row is missing'}); "
            "point --db or ATLAS_DB at the file `atlas build` wrote, or build one at a new path"
        )
    try:
        return StoredBuild(str(row[0]), int(row[1]), list(json.loads(row[2])), dict(json.loads(row[3])))
    except (TypeError, ValueError):
        raise NotAKnowledgeBase(
            f"{path} is not an atlas knowledge base (its build-info row is damaged): "
            "rebuild it with `atlas build --force` after moving it away"
        ) from None


def _sqlite_reason(exc: sqlite3.DatabaseError, path: Path) -> str:
    text = str(exc)
    if "no such table" in text:
        return "a database, but not one `atlas build` wrote"
    if path.stat().st_size == 0:
        return "the file is empty"
    if "not a database" in text or "malformed" in text:
        return "not an SQLite database"
    return text


def target_of(db_path: Path) -> Path:
    """The file a build replaces: symlinks followed, so the link itself survives the rename."""
    return Path(os.path.realpath(db_path))


def check_replaceable(db_path: Path) -> StoredBuild | None:
    """Refuse (NotAKnowledgeBase) unless ``db_path`` is absent or holds an atlas knowledge base."""
    target = target_of(db_path)
    try:
        return read_build_info(target)
    except NotAKnowledgeBase as exc:
        raise NotAKnowledgeBase(f"{exc.message}; nothing was written: refusing to replace it") from None


def new_temp_file(db_path: Path) -> Path:
    """A private temporary file next to the target (same file system, so the rename is atomic).

    Its name carries our pid, so that temporary files of killed builds can be recognised and
    removed while a concurrent build's file is left alone.
    """
    target = target_of(db_path)
    remove_stale_temp_files(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=target.parent)
    os.close(fd)
    return Path(name)


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Delete temporary files that builds killed before their rename left next to ``target``."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(?:(\d+)\.)?[^.]+{re.escape(TEMP_SUFFIX)}$")
    removed = []
    for path in target.parent.glob(f".{glob_escape(target.name)}.*{TEMP_SUFFIX}"):
        match = pattern.match(path.name)
        if not match or not _is_stale(path, match.group(1)):
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass  # another build may have removed it first; a leftover is harmless
    return removed


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _is_stale(path: Path, pid: str | None) -> bool:
    if pid is None:
        try:
            return time.time() - path.stat().st_mtime > _LEGACY_TEMP_AGE
        except OSError:
            return False
    return not _process_alive(int(pid))


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OverflowError:
        return False
    return True


def replace_with(temp: Path, db_path: Path) -> None:
    """Rename the finished ``temp`` over the target, keeping the target's permission bits."""
    target = target_of(db_path)
    check_replaceable(target)  # again: something may have appeared there while we built
    if target.exists():
        mode = stat.S_IMODE(target.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # what a new file would get, not mkstemp's private 0600
    os.chmod(temp, mode)
    with open(temp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temp, target)


def write_error(db_path: Path, exc: BaseException) -> KnowledgeBaseWriteError:
    """One clear message for a failed write (no SQL, no parameters), naming the folder."""
    folder = target_of(db_path).parent
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
    else:
        orig = getattr(exc, "orig", exc)  # SQLAlchemy wraps the driver's error
        reason = orig.args[0] if getattr(orig, "args", None) else type(orig).__name__
    fix = (
        "free some space"
        if "full" in str(reason).lower() or "space" in str(reason).lower()
        else "check that the folder exists and is writable, or pass --db with another path"
    )
    return KnowledgeBaseWriteError(
        f"could not write the knowledge base in {folder}: {reason}; {fix}. "
        f"The existing knowledge base, if any, is unchanged"
    )

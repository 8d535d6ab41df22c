"""The knowledge-base file: a build replaces only an atlas knowledge base, keeps its mode, follows
symlinks, cleans up after killed builds; readers refuse anything else; write failures are one message."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from tests_paths import PROJECT

from cli.main import main
from explorer.db import open_session
from ingest import build, kbfile
from ingest.errors import AtlasError, KnowledgeBaseWriteError, NotAKnowledgeBase

# cli.main's build progress ("[  0.6s] reading ..."), printed once a build has taken more than half a second:
# on a loaded machine even a build of five papers can, so the one-message checks leave those lines out.
PROGRESS_LINE = re.compile(r"\[\s*\d+\.\ds\] ")


def message_lines(err: str) -> list[str]:
    """The lines of stderr that are not build progress."""
    return [line for line in err.strip().splitlines() if not PROGRESS_LINE.match(line)]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def other_sqlite_database(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('precious')")
    return path


NOT_OURS = {
    "a .tex file": lambda p: (p.write_text("\\documentclass{article}\n", encoding="utf-8"), p)[1],
    "an empty file": lambda p: (p.write_bytes(b""), p)[1],
    "another program's SQLite database": other_sqlite_database,
}


@pytest.mark.parametrize("kind", sorted(NOT_OURS))
def test_build_refuses_to_replace_a_file_that_is_not_ours(data_dir: Path, tmp_path: Path, capsys, kind: str):
    target = NOT_OURS[kind](tmp_path / "paper.tex")
    before = sha(target)
    assert main(["build", "--data", str(data_dir), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert str(target) in err and "not an atlas knowledge base" in err and "refusing to replace it" in err
    assert "Traceback" not in err and len(message_lines(err)) == 1
    assert sha(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "paper.tex"]


def test_build_refuses_a_folder_as_db(data_dir: Path, tmp_path: Path, capsys):
    folder = tmp_path / "kb"
    folder.mkdir()
    assert main(["build", "--data", str(data_dir), "--db", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "is a folder" in err and str(folder / "atlas.db") in err
    assert list(folder.iterdir()) == []


def test_atlas_db_environment_variable_is_protected_too(data_dir: Path, tmp_path: Path, monkeypatch, capsys):
    target = other_sqlite_database(tmp_path / "app.sqlite")
    before = sha(target)
    monkeypatch.setenv("ATLAS_DB", str(target))
    assert main(["build", "--data", str(data_dir)]) == 1
    assert "not an atlas knowledge base" in capsys.readouterr().err
    assert sha(target) == before


def test_rebuild_replaces_our_own_file_and_keeps_its_mode(data_dir: Path, tmp_path: Path):
    db = tmp_path / "kb.db"
    build(data_dir, db)
    os.chmod(db, 0o640)
    build(data_dir, db, force=True)
    assert (db.stat().st_mode & 0o777) == 0o640
    assert kbfile.read_build_info(db) is not None


def test_new_file_gets_the_usual_mode_not_a_private_temp_mode(data_dir: Path, tmp_path: Path):
    old = os.umask(0o022)
    try:
        build(data_dir, tmp_path / "kb.db")
    finally:
        os.umask(old)
    assert ((tmp_path / "kb.db").stat().st_mode & 0o777) == 0o644


def test_symlinked_db_path_keeps_the_link_and_replaces_its_target(data_dir: Path, tmp_path: Path):
    real = tmp_path / "store" / "kb.db"
    real.parent.mkdir()
    build(data_dir, real)
    link = tmp_path / "atlas.db"
    link.symlink_to(real)
    build(data_dir, link, force=True)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert not list(tmp_path.glob(".*.building")) and not list(real.parent.glob(".*.building"))


def test_symlink_to_a_file_that_is_not_ours_is_refused(data_dir: Path, tmp_path: Path):
    target = other_sqlite_database(tmp_path / "app.sqlite")
    before = sha(target)
    link = tmp_path / "atlas.db"
    link.symlink_to(target)
    with pytest.raises(NotAKnowledgeBase):
        build(data_dir, link)
    assert link.is_symlink() and sha(target) == before


def test_temp_files_of_killed_builds_are_removed_but_not_a_running_build(data_dir: Path, tmp_path: Path):
    db = tmp_path / "kb.db"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = tmp_path / f".kb.db.{int(dead.stdout)}.abc123.building"
    running = tmp_path / f".kb.db.{os.getppid()}.def456.building"  # a live process: a concurrent build
    legacy = tmp_path / ".kb.db.xyz789.building"  # written by an older version, without a pid
    for path in (killed, running, legacy):
        path.write_bytes(b"half a database")
    os.utime(legacy, (0, 0))
    build(data_dir, db)
    assert not killed.exists() and not legacy.exists()
    assert running.exists()


def test_temp_files_are_git_ignored():
    ignored = subprocess.run(["git", "check-ignore", "-q", ".atlas.db.123.abcd.building"], cwd=PROJECT)
    assert ignored.returncode == 0


def test_full_disk_is_one_message_and_keeps_the_old_database(data_dir: Path, tmp_path: Path, monkeypatch, capsys):
    """SQLite's own 'database or disk is full', caused for real by capping the file's page count."""
    from ingest import load

    db = tmp_path / "kb.db"
    build(data_dir, db)
    before = sha(db)
    real_engine = load._build_engine

    def tiny_engine(path):
        engine = real_engine(path)

        @load.event.listens_for(engine, "connect")
        def _cap(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA max_page_count = 8")

        return engine

    monkeypatch.setattr(load, "_build_engine", tiny_engine)
    assert main(["build", "--data", str(data_dir), "--db", str(db), "--force"]) == 1
    err = capsys.readouterr().err
    assert "could not write the knowledge base" in err and "full" in err and "free some space" in err
    assert "INSERT" not in err and "parameters" not in err and "Traceback" not in err
    assert sha(db) == before and not list(tmp_path.glob(".*.building"))


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_os_errors_while_writing_are_one_message(data_dir: Path, tmp_path: Path, monkeypatch, capsys, error: int):
    """The OSErrors of a full disk and a read-only folder (simulated: tests run as root, so chmod cannot)."""
    db = tmp_path / "kb.db"
    build(data_dir, db)
    before = sha(db)

    def failing_replace(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(kbfile.os, "replace", failing_replace)
    assert main(["build", "--data", str(data_dir), "--db", str(db), "--force"]) == 1
    err = capsys.readouterr().err
    assert os.strerror(error) in err and "Traceback" not in err and len(message_lines(err)) == 1
    assert sha(db) == before and not list(tmp_path.glob(".*.building"))


def test_missing_parent_folder_is_created(data_dir: Path, tmp_path: Path):
    db = tmp_path / "new" / "deeper" / "kb.db"
    build(data_dir, db)
    assert kbfile.read_build_info(db) is not None


def test_write_error_is_an_atlas_error():
    assert issubclass(KnowledgeBaseWriteError, AtlasError) and issubclass(NotAKnowledgeBase, AtlasError)


@pytest.mark.parametrize("kind", sorted(NOT_OURS) + ["a folder"])
@pytest.mark.parametrize(
    "command", [["stats"], ["export", "--format", "json"], ["related", "attention"], ["methods", "list"]]
)
def test_readers_refuse_a_file_that_is_not_a_knowledge_base(tmp_path: Path, monkeypatch, capsys, kind, command):
    if kind == "a folder":
        target = tmp_path / "kb"
        target.mkdir()
    else:
        target = NOT_OURS[kind](tmp_path / "kb.db")
    monkeypatch.setenv("ATLAS_DB", str(target))
    assert main(command) == 1
    err = capsys.readouterr().err
    assert err.startswith("atlas: error: ") and str(target) in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_open_session_names_the_file(tmp_path: Path):
    target = tmp_path / "kb.db"
    target.write_bytes(b"\x00" * 4096)
    with pytest.raises(NotAKnowledgeBase, match="not an atlas knowledge base"):
        open_session(target)

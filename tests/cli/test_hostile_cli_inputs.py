"""What a stranger can feed the `atlas` command: one clear message, exit 1, nothing written."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from contribute_support import problems, write

from cli.main import main

BINARY = bytes(range(128, 256)) * 8  # no newline in it: the first bad byte is on line 1


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.mark.parametrize("data, needle", [(BINARY, "not UTF-8 text"), (b"@misc{a,\x00 title={x}}", "NUL bytes")])
def test_add_from_standard_input_refuses_binary(data_dir: Path, monkeypatch, capsys, data: bytes, needle: str):
    before = sorted(p.name for p in (data_dir / "papers").iterdir())
    _stdin(monkeypatch, data)
    assert main(["add", "-", "--data", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("standard input:1: ") and needle in err and "Traceback" not in err
    assert sorted(p.name for p in (data_dir / "papers").iterdir()) == before


def test_add_from_a_binary_file_names_the_file(data_dir: Path, tmp_path: Path, capsys):
    source = tmp_path / "export.bib"
    source.write_bytes(b"@misc{ok2020a, title={Fine}}\n" + BINARY)
    assert main(["add", str(source), "--data", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{source}:2: not UTF-8 text")


def test_a_key_that_is_a_path_is_never_suggested_as_a_file_name(data_dir: Path):
    write(data_dir, "zz.bib", "@misc{../../etc/x,\n  title = {T},\n  author = {A, B},\n  year = {2020},\n}\n")
    [problem] = [p for p in problems(data_dir) if "has no annotation" in p.message]
    assert "../../etc/x.yaml" not in problem.message and "cannot name an annotation file" in problem.message

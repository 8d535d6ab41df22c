"""Lists the docs repeat are generated (cog), never copied by hand: each must match its source."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

from cogapp import Cog
from tests_paths import PROJECT

GENERATED = ["README.md", "CONTRIBUTING.md", ".github/ISSUE_TEMPLATE/suggest-paper.yml"]


def test_generated_lists_are_fresh():
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        status = Cog().main(["cog", "--check", "-I", str(PROJECT), *(str(PROJECT / name) for name in GENERATED)])
    assert status == 0, f"a generated list is stale: run `make docs`\n{out.getvalue()}"


def test_the_readme_table_names_every_command():
    from cli.main import make_parser
    from cli.reference import _commands

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for path, _, _ in _commands(make_parser()):
        assert f"`{path} " in readme or f"`{path}`" in readme, path

"""The base install (no `methods` extra) builds, queries and serves the atlas: nothing on those paths
imports torch or matplotlib. Checked in a fresh interpreter where importing either fails, as it would
in an environment made by `pip install .` without extras."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests_paths import FIXTURE_DATA, PROJECT

BLOCK = """
import importlib.abc, sys
class Hidden(importlib.abc.MetaPathFinder):
    # Every finder answers "not installed" for the extra's packages, as in a base install.
    def __init__(self, inner):
        self.inner = inner
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "matplotlib", "transformers", "captum"):
            return None
        return self.inner.find_spec(name, path, target)
    def invalidate_caches(self):
        getattr(self.inner, "invalidate_caches", lambda: None)()
    def find_distributions(self, *args, **kwargs):
        return getattr(self.inner, "find_distributions", lambda *a, **k: [])(*args, **kwargs)
sys.meta_path[:] = [Hidden(finder) for finder in sys.meta_path]
"""


def run_without_extra(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + code],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "ATLAS_DB": str(tmp_path / "kb.db"), "HOME": str(tmp_path)},
    )


def test_cli_works_without_torch(tmp_path: Path):
    result = run_without_extra(
        f"""
from cli.main import main
for argv in (["build", "--data", {str(FIXTURE_DATA)!r}], ["stats"], ["export", "--format", "json"],
             ["related", "attention"], ["methods", "list"], ["validate", "--data", {str(FIXTURE_DATA)!r}]):
    assert main(argv) == 0, argv
assert main(["methods", "run", "attention-rollout", "--out", {str(tmp_path)!r}]) == 1
assert "torch" not in sys.modules and "matplotlib" not in sys.modules
""",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "needs torch and matplotlib" in result.stderr


def test_every_page_imports_without_torch(tmp_path: Path):
    pages = sorted(p.stem for p in (PROJECT / "app_pages").glob("*.py") if p.stem != "__init__")
    result = run_without_extra(
        f"""
import importlib
for page in {pages!r}:
    importlib.import_module("app_pages." + page)
from methods.demo_runs import demos_unavailable_reason
assert "torch" in demos_unavailable_reason()
assert "torch" not in sys.modules
""",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]

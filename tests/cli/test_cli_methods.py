"""atlas methods list / run: the catalogue on the command line, joined with the knowledge base when
there is one, and one real demo run end to end (the fastest: attention rollout on the toy ViT)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tests_paths import PROJECT

from cli.main import main
from methods.catalog import load_catalog

FASTEST = "attention-rollout"  # trains the small ViT (a few seconds), then one rollout


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_db(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_DB", str(tmp_path / "absent.db"))


def test_list_json_has_every_method_with_the_required_fields(fixture_db, capsys):
    code, out, err = run(capsys, "methods", "list", "--format", "json", "--db", str(fixture_db))
    assert code == 0 and err == ""
    items = json.loads(out)
    assert [m["id"] for m in items] == [e.id for e in load_catalog()] and len(items) >= 14
    for item in items:
        assert {"id", "name", "leaves", "paper", "libraries", "implementation", "paper_in_atlas", "used_by"} <= set(
            item
        )
        assert item["leaves"] and all(lib["url"].startswith("https://") for lib in item["libraries"])
    by_id = {m["id"]: m for m in items}
    # the fixture papers' annotations list logit-lens (twice) and visual-contrastive-decoding
    assert by_id["logit-lens"]["used_by"] == ["neo2024interpreting", "nostalgebraist2020interpreting"]
    assert by_id["visual-contrastive-decoding"]["used_by"] == ["leng2024mitigating"]
    assert by_id["grad-cam"]["used_by"] == []
    # of the canonical papers, only the logit lens is among the five fixture papers
    assert {m["id"] for m in items if m["paper_in_atlas"]} == {"logit-lens"}


def test_list_json_against_the_bundled_data(bundled_db, capsys):
    code, out, _ = run(capsys, "methods", "list", "--format", "json", "--db", str(bundled_db))
    items = json.loads(out)
    for item in items:
        assert item["paper_in_atlas"] == (PROJECT / "data" / "papers" / f"{item['paper']}.bib").exists(), item["id"]
        assert item["used_by"], f"no paper of the atlas lists {item['id']} under methods:"
    assert code == 0


def test_list_table(fixture_db, capsys):
    code, out, _ = run(capsys, "methods", "list", "--db", str(fixture_db))
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["id", "name", "canonical"]
    logit = next(line for line in lines if line.startswith("logit-lens "))
    assert "nostalgebraist2020interpreting " in logit and " 2  model/layer/decision-making-workflow" in logit
    assert "(not in atlas)" not in logit  # the fixture holds the logit lens's canonical paper
    grad_cam = next(line for line in lines if line.startswith("grad-cam "))
    assert "(not in atlas)" in grad_cam and " 0  " in grad_cam
    assert lines[-1] == f"{len(load_catalog())} methods; run one with: atlas methods run ID [--out DIR]"


def test_list_without_a_knowledge_base_lists_the_catalogue_alone(no_db, capsys):
    code, out, _ = run(capsys, "methods", "list", "--format", "json")
    items = json.loads(out)
    assert code == 0 and len(items) == len(load_catalog())
    assert all(m["paper_in_atlas"] is None and m["used_by"] is None for m in items)


def test_an_explicit_missing_db_is_an_error(tmp_path, capsys):
    code, out, err = run(capsys, "methods", "list", "--db", str(tmp_path / "nope.db"))
    assert code == 1 and out == "" and "no knowledge base at" in err and "atlas build" in err


def test_listing_does_not_import_torch(tmp_path):
    script = (
        "import sys; from cli.main import main; code = main(['methods', 'list', '--format', 'json']); "
        "assert 'torch' not in sys.modules, 'torch imported'; sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"ATLAS_DB": str(tmp_path / "absent.db"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == len(load_catalog())


def test_run_unknown_id_lists_the_known_ones_and_writes_nothing(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "methods", "run", "tuned-lens", "--out", str(out_dir))
    assert code == 1 and out == ""
    assert err.startswith("atlas: error: unknown method 'tuned-lens'; known methods: integrated-gradients, ")
    assert all(e.id in err for e in load_catalog())
    assert not out_dir.exists()


def test_run_writes_the_figure_and_the_numbers(tmp_path, capsys):
    out_dir = tmp_path / "runs"
    code, out, err = run(capsys, "methods", "run", FASTEST, "--out", str(out_dir))
    assert code == 0, err
    png, numbers = out_dir / f"{FASTEST}.png", out_dir / f"{FASTEST}.json"
    assert f"figure:  {png}" in out and f"numbers: {numbers}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(numbers.read_text(encoding="utf-8"))
    assert data["id"] == FASTEST and data["figure"] == png.name and data["results"]


def test_run_defaults_to_method_runs_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from cli.main import make_parser

    args = make_parser().parse_args(["methods", "run", FASTEST])
    assert args.out.resolve() == tmp_path / "method-runs"


def test_help_describes_both_actions(capsys):
    with pytest.raises(SystemExit):
        main(["methods", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "list" in out and "run" in out and "toy model" in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "methods" in capsys.readouterr().out


def test_methods_need_the_extra_and_say_how_to_install_it(monkeypatch, capsys):
    """Without torch (the base install) `methods run` is one message naming the extra; `methods list` works."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    import methods

    monkeypatch.setattr(methods, "find_spec", importlib.util.find_spec)
    assert main(["methods", "run", "attention-rollout", "--out", "unused"]) == 1
    err = capsys.readouterr().err
    assert "needs torch" in err and "pip install -e '.[methods]'" in err and "Traceback" not in err
    from methods.demo_runs import demos_unavailable_reason

    assert "needs torch" in demos_unavailable_reason()

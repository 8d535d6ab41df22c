"""atlas methods run ID --model PATH on tiny random checkpoints saved to a temporary folder."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("transformers")

from hf_support import tiny_model  # noqa: E402

from cli.main import main  # noqa: E402
from methods.hf_runner import NEEDS_DATA, applicable_methods  # noqa: E402

pytestmark = pytest.mark.hf
KINDS = {"llava": "llava", "qwen2-vl": "qwen2-vl", "vit": "vit", "qwen2": "causal-lm", "clip": "clip"}


@pytest.fixture(scope="module", params=list(KINDS))
def checkpoint(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt") / request.param
    tiny_model(request.param, dtype=__import__("torch").float32).save_pretrained(folder)
    return request.param, folder


def test_every_applicable_method_runs_on_a_saved_checkpoint(checkpoint, tmp_path, capsys):
    name, folder = checkpoint
    methods = applicable_methods(KINDS[name])
    assert len(methods) >= 7
    for method_id in methods:
        code = main(["methods", "run", method_id, "--model", str(folder), "--out", str(tmp_path)])
        out, err = capsys.readouterr()
        assert code == 0, (method_id, err)
        data = json.loads((tmp_path / f"{method_id}.json").read_text(encoding="utf-8"))
        assert data["kind"] == KINDS[name] and data["results"] and (tmp_path / f"{method_id}.png").stat().st_size > 0
        if method_id == "logit-lens":
            assert data["results"]["max_abs_diff_last_layer_vs_model_logits"] < 1e-4
        if method_id == "direct-logit-attribution":
            assert abs(data["results"]["sum_plus_bias_minus_logit"]) < 1e-4


def test_methods_that_do_not_apply_get_a_clear_error(checkpoint, tmp_path, capsys):
    name, folder = checkpoint
    others = [
        i
        for i in ("grad-cam", "mm-shap", "visual-contrastive-decoding", *sorted(NEEDS_DATA))
        if i not in applicable_methods(KINDS[name])
    ]
    for method_id in others:
        code = main(["methods", "run", method_id, "--model", str(folder), "--out", str(tmp_path)])
        _, err = capsys.readouterr()
        assert code == 1 and err.startswith("atlas: error: ") and "Traceback" not in err, (method_id, err)


def test_a_folder_without_a_checkpoint_is_an_error(tmp_path, capsys):
    code = main(["methods", "run", "logit-lens", "--model", str(tmp_path), "--out", str(tmp_path / "o")])
    _, err = capsys.readouterr()
    assert code == 1 and "is not a Hugging Face checkpoint folder" in err

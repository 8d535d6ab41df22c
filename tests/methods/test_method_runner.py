"""run_method: every catalogued method runs on its toy model and writes a PNG and a JSON."""

import json

import pytest

from methods.catalog import UnknownMethodError, load_catalog
from methods.runner import known_methods, run_method

IDS = [e.id for e in load_catalog()]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("methods-out")
    return out, {method_id: run_method(method_id, out) for method_id in IDS}


def test_every_catalogued_method_is_runnable():
    assert known_methods() == IDS


@pytest.mark.parametrize("method_id", IDS)
def test_run_writes_a_png_and_the_json_it_returns(runs, method_id):
    out, results = runs
    png, js = out / f"{method_id}.png", out / f"{method_id}.json"
    assert png.stat().st_size > 1000
    assert png.read_bytes()[:8] == PNG_MAGIC
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data == results[method_id]
    assert data["id"] == method_id and data["figure"] == png.name
    assert data["results"] and data["paper"]


def test_the_numbers_carry_the_exact_checks(runs):
    _, r = runs
    assert all(abs(x["completeness_gap"]) < 1e-6 for x in r["integrated-gradients"]["results"]["examples"])
    assert r["attention-rollout"]["results"]["max_row_sum_error"] < 1e-5
    assert r["logit-lens"]["results"]["max_abs_diff_last_layer_vs_model_logits"] == 0.0
    assert r["activation-patching"]["results"]["full_residual_patch_max_abs_diff"] == 0.0
    assert abs(r["direct-logit-attribution"]["results"]["sum_plus_bias_minus_logit"]) < 1e-4
    assert r["visual-contrastive-decoding"]["results"]["alpha0_max_abs_diff_from_plain_logits"] == 0.0
    tcav = r["tcav"]["results"]
    assert tcav["random_sets"] >= 5
    for sig_row, p_row, raw_row in zip(tcav["significant"], tcav["corrected_p_values"], tcav["p_values"], strict=True):
        for sig, p, raw in zip(sig_row, p_row, raw_row, strict=True):
            assert sig == (p < 0.05) and p == pytest.approx(min(1.0, 16 * raw), abs=1e-5)
    for x in r["mm-shap"]["results"]["examples"]:
        assert x["t_shap"] + x["v_shap"] == pytest.approx(1.0) and abs(x["efficiency_gap"]) < 1e-4


def test_unknown_ids_raise_a_key_error_listing_the_known_ones(tmp_path):
    with pytest.raises(KeyError) as info:
        run_method("no-such-method", tmp_path)
    assert isinstance(info.value, UnknownMethodError)
    assert info.value.known == IDS
    assert "no-such-method" in str(info.value) and "logit-lens" in str(info.value)
    assert not list(tmp_path.iterdir())  # nothing written

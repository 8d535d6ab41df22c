"""The methods on tiny random-config Hugging Face models (ViT, CLIP, LLaVA, Qwen2, Llama,
Qwen2-VL), asserting exact identities. Built from configs in tests/methods/hf_support.py; no download."""

from __future__ import annotations

import warnings

import pytest
import torch

pytest.importorskip("transformers")
captum_attr = pytest.importorskip("captum.attr")

from hf_support import ARCHITECTURES, tiny_model  # noqa: E402

from methods import hf_methods as H  # noqa: E402
from methods.attribution import completeness_gap  # noqa: E402
from methods.hf import HFAdapterError, adapt, example_image, example_inputs, qwen_patchify  # noqa: E402
from methods.hooks import InputOf, _first  # noqa: E402
from methods.patching import run_with_patch  # noqa: E402

pytestmark = pytest.mark.hf
LANGUAGE = ("qwen2", "llama", "llava", "qwen2-vl")
IMAGE = ("vit", "clip", "llava", "qwen2-vl")
TOL = {torch.float64: 1e-8, torch.float32: 2e-4}


@pytest.fixture(scope="module", params=ARCHITECTURES)
def arch(request):
    hfm = adapt(tiny_model(request.param))
    return request.param, hfm, example_inputs(hfm)


def tol(hfm) -> float:
    return TOL[next(hfm.model.parameters()).dtype]


def test_the_adapter_finds_blocks_norm_and_read_out(arch):
    name, hfm, inputs = arch
    assert len(hfm.layers) == 2 and len(hfm.residual_sites()) == 3
    norm = type(hfm.final_norm).__name__
    assert norm.endswith("RMSNorm") if name in LANGUAGE else norm == "LayerNorm"
    assert isinstance(hfm.residual_sites()[0], InputOf)


def test_logit_lens_at_the_last_layer_equals_the_logits(arch):
    name, hfm, inputs = arch
    with torch.no_grad():
        logits = hfm.logits(inputs)
    lens = H.logit_lens(hfm, inputs)
    assert torch.allclose(lens[-1], logits, atol=tol(hfm), rtol=0)
    assert lens.shape[0] == len(hfm.layers) + 1
    assert not torch.allclose(lens[-2], logits, atol=1e-3)  # earlier layers read something else


def test_dla_sums_to_the_logit_with_rmsnorm_and_layernorm(arch):
    name, hfm, inputs = arch
    with torch.no_grad():
        logits = hfm.logits(inputs)
    for target in (1, 4) if name != "clip" else (0, 1):
        res = H.direct_logit_attribution(hfm, inputs, target)
        model_logit = float(hfm.pick(logits, target)[0])
        if name == "clip":  # the unnormalised similarity: cosine * |image embedding| * scale
            with torch.no_grad():  # plain numbers to compare with, no graph
                image = hfm.model.get_image_features(pixel_values=inputs["pixel_values"])
                model_logit *= float(image.norm()) / float(hfm.model.logit_scale.exp())
        assert float(res.total() + res.bias) == pytest.approx(model_logit, abs=10 * tol(hfm))
        assert float(res.logit) == pytest.approx(model_logit, abs=10 * tol(hfm))
        assert len(res.contributions) == 1 + 2 * len(hfm.layers)


def test_dla_refuses_a_norm_it_cannot_fold():
    from methods.dla import direct_logit_attribution

    with pytest.raises(TypeError, match="LayerNorm and RMSNorm"):
        direct_logit_attribution({"a": torch.ones(4)}, torch.nn.BatchNorm1d(4), torch.ones(3, 4), 0)


@pytest.mark.parametrize("name", ["llava", "qwen2-vl"])
def test_patching_the_merged_image_features_changes_the_output(name):
    hfm = adapt(tiny_model(name))
    clean = example_inputs(hfm, seed=0)
    other = hfm.with_images(clean, example_image(hfm, seed=1)[None])
    image_pos = hfm.image_positions(clean)
    _, states = H.residual_stream(hfm, clean)
    with torch.no_grad():
        base = hfm.logits(other)
        placeholder = run_with_patch(
            lambda: hfm.logits(other),
            hfm.model.get_input_embeddings(),
            hfm.model.get_input_embeddings()(clean["input_ids"]),
            image_pos,
        )
    merged = run_with_patch(lambda: hfm.logits(other), hfm.residual_sites()[0], states[0], image_pos)
    # the placeholder embeddings are the same in both runs: patching them does exactly nothing ...
    assert torch.equal(placeholder, base)
    # ... while the merged features carry the image: patching them restores the clean logits
    assert not torch.allclose(merged[0, -1], base[0, -1], atol=1e-6)
    with torch.no_grad():
        assert torch.allclose(merged, hfm.logits(clean), atol=1e-8)


@pytest.mark.parametrize("name", ["qwen2", "llava", "qwen2-vl"])
def test_steering_during_generate_touches_only_the_chosen_positions(name):
    hfm = adapt(tiny_model(name))
    inputs = example_inputs(hfm)
    site = hfm.residual_sites()[1]
    vector = torch.randn(
        hfm.config.get_text_config().hidden_size, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    n = inputs["input_ids"].shape[1]
    for positions, steered_steps in (([0, 1], {0: [0, 1]}), ([-1], {0: [n - 1], 1: [0], 2: [0]})):
        before, after = [], []
        layer = site
        handle = layer.register_forward_hook(lambda m, a, out, before=before: before.append(_first(out).clone()))
        with H.steer(hfm, 1, vector, 2.0, positions):
            handle2 = layer.register_forward_hook(lambda m, a, out, after=after: after.append(_first(out).clone()))
            hfm.model.generate(**inputs, max_new_tokens=3, do_sample=False, pad_token_id=0)
        handle.remove()
        handle2.remove()
        assert [b.shape[1] for b in before] == [n, 1, 1]  # prefill, then one token per step
        for step, (b, a) in enumerate(zip(before, after, strict=True)):
            delta = a - b
            chosen = steered_steps.get(step, [])
            assert torch.allclose(delta[0, chosen], (2.0 * vector).expand(len(chosen), -1), atol=1e-12)
            others = [i for i in range(delta.shape[1]) if i not in chosen]
            assert torch.equal(delta[0, others], torch.zeros_like(delta[0, others]))


def test_positions_outside_a_call_without_cache_position_are_an_error():
    from methods.steering import steer

    hfm = adapt(tiny_model("qwen2"))
    with pytest.raises(IndexError, match="outside a sequence of 6 tokens"):
        with steer(hfm.layers[0].mlp, torch.zeros(32, dtype=torch.float64), positions=[9]), torch.no_grad():
            hfm.logits(example_inputs(hfm))


@pytest.mark.parametrize("name", ["vit", "llava", "qwen2-vl", "clip"])
def test_integrated_gradients_equal_captums_on_the_same_model_and_input(name):
    hfm = adapt(tiny_model(name))
    inputs = example_inputs(hfm)
    image = example_image(hfm, seed=2).to(next(hfm.model.parameters()).dtype)
    baseline = image.mean(dim=(1, 2), keepdim=True).expand_as(image).contiguous()
    ours = H.integrated_gradients(hfm, inputs, image, target=1 if name != "clip" else 0, baseline=baseline, steps=16)
    f = H._score_fn(hfm, inputs, 1 if name != "clip" else 0)
    theirs = captum_attr.IntegratedGradients(f).attribute(
        image[None], baselines=baseline[None], n_steps=16, method="gausslegendre"
    )[0]
    assert torch.allclose(ours, theirs, atol=tol(hfm) * 10, rtol=1e-5)
    if name != "clip":  # float64: completeness holds to the quadrature error
        assert abs(completeness_gap(f, image, ours, baseline)) < 1e-4


@pytest.mark.parametrize("name", ["vit", "qwen2", "llava", "qwen2-vl", "clip"])
def test_attention_methods_switch_to_eager_and_back(name):
    hfm = adapt(tiny_model(name))
    inputs = example_inputs(hfm)
    assert hfm.model.config._attn_implementation == "sdpa"
    roll = H.attention_rollout(hfm, inputs)
    assert torch.allclose(roll.sum(-1), torch.ones(roll.shape[0], dtype=roll.dtype), atol=1e-6)
    rel = H.relevancy(hfm, inputs, 1 if name != "clip" else 0)
    assert rel.shape == roll.shape
    if hfm.is_language_model:  # causal: nothing flows from later tokens
        assert torch.equal(rel.triu(1), torch.zeros_like(rel))
    assert hfm.model.config._attn_implementation == "sdpa"


def test_relevancy_and_grad_cam_work_on_a_frozen_model_fed_token_ids():
    hfm = adapt(tiny_model("llava").requires_grad_(False))
    inputs = example_inputs(hfm)
    rel = H.relevancy(hfm, inputs, 3)
    assert rel.shape[-1] == inputs["input_ids"].shape[1] and rel.abs().sum() > 0
    cam = H.grad_cam(hfm, inputs, example_image(hfm), 3)
    assert cam.shape == hfm.patch_grid() and cam.sum() > 0


def test_grad_cam_on_qwen2_vl_regrids_the_merge_ordered_patches():
    hfm = adapt(tiny_model("qwen2-vl"))
    image = example_image(hfm)
    vc = hfm.vision_config()
    rows = qwen_patchify(image, vc.patch_size, vc.temporal_patch_size, vc.spatial_merge_size)
    grid = hfm.vision_grid(rows)  # [1, C*T*P*P, h, w]
    p = vc.patch_size
    for r, c in [(0, 0), (0, 3), (2, 1), (3, 3)]:
        first = grid[0, :, r, c].view(3, vc.temporal_patch_size, p, p)[:, 0]
        assert torch.equal(first, image[:, r * p : (r + 1) * p, c * p : (c + 1) * p])
    cam = H.grad_cam(hfm, example_inputs(hfm), image, 3)
    assert cam.shape == (4, 4) and cam.sum() > 0


def test_grad_cam_warns_on_a_vits_last_block():
    hfm = adapt(tiny_model("vit"))
    inputs = example_inputs(hfm)
    with pytest.warns(UserWarning, match="gradient is zero at every position"):
        cam = H.grad_cam(hfm, inputs, example_image(hfm), 1, layer=hfm.layers[-1])
    assert cam.sum() == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert H.grad_cam(hfm, inputs, example_image(hfm), 1).sum() > 0  # default: the block before


@pytest.mark.parametrize("name", ["llava", "qwen2-vl", "clip"])
def test_mm_shap_with_patch_groups_is_efficient(name):
    hfm = adapt(tiny_model(name))
    inputs = example_inputs(hfm)
    res = H.mm_shap(hfm, inputs, example_image(hfm), 1 if name != "clip" else 0, group=(2, 2))
    assert len(res.phi_image) == 4  # a 4 x 4 patch grid in 2 x 2 blocks
    assert float(res.phi_text.sum() + res.phi_image.sum()) == pytest.approx(res.full_value - res.empty_value, abs=1e-5)
    assert res.t_shap + res.v_shap == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["qwen2", "llava"])
def test_batched_patching_equals_one_forward_per_position(name):
    hfm = adapt(tiny_model(name))
    clean = example_inputs(hfm, seed=0)
    corrupted = example_inputs(hfm, seed=5) if name == "qwen2" else hfm.with_images(clean, example_image(hfm, 1)[None])
    one = H.activation_patching(hfm, clean, 3, 4, corrupted=corrupted, batch_size=1)
    many = H.activation_patching(hfm, clean, 3, 4, corrupted=corrupted, batch_size=5)
    assert torch.allclose(one.effects, many.effects, atol=1e-10)
    # the last position after the last block decides the output alone
    assert float(one.normalized()[-1, -1]) == pytest.approx(1.0, abs=1e-8)


def test_noise_corruption_is_restored_by_patching_the_noised_site():
    hfm = adapt(tiny_model("llava"))
    clean = example_inputs(hfm)
    res = H.activation_patching(hfm, clean, 3, 4, layers=[0], positions=hfm.image_positions(clean), noise_draws=3)
    assert res.corrupted != res.clean
    # one image token at a time restores part; the noise itself is the same in every patched run
    again = H.activation_patching(hfm, clean, 3, 4, layers=[0], positions=hfm.image_positions(clean), noise_draws=3)
    assert torch.equal(res.effects, again.effects)


def test_attention_flow_has_a_clear_size_limit():
    hfm = adapt(tiny_model("vit"))
    inputs = example_inputs(hfm)
    flow = H.attention_flow(hfm, inputs, output_tokens=[0])
    assert flow.values.shape == (1, 17)
    with pytest.raises(ValueError, match=r"51 nodes .*max_nodes=40.*attention_rollout"):
        H.attention_flow(hfm, inputs, max_nodes=40)


def test_unsupported_models_and_inputs_get_clear_errors():
    with pytest.raises(HFAdapterError, match="no adapter for Linear"):
        adapt(torch.nn.Linear(2, 2))
    hfm = adapt(tiny_model("qwen2"))
    with pytest.raises(HFAdapterError, match="has none"):
        H.integrated_gradients(hfm, example_inputs(hfm), torch.zeros(3, 4, 4), 1)


@pytest.mark.parametrize("name", ["llava", "qwen2-vl"])
def test_dla_at_an_image_position_starts_from_the_merged_image_features(name):
    hfm = adapt(tiny_model(name))
    inputs = example_inputs(hfm)
    position = hfm.image_positions(inputs)[1]
    with torch.no_grad():
        logit = float(hfm.logits(inputs)[0, position, 7])
    res = H.direct_logit_attribution(hfm, inputs, 7, position=position)
    assert float(res.total() + res.bias) == pytest.approx(logit, abs=1e-6)

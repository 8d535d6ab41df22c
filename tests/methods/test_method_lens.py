"""Logit lens and direct logit attribution on the toy LLaVA."""

import copy

import pytest
import torch
from torch import nn

from methods import toy_data as td
from methods import toy_models as tm
from methods.dla import direct_logit_attribution, split_heads
from methods.hooks import record
from methods.lens import lens_ranks, logit_lens, residual_stream


@pytest.fixture(scope="module")
def llava():
    return tm.trained_llava()


@pytest.fixture(scope="module")
def example():
    b = td.make_shapes(3, seed=17)
    return b, td.question_tokens(torch.tensor([0, 1, 0]))


def test_logit_lens_at_the_last_layer_equals_the_model_logits(llava, example):
    b, q = example
    with torch.no_grad():
        logits, states = residual_stream(lambda: llava(b.images, q), [llava.hook_embed, *llava.blocks])
        lens = logit_lens(states, llava.ln_f, llava.unembed)
    assert lens.shape == (len(llava.blocks) + 1, *logits.shape)
    assert torch.equal(lens[-1], logits)  # the same operations on the same tensor
    assert not torch.equal(lens[0], logits)


def test_logit_lens_sees_the_answer_form_in_the_last_layers(llava, example):
    b, q = example
    with torch.no_grad():
        _, states = residual_stream(lambda: llava(b.images, q), [llava.hook_embed, *llava.blocks])
        lens = logit_lens(states, llava.ln_f, llava.unembed)[:, :, -1]  # last position
    answers = td.answer_tokens(b, torch.tensor([0, 1, 0]))
    ranks = lens_ranks(lens, answers)
    assert ranks.shape == (len(states), 3)
    assert (ranks[-1] == 0).all()  # the trained model answers correctly
    assert (ranks[0] > 0).any()  # while the embeddings alone do not


def test_lens_ranks_counts_better_tokens():
    logits = torch.tensor([[0.1, 0.5, 0.3], [2.0, -1.0, 0.0]])
    assert lens_ranks(logits, 2).tolist() == [1, 1]
    assert lens_ranks(logits, torch.tensor([2, 0])).tolist() == [1, 0]


def collect_components(llava, images, q, heads=False):
    modules = {"embed": llava.hook_embed}
    for i, blk in enumerate(llava.blocks):
        modules[f"attn{i}"], modules[f"mlp{i}"], modules[f"heads{i}"] = blk.attn, blk.mlp, blk.attn.head_outputs
    with torch.no_grad(), record(modules) as st:
        logits = llava(images, q)
    comps = {"embed": st["embed"][:, -1]}
    for i, blk in enumerate(llava.blocks):
        if heads:
            per_head, bias = split_heads(st[f"heads{i}"][:, -1], blk.attn.out)
            for h in range(per_head.shape[-2]):
                comps[f"{i}.head{h}"] = per_head[:, h]
            comps[f"{i}.attn_bias"] = bias.expand_as(per_head[:, 0])
        else:
            comps[f"{i}.attn"] = st[f"attn{i}"][:, -1]
        comps[f"{i}.mlp"] = st[f"mlp{i}"][:, -1]
    return logits, comps, st


@pytest.mark.parametrize("heads", [False, True])
def test_dla_contributions_sum_to_the_logit_minus_the_bias(llava, example, heads):
    model = copy.deepcopy(llava).double()
    b, q = example
    logits, comps, _ = collect_components(model, b.images.double(), q, heads)
    for token in [td.TOKEN_ID["red"], td.TOKEN_ID["ring"], td.TOKEN_ID["<pad>"]]:
        res = direct_logit_attribution(comps, model.ln_f, model.unembed.weight, token, model.unembed.bias)
        assert torch.allclose(res.logit, logits[:, -1, token], rtol=0, atol=1e-10)
        assert torch.allclose(res.total(), logits[:, -1, token] - res.bias, rtol=0, atol=1e-10)


def test_split_heads_sums_to_the_attention_output(llava, example):
    b, q = example
    _, _, st = collect_components(llava, b.images, q)
    for i, blk in enumerate(llava.blocks):
        per_head, bias = split_heads(st[f"heads{i}"], blk.attn.out)
        assert torch.allclose(per_head.sum(-2) + bias, st[f"attn{i}"], atol=1e-5)


def test_dla_without_a_final_norm_is_a_plain_dot_product():
    g = torch.Generator().manual_seed(0)
    comps = {k: torch.randn(4, 8, generator=g, dtype=torch.float64) for k in "abc"}
    w = torch.randn(5, 8, generator=g, dtype=torch.float64)
    bias = torch.randn(5, generator=g, dtype=torch.float64)
    res = direct_logit_attribution(comps, None, w, 2, bias)
    assert torch.allclose(res.contributions["a"], comps["a"] @ w[2])
    assert torch.allclose(res.total() + res.bias, sum(comps.values()) @ w[2] + bias[2], atol=1e-12)
    norm = nn.LayerNorm(8).double()
    with torch.no_grad():
        norm.weight.copy_(torch.randn(8, generator=g))
        norm.bias.copy_(torch.randn(8, generator=g))
        res = direct_logit_attribution(comps, norm, w, 2, bias)
        assert torch.allclose(res.total() + res.bias, norm(sum(comps.values())) @ w[2] + bias[2], rtol=0, atol=1e-12)


@pytest.mark.parametrize("norm_kind", ["rms", "rms-default-eps", "layer"])
def test_dla_folds_rmsnorm_and_layernorm_exactly(norm_kind):
    g = torch.Generator().manual_seed(4)
    d, v = 6, 5
    norm = {"rms": nn.RMSNorm(d, eps=1e-3), "rms-default-eps": nn.RMSNorm(d), "layer": nn.LayerNorm(d)}[norm_kind]
    norm = norm.double()
    with torch.no_grad():
        norm.weight.copy_(torch.rand(d, generator=g, dtype=torch.float64) + 0.5)
        if norm_kind == "layer":
            norm.bias.copy_(torch.randn(d, generator=g, dtype=torch.float64))
    comps = {k: torch.randn(d, generator=g, dtype=torch.float64) + 1.5 for k in "abc"}  # non-zero mean
    w = torch.randn(v, d, generator=g, dtype=torch.float64)
    b = torch.randn(v, generator=g, dtype=torch.float64)
    with torch.no_grad():
        res = direct_logit_attribution(comps, norm, w, 2, b)
        expected = norm(sum(comps.values())) @ w[2] + b[2]
    assert float(res.total() + res.bias) == pytest.approx(float(expected), abs=1e-12)
    resid = sum(comps.values())
    if norm_kind.startswith("rms"):  # RMSNorm: no centring, scale from the mean square
        eps = 1e-3 if norm_kind == "rms" else torch.finfo(torch.float64).eps
        scale = 1 / torch.sqrt(resid.pow(2).mean() + eps)
        assert float(res.contributions["a"]) == pytest.approx(
            float(scale * (comps["a"] * norm.weight.detach()) @ w[2]), abs=1e-12
        )
        assert float(res.bias) == pytest.approx(float(b[2]), abs=1e-15)


def test_hf_style_rmsnorm_with_variance_epsilon_and_gemma_offset():
    from methods.dla import norm_parts

    class LlamaRMSNorm(nn.Module):  # the attribute names Hugging Face uses
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.full((4,), 2.0))
            self.variance_epsilon = 1e-6

    class GemmaRMSNorm(LlamaRMSNorm):
        pass

    assert norm_parts(LlamaRMSNorm()).kind == "rms" and norm_parts(LlamaRMSNorm()).eps == 1e-6
    assert torch.equal(norm_parts(GemmaRMSNorm()).weight, torch.full((4,), 3.0))

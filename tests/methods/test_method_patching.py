"""Activation patching: exact identities, plus what it finds in the trained toy LLaVA."""

import pytest
import torch

from methods import toy_data as td
from methods import toy_models as tm
from methods.demos import objects
from methods.patching import activation_patching, record_activations, run_with_patch


@pytest.fixture(scope="module")
def setup():
    llava = tm.trained_llava()
    clean = objects(colour=0, shape=1, cell=5, seed=3)  # red cross
    corrupt = objects(colour=2, shape=1, cell=5, seed=3)  # blue cross, same place and noise
    q = td.question_tokens(torch.tensor([0]))
    modules = [llava.hook_embed, *llava.blocks]
    return llava, (lambda: llava(clean.images, q)), (lambda: llava(corrupt.images, q)), modules


def logit_diff(out):
    return out[0, -1, td.TOKEN_ID["red"]] - out[0, -1, td.TOKEN_ID["blue"]]


def test_patching_the_clean_run_into_itself_changes_nothing(setup):
    llava, clean, _, modules = setup
    res = activation_patching(clean, clean, modules, logit_diff)
    assert res.clean == res.corrupted
    assert (res.effects == res.clean).all()  # exactly, at every layer and position
    _, acts = record_activations(clean, modules)
    with torch.no_grad():
        reference = clean()
    for module, act in zip(modules, acts, strict=True):
        assert torch.equal(run_with_patch(clean, module, act), reference)
        assert torch.equal(run_with_patch(clean, module, act, positions=[0, 7, -1]), reference)


def test_patching_the_full_residual_stream_restores_the_clean_output(setup):
    llava, clean, corrupt, modules = setup
    clean_out, acts = record_activations(clean, modules)
    with torch.no_grad():
        assert not torch.allclose(corrupt(), clean_out)
    for module, act in zip(modules, acts, strict=True):  # every layer, all positions at once
        assert torch.equal(run_with_patch(corrupt, module, act), clean_out)


def test_the_answer_position_after_the_last_block_determines_the_answer(setup):
    llava, clean, corrupt, modules = setup
    res = activation_patching(clean, corrupt, modules, logit_diff)
    assert res.effects.shape == (len(modules), td.N_PATCHES + 3)
    norm = res.normalized()
    # after the last block, the answer logits read only the last position: patching it restores exactly
    assert float(norm[-1, -1]) == pytest.approx(1.0, abs=1e-6)
    assert torch.allclose(norm[-1, :-1], torch.zeros_like(norm[-1, :-1]), atol=1e-6)
    # the text tokens carry no image information in the embeddings, so patching them does nothing there
    assert torch.allclose(norm[0, td.N_PATCHES :], torch.zeros(3, dtype=torch.float64), atol=1e-6)
    # while the image tokens at the embedding layer move the answer towards the clean one
    assert float(norm[0, : td.N_PATCHES].sum()) > 0.5


def test_normalized_effects_are_zero_when_clean_and_corrupted_agree():
    from methods.patching import PatchingResult

    r = PatchingResult(torch.ones(2, 3), clean=1.0, corrupted=1.0, positions=[0, 1, 2])
    assert torch.equal(r.normalized(), torch.zeros(2, 3))


def test_batched_patching_equals_one_forward_per_position():
    llava = tm.trained_llava()
    clean_b, corrupt_b = objects(colour=0, shape=1, cell=5, seed=3), objects(colour=2, shape=1, cell=5, seed=3)
    q = td.question_tokens(torch.tensor([0]))

    def corrupted(n: int = 1):
        return llava(corrupt_b.images.repeat(n, 1, 1, 1), q.repeat(n, 1))

    modules = [llava.hook_embed, *llava.blocks]
    one = activation_patching(lambda: llava(clean_b.images, q), corrupted, modules, logit_diff)
    for batch in (4, 7):  # chunks of positions that do and do not divide the 19 positions
        many = activation_patching(lambda: llava(clean_b.images, q), corrupted, modules, logit_diff, batch_size=batch)
        assert torch.allclose(many.effects, one.effects, atol=1e-5)


def test_noise_corruption_comes_before_patches_and_is_fixed_per_draw(setup):
    from methods.patching import noise_corruptions

    llava, clean, _, modules = setup
    image_tokens = list(range(td.N_PATCHES))
    draws = noise_corruptions(clean, llava.hook_embed, image_tokens, std=1.0, n_draws=3, seed=1)
    with torch.no_grad():
        reference = clean()
        outs = [run() for run in draws]
        assert torch.equal(draws[0](), outs[0])  # the same noise every time a draw runs
    assert not torch.allclose(outs[0], reference) and not torch.allclose(outs[0], outs[1])
    _, (embed,) = record_activations(clean, [llava.hook_embed])
    for run in draws:  # patching the noised site itself restores the clean run exactly
        assert torch.equal(run_with_patch(run, llava.hook_embed, embed), reference)
        assert torch.equal(run_with_patch(run, llava.hook_embed, embed, positions=image_tokens), reference)
    res = activation_patching(clean, draws, modules, logit_diff)
    assert res.corrupted == pytest.approx(sum(float(logit_diff(o)) for o in outs) / 3)

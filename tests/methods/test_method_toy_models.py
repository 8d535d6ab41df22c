"""The toy dataset's ground truth, the hook helpers, and the trained toy models."""

import pytest
import torch
from torch import nn

from methods import toy_data as td
from methods import toy_models as tm
from methods.attribution import grad_cam
from methods.hooks import edit_output, record


def test_generated_images_carry_their_ground_truth():
    b = td.make_shapes(40, seed=0)
    assert b.images.shape == (40, 3, td.IMAGE_SIZE, td.IMAGE_SIZE)
    rgb = torch.tensor([td.COLOURS[c] for c in td.COLOUR_NAMES])
    for i in range(len(b)):
        r, c = divmod(int(b.cell[i]), td.GRID)
        cell = torch.zeros(td.IMAGE_SIZE, td.IMAGE_SIZE, dtype=torch.bool)
        cell[r * td.PATCH : (r + 1) * td.PATCH, c * td.PATCH : (c + 1) * td.PATCH] = True
        assert (b.mask[i] <= cell).all()  # the object lies inside its cell
        assert torch.equal(b.mask[i][cell].view(td.PATCH, td.PATCH), td.STENCILS[td.SHAPES[int(b.shape[i])]])
        assert torch.equal(b.images[i][:, b.mask[i]], rgb[int(b.colour[i])][:, None].expand(-1, int(b.mask[i].sum())))
    assert torch.equal(td.patch_mask(b).view(40, -1).float().argmax(1), b.cell)
    assert torch.equal(td.make_shapes(5, seed=3).images, td.make_shapes(5, seed=3).images)


def test_captions_and_questions_use_the_vocabulary():
    tokens, texts = td.all_captions()
    assert tokens.shape == (td.N_CLASSES, 4) and len(set(texts)) == td.N_CLASSES
    assert texts[0] == "red square" and [td.VOCAB[int(t)] for t in tokens[0]] == ["<bos>", "red", "square", "<eos>"]
    b = td.make_shapes(6, seed=1)
    q = torch.tensor([0, 1, 0, 1, 0, 1])
    answers = [td.VOCAB[int(a)] for a in td.answer_tokens(b, q)]
    for i, a in enumerate(answers):
        assert a == (td.COLOUR_NAMES[int(b.colour[i])] if q[i] == 0 else td.SHAPES[int(b.shape[i])])


class TupleLayer(nn.Module):
    """Returns (hidden, extra) like many Hugging Face layers."""

    def forward(self, x):
        return x * 2, "extra"


def test_hooks_handle_tuple_outputs_and_clean_up():
    layer = TupleLayer()
    x = torch.ones(2, 3)
    with record({"h": layer}) as st:
        out, extra = layer(x)
    assert torch.equal(st["h"], out) and extra == "extra"
    with edit_output(layer, lambda h: h + 1):
        out2, extra2 = layer(x)
    assert torch.equal(out2, out + 1) and extra2 == "extra"
    assert not layer._forward_hooks
    assert torch.equal(layer(x)[0], out)


def test_grad_cam_works_on_a_frozen_model():
    cnn = tm.trained_cnn().requires_grad_(False)
    b = td.make_shapes(2, seed=4)
    cam = grad_cam(lambda z: cnn(z).gather(1, b.label[:, None]).squeeze(1), cnn.features[-1], b.images)
    assert cam.shape == (2, 12, 12) and cam.sum() > 0


@pytest.mark.parametrize("kind", ["vit", "cnn", "clip", "llava"])
def test_the_toy_models_learn_their_task(kind):
    test = td.make_shapes(256, seed=99)
    with torch.no_grad():
        if kind == "vit":
            acc = (tm.trained_vit()(test.images).argmax(-1) == test.label).float().mean()
        elif kind == "cnn":
            acc = (tm.trained_cnn()(test.images).argmax(-1) == test.label).float().mean()
        elif kind == "clip":
            captions, _ = td.all_captions()
            acc = (tm.trained_clip()(test.images, captions).argmax(-1) == test.label).float().mean()
        else:
            q = torch.arange(256) % 2
            logits = tm.trained_llava()(test.images, td.question_tokens(q))[:, -1]
            acc = (logits.argmax(-1) == td.answer_tokens(test, q)).float().mean()
    assert float(acc) >= (0.7 if kind == "cnn" else 0.95), (kind, float(acc))


def test_trained_models_are_private_copies():
    a, b = tm.trained_vit(), tm.trained_vit()
    assert a is not b
    with torch.no_grad():
        a.head.bias.add_(1.0)
    assert not torch.equal(a.head.bias, b.head.bias)


def test_gradient_methods_work_inside_no_grad_blocks():
    """Callers often wrap inference in torch.no_grad(); the methods that need gradients still work."""
    from methods.attention import attention_and_gradients
    from methods.attribution import integrated_gradients
    from methods.concepts import activations_and_gradients
    from methods.probing import fit_linear_probe
    from methods.sae import train_sae

    vit = tm.trained_vit()
    b = td.make_shapes(2, seed=5)
    with torch.no_grad():
        attr = integrated_gradients(lambda z: vit(z)[:, 0], b.images[0], steps=4)
        cam = grad_cam(
            lambda z: vit(z)[:, 0],
            vit.blocks[0],
            b.images,
            reshape=lambda t: t[:, 1:].transpose(1, 2).reshape(2, -1, td.GRID, td.GRID),
        )
        _, grads = activations_and_gradients(lambda z: vit(z)[:, 0], vit.blocks[0], b.images)
        _, agrads = attention_and_gradients(lambda: vit(b.images)[0, 0], [blk.attn.attn_probs for blk in vit.blocks])
        probe = fit_linear_probe(torch.randn(20, 3), torch.arange(20) % 2, 2)
        sae = train_sae(torch.randn(64, 4), 8, steps=5)
    assert attr.abs().sum() > 0 and cam.shape == (2, td.GRID, td.GRID)
    assert grads.abs().sum() > 0 and all(g.abs().sum() > 0 for g in agrads)
    assert probe.weight.abs().sum() > 0 and len(sae.history) == 5


def test_training_leaves_the_global_random_state_alone():
    from methods.sae import train_sae

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    tm.trained_vit()
    train_sae(torch.randn(32, 4, generator=torch.Generator().manual_seed(0)), 8, steps=3)
    assert torch.equal(torch.rand(3), expected)


def test_local_positions_read_absolute_positions_under_a_kv_cache():
    from methods.hooks import local_positions

    # a whole sequence of 5 tokens in one call (no cache information)
    assert local_positions([0, 3, -1], 5, None) == ([0, 3, 4], [0, 3, 4])
    with pytest.raises(IndexError, match="position 5 is outside a sequence of 5 tokens"):
        local_positions([5], 5, None)
    # the prompt (5 tokens) was the first call; now one generated token at absolute position 7
    assert local_positions([0, 1], 1, 7) == ([], [])  # prompt positions are in the cache: untouched
    assert local_positions([7], 1, 7) == ([0], [7])
    assert local_positions([-1], 1, 7) == ([0], [7])  # -1: the newest token
    assert local_positions([2, 6], 4, 3) == ([3], [6])  # a chunk covering positions 3..6
    assert local_positions([1, -4], 5, None) == ([1], [1])  # duplicates are patched once


def test_a_toy_model_is_trained_once_then_read_from_disk(tmp_path, monkeypatch):
    """The website's first demo trains (and reports each step); every later process loads the same weights."""
    monkeypatch.setenv(tm.CACHE_ENV, str(tmp_path))
    heard = []
    tm._cached.cache_clear()
    try:
        with tm.training_progress(lambda message, fraction: heard.append((message, fraction))):
            trained = tm.trained_cnn()
        path = tm.cache_file("cnn", 0)
        assert path.is_file() and path.parent.name == tm.code_version()
        assert heard[0] == ("Training the toy CNN once (kept on disk for every later run): step 10 of 200", 0.05)
        assert heard[-1][1] == 1.0 and "kept on disk" in heard[-1][0]
        tm._cached.cache_clear()  # a new process
        heard.clear()
        with tm.training_progress(lambda message, fraction: heard.append(message)):
            loaded = tm.trained_cnn()
        assert heard == []  # nothing trained
        pairs = zip(trained.state_dict().values(), loaded.state_dict().values(), strict=True)
        assert all(torch.equal(a, b) for a, b in pairs)
        assert loaded.history == trained.history and not loaded.training
        path.write_bytes(b"not a torch file")  # a damaged cache is trained again, not an error
        tm._cached.cache_clear()
        assert torch.equal(tm.trained_cnn().head.weight, trained.head.weight)
    finally:
        tm._cached.cache_clear()

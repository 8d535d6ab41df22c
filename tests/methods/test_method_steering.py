"""Activation steering and visual contrastive decoding (inference-time interventions)."""

import pytest
import torch

from methods import toy_data as td
from methods import toy_models as tm
from methods.decoding import contrastive_logits, distort_image, noise_schedule
from methods.demos import objects
from methods.hooks import record
from methods.steering import steer, steering_vector


@pytest.fixture(scope="module")
def llava():
    return tm.trained_llava()


@pytest.fixture(scope="module")
def colour_vector(llava):
    n = 32
    q = td.question_tokens(torch.zeros(n, dtype=torch.long))
    with torch.no_grad(), record({"h": llava.blocks[0]}) as st:
        llava(objects(colour=0, n=n, seed=1).images, q)
        red = st["h"]
        llava(objects(colour=2, n=n, seed=2).images, q)
        blue = st["h"]
    return steering_vector(red[:, -1], blue[:, -1])


def test_steering_with_strength_zero_changes_nothing(llava, colour_vector):
    b = td.make_shapes(6, seed=5)
    q = td.question_tokens(torch.zeros(6, dtype=torch.long))
    with torch.no_grad():
        plain = llava(b.images, q)
        for positions in (None, [-1], [0, 3]):
            with steer(llava.blocks[0], colour_vector, 0.0, positions=positions):
                assert torch.equal(llava(b.images, q), plain)


def test_steering_shifts_the_hooked_activation_by_exactly_strength_times_vector(llava, colour_vector):
    b = td.make_shapes(4, seed=6)
    q = td.question_tokens(torch.zeros(4, dtype=torch.long))
    layer = llava.blocks[0]
    with torch.no_grad():
        with record({"h": layer}) as st:
            llava(b.images, q)
        plain = st["h"]
        with steer(layer, colour_vector, 1.5, positions=[-1]), record({"h": layer}) as st:
            llava(b.images, q)
        steered = st["h"]
    assert torch.allclose(steered[:, -1] - plain[:, -1], (1.5 * colour_vector).expand(4, -1), atol=1e-5)
    assert torch.equal(steered[:, :-1], plain[:, :-1])  # other positions untouched
    # hooks are removed on exit
    with torch.no_grad(), record({"h": layer}) as st:
        llava(b.images, q)
    assert torch.equal(st["h"], plain)


def test_steering_vector_is_a_difference_of_means():
    a, b = torch.randn(10, 3), torch.randn(7, 3)
    assert torch.allclose(steering_vector(a, b), a.mean(0) - b.mean(0))


def test_the_red_minus_blue_direction_turns_blue_answers_red(llava, colour_vector):
    blues = objects(colour=2, n=32, seed=9)
    q = td.question_tokens(torch.zeros(32, dtype=torch.long))
    red, blue = td.TOKEN_ID["red"], td.TOKEN_ID["blue"]
    with torch.no_grad():
        before = llava(blues.images, q)[:, -1].argmax(-1)
        with steer(llava.blocks[0], colour_vector, 1.0, positions=[-1]):
            after = llava(blues.images, q)[:, -1].argmax(-1)
    assert (before == blue).float().mean() > 0.9
    assert (after == red).float().mean() > 0.8


# --------------------------------------------------------------------------- visual contrastive decoding


def test_contrastive_decoding_with_alpha_zero_is_plain_decoding():
    g = torch.Generator().manual_seed(0)
    logits, distorted = torch.randn(5, 12, generator=g), torch.randn(5, 12, generator=g)
    assert torch.equal(contrastive_logits(logits, distorted, alpha=0.0, beta=0.0), logits)
    constrained = contrastive_logits(logits, distorted, alpha=0.0, beta=0.2)
    kept = torch.isfinite(constrained)
    assert torch.equal(constrained[kept], logits[kept])
    probs = logits.softmax(-1)
    assert torch.equal(kept, probs >= 0.2 * probs.amax(-1, keepdim=True))
    assert kept[torch.arange(5), logits.argmax(-1)].all()  # the top token is always plausible


def test_contrastive_decoding_against_the_same_image_changes_nothing():
    logits = torch.randn(3, 12, dtype=torch.float64)
    for alpha in (0.5, 1.0, 3.0):
        assert torch.allclose(contrastive_logits(logits, logits, alpha, beta=0.0), logits, atol=1e-12)


def test_contrastive_decoding_amplifies_the_visual_evidence():
    logits = torch.tensor([2.0, 1.0, 0.0])
    prior = torch.tensor([2.0, 0.0, 0.0])  # what the model says without looking: token 0
    out = contrastive_logits(logits, prior, alpha=2.0, beta=0.0)  # 3 * logits - 2 * prior = [2, 3, 0]
    assert out.argmax() == 1  # token 1 is the one the image supports


def test_distortion_schedule_and_determinism():
    a = noise_schedule(1000)
    assert (a[1:] < a[:-1]).all() and 0 < float(a[-1]) < float(a[0]) < 1
    images = td.make_shapes(2, seed=0).images
    assert torch.equal(distort_image(images, 500, seed=3), distort_image(images, 500, seed=3))
    light, heavy = distort_image(images, 10, seed=3), distort_image(images, 999, seed=3)
    assert (light - images).abs().mean() < (heavy - images).abs().mean()


def test_vcd_on_the_toy_llava_keeps_correct_answers(llava):
    b = td.make_shapes(16, seed=12)
    q = td.question_tokens(torch.zeros(16, dtype=torch.long))
    with torch.no_grad():
        logits = llava(b.images, q)[:, -1]
        distorted = llava(distort_image(b.images, 999, seed=0), q)[:, -1]
    answers = td.answer_tokens(b, torch.zeros(16, dtype=torch.long))
    vcd = contrastive_logits(logits, distorted, alpha=1.0, beta=0.1)
    assert (logits.argmax(-1) == answers).all()
    assert (vcd.argmax(-1) == answers).all()

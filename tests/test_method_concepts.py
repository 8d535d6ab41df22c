"""TCAV: score range, a planted concept, antisymmetry, and a concept in the trained toy ViT."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from hypothesis_support import examples
from methods import toy_models as tm
from methods.concepts import activations_and_gradients, compute_cav, directional_derivatives, tcav, tcav_score
from methods.demos import objects


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    with tm.single_thread():
        yield


@settings(max_examples=examples(30), deadline=None)
@given(seed=st.integers(0, 10_000), m=st.integers(1, 40), d=st.integers(1, 12))
def test_tcav_score_is_a_fraction_in_the_unit_interval(seed, m, d):
    g = torch.Generator().manual_seed(seed)
    grads = torch.randn(m, d, generator=g)
    cav = torch.randn(d, generator=g, dtype=torch.float64)
    score = tcav_score(grads, cav / cav.norm())
    assert 0.0 <= score <= 1.0
    assert score * m == pytest.approx(round(score * m))  # a count of inputs, divided by m


class Planted(nn.Module):
    """x -> h = x (the layer) -> score = w . h + 0.1 * |h|^2 / d, so moving along w raises the score."""

    def __init__(self, w):
        super().__init__()
        self.layer = nn.Identity()
        self.w = w

    def forward(self, x):
        h = self.layer(x)
        return h @ self.w + 0.1 * (h * h).mean(-1)


def test_a_planted_concept_scores_one_and_its_opposite_zero():
    g = torch.Generator().manual_seed(0)
    d = 8
    w = torch.zeros(d)
    w[2] = 1.0  # the concept direction the score depends on
    model = Planted(w)
    inputs = 0.3 * torch.randn(50, d, generator=g)
    _, grads = activations_and_gradients(model, model.layer, inputs)
    randoms = [torch.randn(40, d, generator=g) for _ in range(4)]
    concept = torch.randn(40, d, generator=g) + 3 * w  # examples that "have" the concept
    for method in ("logistic", "mean-difference"):
        cav = compute_cav(concept, randoms[0], method)
        assert float(cav @ w.double()) > 0.7  # the CAV finds the planted direction
        assert tcav_score(grads, cav) == 1.0
        assert tcav_score(grads, -cav) == 0.0
        res = tcav(grads, concept, randoms, method)
        assert res.scores == [1.0] * 4
        assert 0.0 < res.p_value <= 1.0


def test_mean_difference_cavs_are_antisymmetric_so_scores_complement():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(30, 6, generator=g) + 0.5, torch.randn(30, 6, generator=g)
    grads = torch.randn(25, 6, generator=g)
    ab, ba = compute_cav(a, b, "mean-difference"), compute_cav(b, a, "mean-difference")
    assert torch.equal(ab, -ba)
    assert (directional_derivatives(grads, ab) != 0).all()
    assert tcav_score(grads, ab) + tcav_score(grads, ba) == 1.0


def test_tcav_needs_two_random_sets_and_a_known_method():
    x = torch.randn(5, 3)
    with pytest.raises(ValueError):
        tcav(x, x, [x])
    with pytest.raises(ValueError):
        compute_cav(x, x + 1, "svm")


def test_the_toy_vit_uses_the_colour_of_its_class():
    vit = tm.trained_vit()
    layer = vit.blocks[-1]

    def cls(h):
        return h[:, 0]

    def centred(target):
        def f(x):
            z = vit(x)
            return (z - z.mean(-1, keepdim=True))[:, target]
        return f

    randoms = [activations_and_gradients(lambda x: vit(x)[:, 0], layer, objects(n=40, seed=50 + k).images, cls)[0]
               for k in range(4)]
    red = activations_and_gradients(lambda x: vit(x)[:, 0], layer, objects(colour=0, n=40, seed=60).images, cls)[0]
    red_squares = objects(colour=0, shape=0, n=40, seed=61).images
    _, grads = activations_and_gradients(centred(0), layer, red_squares, cls)  # class 0 = red square
    res = tcav(grads, red, randoms, "mean-difference")
    assert all(0.0 <= s <= 1.0 for s in res.scores + res.random_scores)
    assert res.mean > 0.8, res

"""TCAV: score range, a planted concept, antisymmetry, and a concept in the trained toy ViT."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples
from torch import nn

from methods import toy_models as tm
from methods.concepts import (
    activations_and_gradients,
    compute_cav,
    directional_derivatives,
    regularized_beta,
    student_t_test,
    tcav,
    tcav_score,
)
from methods.demos import objects


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
    randoms = [torch.randn(40, d, generator=g) for _ in range(6)]
    concept = torch.randn(40, d, generator=g) + 3 * w  # examples that "have" the concept
    for method in ("logistic", "mean-difference"):
        cav = compute_cav(concept, randoms[0], method)
        assert float(cav @ w.double()) > 0.7  # the CAV finds the planted direction
        assert tcav_score(grads, cav) == 1.0
        assert tcav_score(grads, -cav) == 0.0
        res = tcav(grads, concept, randoms, method, n_tests=3)
        assert res.scores == [1.0] * 6
        # random-vs-random scores of this near-linear score are 0 or 1, so p is small but not tiny
        assert res.p_value < 0.05 and res.corrected_p_value == pytest.approx(min(1.0, 3 * res.p_value))
        assert res.significant() == (3 * res.p_value < 0.05)
    # a "concept" drawn like the random sets is not significant
    res = tcav(grads, torch.randn(40, d, generator=g), randoms, "mean-difference")
    assert res.p_value > 0.05 and not res.significant()


def test_mean_difference_cavs_are_antisymmetric_so_scores_complement():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(30, 6, generator=g) + 0.5, torch.randn(30, 6, generator=g)
    grads = torch.randn(25, 6, generator=g)
    ab, ba = compute_cav(a, b, "mean-difference"), compute_cav(b, a, "mean-difference")
    assert torch.equal(ab, -ba)
    assert (directional_derivatives(grads, ab) != 0).all()
    assert tcav_score(grads, ab) + tcav_score(grads, ba) == 1.0


def test_tcav_needs_five_random_sets_by_default_and_a_known_method():
    x = torch.randn(5, 3)
    with pytest.raises(ValueError, match="at least 5 random sets"):
        tcav(x, x + 1, [x + k for k in range(4)])
    with pytest.raises(ValueError, match="at least 2 random sets"):
        tcav(x, x + 1, [x], min_random_sets=0)
    with pytest.raises(ValueError):
        compute_cav(x, x + 1, "svm")


def _two_sided_p_closed_form(t: float, df: int) -> float:
    """Student t tails for the degrees of freedom where the CDF has a closed form."""
    t = abs(t)
    if df == 1:
        return 1 - 2 / math.pi * math.atan(t)
    if df == 2:
        return 1 - t / math.sqrt(t * t + 2)
    if df == 4:
        u = t / math.sqrt(4 + t * t)
        return 1 - (1.5 * u - 0.5 * u**3)
    raise ValueError(df)


@pytest.mark.parametrize(
    "a, b",
    [
        ([1.0, 2.0], [4.0]),
        ([0.1, 0.5], [0.9, 0.7]),
        ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]),
        ([0.2, 0.9, 0.4], [0.3, 0.3, 0.35]),
    ],
)
def test_t_test_matches_the_closed_form_tails(a, b):
    if len(a) + len(b) - 2 < 1 or len(b) < 2:
        a, b = a, b + [5.5]
    t, p = student_t_test(a, b)
    x, y = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    df = len(a) + len(b) - 2
    pooled = ((len(a) - 1) * x.var() + (len(b) - 1) * y.var()) / df
    assert t == pytest.approx(float((x.mean() - y.mean()) / (pooled * (1 / len(a) + 1 / len(b))).sqrt()), rel=1e-12)
    assert p == pytest.approx(_two_sided_p_closed_form(t, df), rel=1e-9, abs=1e-12)


def test_t_test_hand_computed_case_and_degenerate_samples():
    t, p = student_t_test([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])  # pooled variance 1, df 4
    assert t == pytest.approx(-3 / math.sqrt(2 / 3), rel=1e-12)
    assert p == pytest.approx(0.0213116, abs=1e-6)
    assert student_t_test([0.5, 0.5], [0.5, 0.5]) == (0.0, 1.0)
    assert student_t_test([1.0, 1.0], [0.5, 0.5])[1] == 0.0
    assert regularized_beta(2.0, 3.0, 0.4) == pytest.approx(0.5248, abs=1e-12)  # 1 - sum of binomial terms


def test_bonferroni_caps_at_one():
    from methods.concepts import TCAVResult

    r = TCAVResult([0.6] * 5, [0.5] * 5, p_value=0.3, n_tests=16)
    assert r.corrected_p_value == 1.0 and not r.significant()
    assert TCAVResult([0.6] * 5, [0.5] * 5, p_value=0.002, n_tests=16).corrected_p_value == pytest.approx(0.032)


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

    randoms = [
        activations_and_gradients(lambda x: vit(x)[:, 0], layer, objects(n=40, seed=50 + k).images, cls)[0]
        for k in range(5)
    ]
    red = activations_and_gradients(lambda x: vit(x)[:, 0], layer, objects(colour=0, n=40, seed=60).images, cls)[0]
    red_squares = objects(colour=0, shape=0, n=40, seed=61).images
    _, grads = activations_and_gradients(centred(0), layer, red_squares, cls)  # class 0 = red square
    res = tcav(grads, red, randoms, "mean-difference")
    assert all(0.0 <= s <= 1.0 for s in res.scores + res.random_scores)
    assert res.mean > 0.8, res

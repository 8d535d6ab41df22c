"""Exact and sampled Shapley values, and MM-SHAP modality shares."""

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from methods import toy_data as td
from methods import toy_models as tm
from methods.shapley import all_coalitions, exact_shapley, mm_shap, permutation_shapley


def table_game(values: torch.Tensor):
    """A game given by its value on every coalition (indexed by the coalition's bits)."""
    n = int(math.log2(len(values)))
    weights = 2 ** torch.arange(n)

    def v(masks):
        return values[(masks.long() * weights).sum(1)]

    return v


def shapley_by_orderings(v, n):
    """Textbook definition: average marginal contribution over all n! orderings."""
    phi = torch.zeros(n, dtype=torch.float64)
    for order in itertools.permutations(range(n)):
        mask = torch.zeros(1, n, dtype=torch.bool)
        prev = float(v(mask)[0])
        for p in order:
            mask[0, p] = True
            cur = float(v(mask)[0])
            phi[p] += cur - prev
            prev = cur
    return phi / math.factorial(n)


@settings(max_examples=examples(30), deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 7))
def test_exact_shapley_is_efficient(seed, n):
    g = torch.Generator().manual_seed(seed)
    v = table_game(torch.randn(2**n, generator=g, dtype=torch.float64))
    phi = exact_shapley(v, n)
    full, empty = v(torch.ones(1, n, dtype=torch.bool))[0], v(torch.zeros(1, n, dtype=torch.bool))[0]
    assert float(phi.sum()) == pytest.approx(float(full - empty), abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_exact_shapley_matches_the_definition_over_all_orderings(n):
    g = torch.Generator().manual_seed(n)
    v = table_game(torch.randn(2**n, generator=g, dtype=torch.float64))
    assert torch.allclose(exact_shapley(v, n), shapley_by_orderings(v, n), rtol=0, atol=1e-12)


def test_symmetric_players_get_equal_values_and_dummies_get_zero():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(5, generator=g, dtype=torch.float64)
    a[1] = a[3]  # players 1 and 3 are interchangeable
    a[4] = 0.0  # player 4 never matters

    def v(masks):
        m = masks.double()
        return torch.tanh(m @ a) + (m[:, 0] * m[:, 2]) + 0.5 * (m[:, 1] + m[:, 3]) ** 2

    phi = exact_shapley(v, 5)
    assert float(phi[1]) == pytest.approx(float(phi[3]), abs=1e-12)
    assert float(phi[4]) == pytest.approx(0.0, abs=1e-12)


def test_shapley_values_are_additive_over_games():
    g = torch.Generator().manual_seed(1)
    t1, t2 = torch.randn(16, generator=g, dtype=torch.float64), torch.randn(16, generator=g, dtype=torch.float64)
    v1, v2, v12 = table_game(t1), table_game(t2), table_game(t1 + t2)
    assert torch.allclose(exact_shapley(v12, 4), exact_shapley(v1, 4) + exact_shapley(v2, 4), atol=1e-12)


@settings(max_examples=examples(15), deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 9), samples=st.integers(1, 12))
def test_permutation_estimate_is_efficient_for_any_number_of_samples(seed, n, samples):
    g = torch.Generator().manual_seed(seed)
    v = table_game(torch.randn(2**n, generator=g, dtype=torch.float64))
    phi = permutation_shapley(v, n, n_permutations=samples, seed=seed)
    full, empty = v(torch.ones(1, n, dtype=torch.bool))[0], v(torch.zeros(1, n, dtype=torch.bool))[0]
    assert float(phi.sum()) == pytest.approx(float(full - empty), abs=1e-12)


def test_permutation_estimate_converges_to_the_exact_values():
    g = torch.Generator().manual_seed(2)
    v = table_game(torch.randn(2**5, generator=g, dtype=torch.float64))
    exact = exact_shapley(v, 5)
    approx = permutation_shapley(v, 5, n_permutations=40_000, seed=0)
    assert torch.allclose(approx, exact, atol=0.04)  # Monte-Carlo error ~ 1/sqrt(samples)


def test_all_coalitions_enumerates_every_subset_once():
    c = all_coalitions(4)
    assert c.shape == (16, 4)
    assert len({tuple(r.tolist()) for r in c}) == 16


# --------------------------------------------------------------------------- MM-SHAP


def test_mm_shap_shares_sum_to_one_and_detect_a_unimodal_model():
    w_text = torch.tensor([1.0, -2.0], dtype=torch.float64)
    w_image = torch.tensor([0.5, 0.5, -1.0], dtype=torch.float64)

    def both(t, i):
        return t.double() @ w_text + i.double() @ w_image + (t[:, 0] & i[:, 2]).double()

    res = mm_shap(both, 2, 3)
    assert res.t_shap + res.v_shap == pytest.approx(1.0, abs=1e-12)
    assert float(res.phi_text.sum() + res.phi_image.sum()) == pytest.approx(res.full_value - res.empty_value, abs=1e-12)
    text_only = mm_shap(lambda t, i: t.double() @ w_text, 2, 3)
    assert text_only.t_shap == 1.0 and text_only.v_shap == 0.0
    image_only = mm_shap(lambda t, i: i.double() @ w_image, 2, 3)
    assert image_only.t_shap == 0.0 and image_only.v_shap == 1.0


def clip_value(clip, image, caption):
    def value(text_mask, image_mask):
        m = len(text_mask)
        toks = caption.repeat(m, 1)
        toks[:, 1:3] = torch.where(text_mask, toks[:, 1:3], td.TOKEN_ID["<mask>"])
        pm = image_mask.view(m, td.GRID, td.GRID).repeat_interleave(td.PATCH, 1).repeat_interleave(td.PATCH, 2)
        imgs = torch.where(pm[:, None], image.repeat(m, 1, 1, 1), 0.25)
        with torch.no_grad():
            return clip.score(imgs, toks)

    return value


def test_mm_shap_on_the_toy_clip():
    clip = tm.trained_clip()
    b = td.make_shapes(1, seed=8)
    caption = td.caption_tokens(b.colour, b.shape)[0]
    res = mm_shap(clip_value(clip, b.images[0], caption), n_text=2, n_image=td.N_PATCHES, n_permutations=32)
    assert 0.0 <= res.t_shap <= 1.0 and res.t_shap + res.v_shap == pytest.approx(1.0, abs=1e-12)
    total = float(res.phi_text.sum() + res.phi_image.sum())
    assert total == pytest.approx(res.full_value - res.empty_value, abs=1e-4)  # float32 model, float64 sums
    # grouping the image into 4 quadrants makes 6 players: small enough for exact values
    quad = torch.arange(td.N_PATCHES).view(td.GRID, td.GRID)
    quad = (quad // td.GRID // 2) * 2 + (quad % td.GRID) // 2

    def grouped(text_mask, group_mask):
        return clip_value(clip, b.images[0], caption)(text_mask, group_mask[:, quad.flatten()])

    exact = mm_shap(grouped, n_text=2, n_image=4)
    assert float(exact.phi_text.sum() + exact.phi_image.sum()) == pytest.approx(
        exact.full_value - exact.empty_value, abs=1e-4
    )


def test_grid_groups_tile_the_patch_grid_row_major():
    from methods.shapley import grid_groups

    assert grid_groups(4, 4, 2, 2).view(4, 4).tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    assert grid_groups(3, 5, 2, 2).view(3, 5).tolist() == [[0, 0, 1, 1, 2], [0, 0, 1, 1, 2], [3, 3, 4, 4, 5]]


def test_grouped_image_players_of_an_additive_game_get_their_group_totals():
    from methods.shapley import grid_groups

    text_w = torch.tensor([0.5, -1.0], dtype=torch.float64)
    image_w = torch.arange(16, dtype=torch.float64)  # patch k is worth k

    def value(text_mask, image_mask):
        return text_mask.double() @ text_w + image_mask.double() @ image_w

    res = mm_shap(value, 2, 16, image_groups=grid_groups(4, 4, 2, 2))
    assert torch.allclose(res.phi_text, text_w)
    assert torch.allclose(
        res.phi_image,
        torch.tensor([0 + 1 + 4 + 5, 2 + 3 + 6 + 7, 8 + 9 + 12 + 13, 10 + 11 + 14 + 15], dtype=torch.float64),
    )
    with pytest.raises(ValueError, match="group id for each of the 16"):
        mm_shap(value, 2, 16, image_groups=torch.zeros(4, dtype=torch.long))

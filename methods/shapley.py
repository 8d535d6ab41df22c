"""Shapley values over groups of input features, and the MM-SHAP modality contribution
(Parcalabescu & Frank, 2022).

A *value function* takes a boolean coalition matrix ``[M, n]`` (True = player present) and
returns ``[M]`` model outputs; how "absent" is realised (a mask token for text, a blanked patch
for the image) is up to the caller. That keeps the estimators independent of any model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

ValueFn = Callable[[torch.Tensor], torch.Tensor]


def _evaluate(value_fn: ValueFn, coalitions: torch.Tensor, batch_size: int) -> torch.Tensor:
    out = [
        value_fn(coalitions[i : i + batch_size]).detach().double().reshape(-1)
        for i in range(0, len(coalitions), batch_size)
    ]
    return torch.cat(out)


def all_coalitions(n: int) -> torch.Tensor:
    """Every subset of ``n`` players as a ``[2**n, n]`` boolean matrix (row ``k`` = bits of k)."""
    k = torch.arange(2**n).unsqueeze(1)
    return (k >> torch.arange(n)) & 1 == 1


def exact_shapley(value_fn: ValueFn, n: int, batch_size: int = 1024) -> torch.Tensor:
    """Exact Shapley values (float64) by enumerating all ``2**n`` coalitions (use ``n <= 16``).

    ``phi_i = sum_{S not containing i} |S|! (n-|S|-1)! / n! * (v(S + i) - v(S))``.
    """
    if n > 20:
        raise ValueError(f"exact Shapley values over {n} players need 2**{n} evaluations; use permutation_shapley")
    coalitions = all_coalitions(n)
    values = _evaluate(value_fn, coalitions, batch_size)
    sizes = coalitions.sum(1)
    weight = torch.tensor(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)], dtype=torch.float64
    )
    index = torch.arange(2**n)
    phi = torch.zeros(n, dtype=torch.float64)
    for i in range(n):
        without = ~coalitions[:, i]
        s = index[without]
        phi[i] = (weight[sizes[s]] * (values[s + (1 << i)] - values[s])).sum()
    return phi


def permutation_shapley(
    value_fn: ValueFn, n: int, n_permutations: int = 64, seed: int = 0, batch_size: int = 1024
) -> torch.Tensor:
    """Monte-Carlo Shapley values from random player orderings (antithetic pairs).

    Each ordering's marginal contributions telescope to ``v(all) - v(none)``, so the estimate
    satisfies efficiency exactly, whatever the number of samples.
    """
    g = torch.Generator().manual_seed(seed)
    perms = []
    for _ in range((n_permutations + 1) // 2):
        p = torch.randperm(n, generator=g)
        perms += [p, p.flip(0)]
    perms = torch.stack(perms[: max(n_permutations, 1)])
    m = len(perms)
    # coalition after adding the first j players of each ordering, j = 0..n
    coalitions = torch.zeros(m, n + 1, n, dtype=torch.bool)
    for j in range(1, n + 1):
        coalitions[:, j] = coalitions[:, j - 1]
        coalitions[torch.arange(m), j, perms[:, j - 1]] = True
    values = _evaluate(value_fn, coalitions.reshape(-1, n), batch_size).view(m, n + 1)
    marginal = values[:, 1:] - values[:, :-1]  # [m, n], contribution of perms[:, j]
    phi = torch.zeros(n, dtype=torch.float64)
    phi.index_add_(0, perms.reshape(-1), marginal.reshape(-1))
    return phi / m


def grid_groups(rows: int, cols: int, group_rows: int, group_cols: int) -> torch.Tensor:
    """Group id of each cell of a ``rows x cols`` patch grid (row-major) when the grid is tiled
    by ``group_rows x group_cols`` blocks (edge blocks may be smaller): ``[rows * cols]``."""
    r = torch.arange(rows).repeat_interleave(cols) // group_rows
    c = torch.arange(cols).repeat(rows) // group_cols
    return r * (-(-cols // group_cols)) + c


@dataclass
class MMShapResult:
    phi_text: torch.Tensor  # Shapley value of each text player
    phi_image: torch.Tensor  # Shapley value of each image player (a patch, or a group of patches)
    t_shap: float  # textual share: sum|phi_text| / (sum|phi_text| + sum|phi_image|)
    v_shap: float  # visual share: sum|phi_image| / (sum|phi_text| + sum|phi_image|)
    full_value: float  # v(all players)
    empty_value: float  # v(no players)


def mm_shap(
    value_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    n_text: int,
    n_image: int,
    exact: bool | None = None,
    n_permutations: int = 128,
    seed: int = 0,
    image_groups: torch.Tensor | None = None,
) -> MMShapResult:
    """MM-SHAP: how much of a prediction is due to the text vs the image.

    ``value_fn(text_mask [M, n_text], image_mask [M, n_image]) -> [M]`` is the model output with
    only the present tokens/patches. Shapley values are computed for all text players and image
    players (exactly when there are at most 16 in all, unless ``exact`` says otherwise) and the
    modality shares are the totals of their absolute values: ``T-SHAP + V-SHAP = 1``.

    ``image_groups`` (``[n_image]`` group ids ``0..G-1``, e.g. from :func:`grid_groups`) makes
    each group of patches one player, present or absent as a whole: 576 LLaVA patches in 6 x 6
    blocks are 16 players instead of 576, and ``phi_image`` then has one value per group.
    """
    groups = torch.arange(n_image) if image_groups is None else torch.as_tensor(image_groups, dtype=torch.long)
    if groups.shape != (n_image,):
        raise ValueError(f"image_groups must give a group id for each of the {n_image} image players")
    n_groups = int(groups.max()) + 1 if n_image else 0
    n = n_text + n_groups

    def joint(coalitions: torch.Tensor) -> torch.Tensor:
        return value_fn(coalitions[:, :n_text], coalitions[:, n_text:][:, groups])

    use_exact = n <= 16 if exact is None else exact
    phi = exact_shapley(joint, n) if use_exact else permutation_shapley(joint, n, n_permutations, seed)
    text, image = phi[:n_text], phi[n_text:]
    t_abs, v_abs = float(text.abs().sum()), float(image.abs().sum())
    total = t_abs + v_abs
    t_share, v_share = (t_abs / total, v_abs / total) if total > 0 else (0.5, 0.5)
    ends = _evaluate(joint, torch.stack([torch.ones(n, dtype=torch.bool), torch.zeros(n, dtype=torch.bool)]), 2)
    return MMShapResult(text, image, t_share, v_share, float(ends[0]), float(ends[1]))

"""TCAV: testing with concept activation vectors (Kim et al., 2018).

A concept (e.g. "red") is given by example inputs. A linear classifier separating the concept
examples' activations at a layer from random examples' activations gives the concept activation
vector (CAV): the direction of the concept in that layer. The TCAV score of a class is the
fraction of the class's inputs whose class score increases when their activation moves along the
CAV, i.e. whose directional derivative ``grad_h score . cav`` is positive. Repeating with several
random sets and comparing with random-vs-random CAVs tells a real concept from chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import nn

from methods.hooks import output_and_gradient
from methods.probing import fit_linear_probe


def activations_and_gradients(score_fn: Callable[[torch.Tensor], torch.Tensor], layer: nn.Module,
                              inputs: torch.Tensor,
                              select: Callable[[torch.Tensor], torch.Tensor] | None = None
                              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Flattened activations of ``layer`` ``[M, D]`` and the gradients of ``score_fn(inputs)``
    (``[M]`` scores, e.g. one class logit) with respect to them. ``select`` picks part of the
    layer's output (e.g. ``lambda h: h[:, 0]`` for a [CLS] token) from both."""
    acts, grads = output_and_gradient(score_fn, layer, inputs)
    if select is not None:
        acts, grads = select(acts), select(grads)
    return acts.reshape(len(inputs), -1), grads.reshape(len(inputs), -1)


def compute_cav(concept_acts: torch.Tensor, random_acts: torch.Tensor, method: str = "logistic",
                l2: float = 1e-2) -> torch.Tensor:
    """Unit-norm CAV pointing from random towards concept activations (float64).

    ``"logistic"`` fits a linear classifier (as in the paper); ``"mean-difference"`` uses the
    difference of class means, which is exactly antisymmetric in its two arguments.
    """
    c = concept_acts.detach().double().reshape(len(concept_acts), -1)
    r = random_acts.detach().double().reshape(len(random_acts), -1)
    if method == "mean-difference":
        v = c.mean(0) - r.mean(0)
    elif method == "logistic":
        probe = fit_linear_probe(torch.cat([r, c]), torch.cat([torch.zeros(len(r)), torch.ones(len(c))]).long(),
                                 n_classes=2, l2=l2)
        v = (probe.weight[1] - probe.weight[0]) / probe.std  # back to unstandardised coordinates
    else:
        raise ValueError(f"unknown CAV method {method!r}; use logistic or mean-difference")
    return v / v.norm()


def directional_derivatives(grads: torch.Tensor, cav: torch.Tensor) -> torch.Tensor:
    return grads.double().reshape(len(grads), -1) @ cav


def tcav_score(grads: torch.Tensor, cav: torch.Tensor) -> float:
    """Fraction of inputs whose score increases along the CAV: a number in [0, 1]."""
    return float((directional_derivatives(grads, cav) > 0).double().mean())


@dataclass
class TCAVResult:
    scores: list[float]  # TCAV score with the CAV from each random set
    random_scores: list[float]  # scores of random-vs-random CAVs (the null distribution)
    p_value: float  # two-sided permutation test of the two means

    @property
    def mean(self) -> float:
        return sum(self.scores) / len(self.scores)


def _permutation_p_value(a: Sequence[float], b: Sequence[float], n: int = 2000, seed: int = 0) -> float:
    x = torch.tensor(list(a) + list(b), dtype=torch.float64)
    k = len(a)
    observed = abs(float(x[:k].mean() - x[k:].mean()))
    g = torch.Generator().manual_seed(seed)
    hits = 0
    for _ in range(n):
        p = x[torch.randperm(len(x), generator=g)]
        hits += abs(float(p[:k].mean() - p[k:].mean())) >= observed - 1e-12
    return (hits + 1) / (n + 1)


def tcav(class_grads: torch.Tensor, concept_acts: torch.Tensor, random_acts: Sequence[torch.Tensor],
         method: str = "logistic") -> TCAVResult:
    """TCAV with significance testing.

    ``class_grads`` ``[M, D]``: gradients of the class score at the layer for inputs of the class;
    ``concept_acts``: the concept examples' activations; ``random_acts``: at least two sets of
    random examples' activations. One CAV per random set gives the concept's scores; CAVs between
    pairs of random sets give the null scores.
    """
    if len(random_acts) < 2:
        raise ValueError("tcav needs at least two random sets")
    scores = [tcav_score(class_grads, compute_cav(concept_acts, r, method)) for r in random_acts]
    null = [tcav_score(class_grads, compute_cav(random_acts[i], random_acts[(i + 1) % len(random_acts)], method))
            for i in range(len(random_acts))]
    return TCAVResult(scores, null, _permutation_p_value(scores, null))

"""TCAV: testing with concept activation vectors (Kim et al., 2018).

A concept (e.g. "red") is given by example inputs. A linear classifier separating the concept
examples' activations at a layer from random examples' activations gives the concept activation
vector (CAV): the direction of the concept in that layer. The TCAV score of a class is the
fraction of the class's inputs whose class score increases when their activation moves along the
CAV, i.e. whose directional derivative ``grad_h score . cav`` is positive. Repeating with several
random sets and comparing with random-vs-random CAVs tells a real concept from chance: as in the
paper, a two-sided Student t-test of the two sets of scores, Bonferroni-corrected for the number
of (concept, class, layer) hypotheses tested together. With fewer than 5 random sets the test has
too little power to mean anything, so that is the default minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import nn

from methods.hooks import output_and_gradient
from methods.probing import fit_linear_probe


def activations_and_gradients(
    score_fn: Callable[[torch.Tensor], torch.Tensor],
    layer: nn.Module,
    inputs: torch.Tensor,
    select: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Flattened activations of ``layer`` ``[M, D]`` and the gradients of ``score_fn(inputs)``
    (``[M]`` scores, e.g. one class logit) with respect to them. ``select`` picks part of the
    layer's output (e.g. ``lambda h: h[:, 0]`` for a [CLS] token) from both."""
    acts, grads = output_and_gradient(score_fn, layer, inputs)
    if select is not None:
        acts, grads = select(acts), select(grads)
    return acts.reshape(len(inputs), -1), grads.reshape(len(inputs), -1)


def compute_cav(
    concept_acts: torch.Tensor, random_acts: torch.Tensor, method: str = "logistic", l2: float = 1e-2
) -> torch.Tensor:
    """Unit-norm CAV pointing from random towards concept activations (float64).

    ``"logistic"`` fits a linear classifier (as in the paper); ``"mean-difference"`` uses the
    difference of class means, which is exactly antisymmetric in its two arguments.
    """
    c = concept_acts.detach().double().reshape(len(concept_acts), -1)
    r = random_acts.detach().double().reshape(len(random_acts), -1)
    if method == "mean-difference":
        v = c.mean(0) - r.mean(0)
    elif method == "logistic":
        probe = fit_linear_probe(
            torch.cat([r, c]), torch.cat([torch.zeros(len(r)), torch.ones(len(c))]).long(), n_classes=2, l2=l2
        )
        v = (probe.weight[1] - probe.weight[0]) / probe.std  # back to unstandardised coordinates
    else:
        raise ValueError(f"unknown CAV method {method!r}; use logistic or mean-difference")
    return v / v.norm()


def directional_derivatives(grads: torch.Tensor, cav: torch.Tensor) -> torch.Tensor:
    return grads.double().reshape(len(grads), -1) @ cav


def tcav_score(grads: torch.Tensor, cav: torch.Tensor) -> float:
    """Fraction of inputs whose score increases along the CAV: a number in [0, 1]."""
    return float((directional_derivatives(grads, cav) > 0).double().mean())


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def regularized_beta(a: float, b: float, x: float) -> float:
    """``I_x(a, b)``, the regularised incomplete beta function (the t distribution's tail)."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):  # the fraction converges fast on this side; use symmetry otherwise
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def student_t_test(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Two-sided two-sample Student t-test with pooled variance: ``(t, p)``.

    ``p = I_{df/(df + t^2)}(df/2, 1/2)`` with ``df = len(a) + len(b) - 2``. Two samples without
    any spread give ``p = 1`` if their means agree and ``p = 0`` otherwise.
    """
    x, y = torch.tensor(list(a), dtype=torch.float64), torch.tensor(list(b), dtype=torch.float64)
    if len(x) < 2 or len(y) < 2:
        raise ValueError("a t-test needs at least two values in each sample")
    df = len(x) + len(y) - 2
    pooled = (float(x.var()) * (len(x) - 1) + float(y.var()) * (len(y) - 1)) / df
    diff = float(x.mean() - y.mean())
    if pooled == 0.0:
        return (0.0, 1.0) if diff == 0.0 else (math.copysign(math.inf, diff), 0.0)
    t = diff / math.sqrt(pooled * (1 / len(x) + 1 / len(y)))
    return t, regularized_beta(df / 2, 0.5, df / (df + t * t))


@dataclass
class TCAVResult:
    scores: list[float]  # TCAV score with the CAV from each random set
    random_scores: list[float]  # scores of random-vs-random CAVs (the null distribution)
    p_value: float  # two-sided t-test of the two sets of scores, uncorrected
    n_tests: int = 1  # hypotheses tested together, for the Bonferroni correction

    @property
    def mean(self) -> float:
        return sum(self.scores) / len(self.scores)

    @property
    def corrected_p_value(self) -> float:
        """Bonferroni: the p-value times the number of hypotheses, capped at 1."""
        return min(1.0, self.p_value * self.n_tests)

    def significant(self, alpha: float = 0.05) -> bool:
        return self.corrected_p_value < alpha


def tcav(
    class_grads: torch.Tensor,
    concept_acts: torch.Tensor,
    random_acts: Sequence[torch.Tensor],
    method: str = "logistic",
    n_tests: int = 1,
    min_random_sets: int = 5,
) -> TCAVResult:
    """TCAV with significance testing.

    ``class_grads`` ``[M, D]``: gradients of the class score at the layer for inputs of the class;
    ``concept_acts``: the concept examples' activations; ``random_acts``: at least
    ``min_random_sets`` sets of random examples' activations. One CAV per random set gives the
    concept's scores; CAVs between pairs of random sets give the null scores. ``n_tests`` is the
    number of (concept, class, layer) hypotheses tested together (Bonferroni correction).
    """
    if len(random_acts) < max(min_random_sets, 2):
        raise ValueError(
            f"tcav needs at least {max(min_random_sets, 2)} random sets (got {len(random_acts)}): "
            "with fewer, the t-test cannot reach significance"
        )
    scores = [tcav_score(class_grads, compute_cav(concept_acts, r, method)) for r in random_acts]
    null = [
        tcav_score(class_grads, compute_cav(random_acts[i], random_acts[(i + 1) % len(random_acts)], method))
        for i in range(len(random_acts))
    ]
    return TCAVResult(scores, null, student_t_test(scores, null)[1], n_tests)

"""Gradient-based attribution: integrated gradients (Sundararajan et al., 2017) and Grad-CAM
(Selvaraju et al., 2016).

Both take plain callables and modules, so they work on any differentiable PyTorch model.
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
import torch

from methods.hooks import Site, output_and_gradient

ScalarFn = Callable[[torch.Tensor], torch.Tensor]

RULES = ("gauss-legendre", "riemann-trapezoid", "riemann-midpoint", "riemann-left", "riemann-right")


def quadrature(steps: int, rule: str = "gauss-legendre") -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``alpha`` in [0, 1] and weights (summing to 1) for the path integral.

    Gauss-Legendre with ``n`` nodes integrates polynomials of degree ``2n - 1`` exactly; the
    trapezoid and midpoint rules integrate linear functions exactly.
    """
    if steps < 1:
        raise ValueError("steps must be >= 1")
    if rule == "gauss-legendre":
        t, w = np.polynomial.legendre.leggauss(steps)
        return (t + 1.0) / 2.0, w / 2.0
    if rule == "riemann-trapezoid":
        alphas = np.linspace(0.0, 1.0, steps + 1)
        w = np.full(steps + 1, 1.0 / steps)
        w[0] = w[-1] = 0.5 / steps
        return alphas, w
    if rule == "riemann-midpoint":
        return (np.arange(steps) + 0.5) / steps, np.full(steps, 1.0 / steps)
    if rule == "riemann-left":
        return np.arange(steps) / steps, np.full(steps, 1.0 / steps)
    if rule == "riemann-right":
        return (np.arange(steps) + 1.0) / steps, np.full(steps, 1.0 / steps)
    raise ValueError(f"unknown rule {rule!r}; choose one of {RULES}")


def integrated_gradients(
    f: ScalarFn,
    x: torch.Tensor,
    baseline: torch.Tensor | None = None,
    steps: int = 32,
    rule: str = "gauss-legendre",
    batch_size: int = 64,
) -> torch.Tensor:
    """Integrated gradients of a scalar function for one input.

    ``f`` maps a batch ``[M, *x.shape]`` to ``[M]`` scores (select the target logit inside
    ``f``); it must treat batch items independently (e.g. no batch-norm in training mode).
    ``x`` and ``baseline`` (default: zeros) have the input's shape without a batch dimension.
    Returns attributions of ``x``'s shape: ``(x - baseline) * integral_0^1 grad f(baseline +
    a (x - baseline)) da``, the integral taken with the given quadrature ``rule``. By the
    fundamental theorem of calculus they sum to ``f(x) - f(baseline)`` (completeness), exactly
    up to the quadrature error; see :func:`completeness_gap`.
    """
    baseline = torch.zeros_like(x) if baseline is None else baseline.to(x)
    alphas, weights = quadrature(steps, rule)
    alphas = torch.as_tensor(alphas, dtype=x.dtype)
    weights = torch.as_tensor(weights, dtype=x.dtype)
    diff = (x - baseline).detach()
    total = torch.zeros_like(x)
    shape = (-1,) + (1,) * x.dim()
    for start in range(0, len(alphas), batch_size):
        a = alphas[start : start + batch_size].view(shape)
        points = (baseline.detach() + a * diff).requires_grad_(True)
        with torch.enable_grad():
            (grad,) = torch.autograd.grad(f(points).sum(), points)
        total = total + (weights[start : start + batch_size].view(shape) * grad).sum(0)
    return diff * total


def completeness_gap(
    f: ScalarFn, x: torch.Tensor, attributions: torch.Tensor, baseline: torch.Tensor | None = None
) -> float:
    """``sum(attributions) - (f(x) - f(baseline))``: zero when integrated gradients is exact."""
    baseline = torch.zeros_like(x) if baseline is None else baseline.to(x)
    with torch.no_grad():
        delta = f(x.unsqueeze(0))[0] - f(baseline.unsqueeze(0))[0]
    return float(attributions.sum() - delta)


def tokens_to_grid(tokens: torch.Tensor, grid: tuple[int, int], skip: int = 1) -> torch.Tensor:
    """Turn ViT token states ``[B, skip + h*w, C]`` into a feature map ``[B, C, h, w]``."""
    b, _, c = tokens.shape
    return tokens[:, skip:].transpose(1, 2).reshape(b, c, *grid)


def grad_cam(
    f: ScalarFn,
    layer: Site,
    x: torch.Tensor,
    reshape: Callable[[torch.Tensor], torch.Tensor] | None = None,
    relu: bool = True,
) -> torch.Tensor:
    """Grad-CAM maps ``[B, H, W]`` for a batch.

    ``f`` maps the batch to the target class scores ``[B]``; ``layer`` is the module whose output
    ``A`` (``[B, K, H, W]``, or anything ``reshape`` turns into that, e.g. ViT tokens with
    :func:`tokens_to_grid`) is explained. Channel weights are the spatially averaged gradients
    ``alpha_k = mean_ij dScore/dA_kij``; the map is ``ReLU(sum_k alpha_k A_k)``.
    """
    acts, grads = output_and_gradient(f, layer, x)
    if reshape is not None:
        acts, grads = reshape(acts), reshape(grads)
    if not grads.any():
        warnings.warn(
            "Grad-CAM: the score's gradient is zero at every position of this layer, so the map is "
            "all zero; the output does not read these tokens (e.g. a ViT's last block, read only "
            "through [CLS]): choose an earlier layer",
            stacklevel=2,
        )
    weights = grads.mean(dim=(2, 3), keepdim=True)
    cam = (weights * acts).sum(dim=1)
    return cam.clamp(min=0) if relu else cam


def upsample(maps: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Nearest-neighbour upsampling of ``[B, h, w]`` maps to image size (keeps cells exact)."""
    return torch.nn.functional.interpolate(maps.unsqueeze(1), size=size, mode="nearest").squeeze(1)

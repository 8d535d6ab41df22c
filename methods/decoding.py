"""Visual contrastive decoding (Leng et al., 2024): contrast the next-token distribution given
the real image with the one given a distorted image, to down-weight answers driven by language
priors rather than visual evidence, within an adaptive plausibility constraint."""

from __future__ import annotations

import math

import torch


def contrastive_logits(
    logits: torch.Tensor, distorted_logits: torch.Tensor, alpha: float = 1.0, beta: float = 0.1
) -> torch.Tensor:
    """``(1 + alpha) * logits - alpha * distorted_logits`` over the last dim, with tokens whose
    original probability is below ``beta`` times the top probability set to ``-inf``
    (``beta = 0`` disables the constraint)."""
    out = (1 + alpha) * logits - alpha * distorted_logits
    if beta > 0:
        probs = logits.softmax(-1)
        plausible = probs >= beta * probs.amax(-1, keepdim=True)
        out = out.masked_fill(~plausible, float("-inf"))
    return out


def noise_schedule(total_steps: int = 1000) -> torch.Tensor:
    """Cumulative signal fractions ``alpha_bar_t`` of a diffusion forward process
    (a sigmoid schedule of betas between 1e-5 and 5e-3)."""
    betas = torch.sigmoid(torch.linspace(-6, 6, total_steps)) * (0.5e-2 - 1e-5) + 1e-5
    return torch.cumprod(1 - betas, dim=0)


def distort_image(images: torch.Tensor, noise_step: int = 500, total_steps: int = 1000, seed: int = 0) -> torch.Tensor:
    """Forward-diffuse images to step ``noise_step``: ``sqrt(a) x + sqrt(1 - a) eps``."""
    a = float(noise_schedule(total_steps)[noise_step])
    g = torch.Generator().manual_seed(seed)
    eps = torch.randn(images.shape, generator=g, dtype=images.dtype)
    return math.sqrt(a) * images + math.sqrt(1 - a) * eps

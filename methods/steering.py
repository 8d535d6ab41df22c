"""Activation steering / activation addition (Turner et al., 2023): add a direction to a layer's
output at inference time to push the model's behaviour, with no training. The direction here is
the difference of mean activations between two contrasting sets of inputs."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import torch
from torch import nn

from methods.hooks import edit_output


def steering_vector(positive_acts: torch.Tensor, negative_acts: torch.Tensor) -> torch.Tensor:
    """Mean activation of the positive examples minus that of the negative ones (over the batch
    dimension, i.e. ``[B, ...] -> [...]``)."""
    return positive_acts.detach().mean(0) - negative_acts.detach().mean(0)


@contextmanager
def steer(module: nn.Module, vector: torch.Tensor, strength: float = 1.0,
          positions: Sequence[int] | None = None, dim: int = 1) -> Iterator[None]:
    """Add ``strength * vector`` to ``module``'s output during forward passes in the block,
    at ``positions`` along ``dim`` (everywhere when ``None``). ``vector`` broadcasts against the
    output, e.g. ``[d]`` for every position or ``[N, d]`` per position."""

    def add(out: torch.Tensor) -> torch.Tensor:
        delta = strength * vector.to(out.dtype)
        if positions is None:
            return out + delta
        out = out.clone()
        idx = torch.as_tensor(list(positions), dtype=torch.long) % out.shape[dim]
        sel = out.index_select(dim, idx)
        return out.index_copy(dim, idx, sel + delta)

    with edit_output(module, add):
        yield

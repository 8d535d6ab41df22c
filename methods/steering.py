"""Activation steering / activation addition (Turner et al., 2023): add a direction to a layer's
output at inference time to push the model's behaviour, with no training. The direction here is
the difference of mean activations between two contrasting sets of inputs."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import torch

from methods.hooks import Site, edit_output, edit_positions


def steering_vector(positive_acts: torch.Tensor, negative_acts: torch.Tensor) -> torch.Tensor:
    """Mean activation of the positive examples minus that of the negative ones (over the batch
    dimension, i.e. ``[B, ...] -> [...]``)."""
    return positive_acts.detach().mean(0) - negative_acts.detach().mean(0)


@contextmanager
def steer(
    module: Site, vector: torch.Tensor, strength: float = 1.0, positions: Sequence[int] | None = None, dim: int = 1
) -> Iterator[None]:
    """Add ``strength * vector`` to the tensor at ``module`` (a module's output or
    :class:`~methods.hooks.InputOf` a module) during forward passes in the block, at ``positions``
    along ``dim`` (everywhere when ``None``). ``vector`` broadcasts against what it is added to:
    ``[d]`` for the same shift everywhere, or ``[N, d]`` per position when ``positions`` is None.

    Positions are absolute: on a Hugging Face decoder layer under ``generate()`` (KV cache),
    ``positions=[0, 1]`` steers the first two prompt tokens only, never the generated ones;
    ``-1`` is the newest token of each step.
    """
    if positions is None:
        with edit_output(module, lambda out: out + strength * vector.to(out.dtype)):
            yield
        return
    with edit_positions(module, positions, lambda sel, absolute: sel + strength * vector.to(sel.dtype), dim):
        yield

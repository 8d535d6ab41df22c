"""The logit lens (nostalgebraist, 2020): read every layer's residual stream with the model's own
final norm and unembedding, to see what the model "would predict" if it stopped there."""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from methods.hooks import record


def residual_stream(
    run: Callable[[], torch.Tensor], modules: Sequence[nn.Module]
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run ``run()`` and return its output plus the outputs of ``modules`` in order - pass the
    embedding hook and every block to get the residual stream before and after each block."""
    with record({str(i): m for i, m in enumerate(modules)}) as store:
        output = run()
    return output, [store[str(i)] for i in range(len(modules))]


def logit_lens(
    hidden_states: Sequence[torch.Tensor],
    final_norm: Callable[[torch.Tensor], torch.Tensor] | None,
    unembed: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """Decode each hidden state ``[..., d]`` to logits ``[..., V]``; returns ``[L, ..., V]``.

    Applied to the last block's output this is exactly the model's own read-out, so the lens at
    the last layer reproduces the model's logits.
    """
    norm = final_norm if final_norm is not None else (lambda h: h)
    return torch.stack([unembed(norm(h)) for h in hidden_states])


def lens_ranks(lens_logits: torch.Tensor, target: torch.Tensor | int) -> torch.Tensor:
    """Rank (0 = top) of ``target`` token in each layer's lens logits ``[L, ..., V]``."""
    target = torch.as_tensor(target)
    tgt = lens_logits.gather(-1, target.expand(lens_logits.shape[:-1]).unsqueeze(-1))
    return (lens_logits > tgt).sum(-1)

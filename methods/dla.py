"""Direct logit attribution: split a logit into the additive contributions of the components that
write into the residual stream (embeddings, attention layers or heads, MLPs), following the
residual-stream view of Elhage et al. (2021) and the CLIP decomposition of Gandelsman et al.

With a pre-norm transformer the final residual stream is the sum of component outputs. The final
LayerNorm is linear once its scale ``1/sqrt(var + eps)`` is frozen at the value computed from the
full residual, so each component's share of the logit is
``s * w_t . (gamma * (c - mean(c)))`` and the shares sum to the logit minus the bias term
``w_t . beta + b_t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import torch
from torch import nn


@dataclass
class LogitAttribution:
    contributions: dict[str, torch.Tensor]  # component -> its share of the logit
    bias: torch.Tensor  # w_t . beta + b_t: the part no component writes
    logit: torch.Tensor  # the logit recomputed from the summed residual stream
    scale: torch.Tensor  # the frozen LayerNorm scale 1/sqrt(var + eps)

    def total(self) -> torch.Tensor:
        return sum(self.contributions.values())


def direct_logit_attribution(components: Mapping[str, torch.Tensor], final_norm: nn.LayerNorm | None,
                             unembed_weight: torch.Tensor, token: int,
                             unembed_bias: torch.Tensor | None = None) -> LogitAttribution:
    """Attribute the logit of ``token`` to residual-stream components.

    ``components`` maps names to tensors ``[..., d]`` that sum to the final residual stream (the
    position(s) being read out); ``final_norm`` is the model's final LayerNorm (or ``None``);
    ``unembed_weight`` is ``[V, d]`` as in ``nn.Linear``.
    """
    resid = sum(components.values())
    w = unembed_weight[token]
    b = unembed_bias[token] if unembed_bias is not None else torch.zeros((), dtype=w.dtype)
    if final_norm is None:
        scale = torch.ones(resid.shape[:-1], dtype=resid.dtype)
        contributions = {k: c @ w for k, c in components.items()}
        bias = b
        logit = resid @ w + b
    else:
        var = resid.var(dim=-1, unbiased=False)
        scale = (var + final_norm.eps).rsqrt()
        gamma = final_norm.weight if final_norm.weight is not None else torch.ones_like(w)
        beta = final_norm.bias if final_norm.bias is not None else torch.zeros_like(w)
        contributions = {k: scale * (((c - c.mean(-1, keepdim=True)) * gamma) @ w)
                         for k, c in components.items()}
        bias = beta @ w + b
        logit = final_norm(resid) @ w + b
    return LogitAttribution(contributions, bias, logit, scale)


def split_heads(head_outputs: torch.Tensor, out_proj: nn.Linear) -> tuple[torch.Tensor, torch.Tensor]:
    """Write an attention layer's output as a sum over heads.

    ``head_outputs`` ``[..., H, d_head]`` are the per-head mixes before the output projection
    ``out_proj`` (``d = H * d_head``). Returns per-head residual writes ``[..., H, d]`` and the
    projection bias ``[d]``; their sum equals ``out_proj(concat(heads))``.
    """
    h, dh = head_outputs.shape[-2:]
    w = out_proj.weight.view(out_proj.out_features, h, dh)  # [d, H, dh]
    per_head = torch.einsum("...hk,dhk->...hd", head_outputs, w)
    bias = out_proj.bias if out_proj.bias is not None else torch.zeros(out_proj.out_features)
    return per_head, bias

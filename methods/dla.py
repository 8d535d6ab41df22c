"""Direct logit attribution: split a logit into the additive contributions of the components that
write into the residual stream (embeddings, attention layers or heads, MLPs), following the
residual-stream view of Elhage et al. (2021) and the CLIP decomposition of Gandelsman et al.

With a pre-norm transformer the final residual stream is the sum of component outputs. The final
norm is linear once its scale is frozen at the value computed from the full residual:
``s = 1/sqrt(var + eps)`` for LayerNorm, ``s = 1/sqrt(mean(x^2) + eps)`` for RMSNorm (Llama,
Qwen, Mistral: no centring, no bias). Each component's share of the logit is then
``s * w_t . (gamma * (c - mean(c)))`` (LayerNorm) or ``s * w_t . (gamma * c)`` (RMSNorm), and the
shares sum to the logit minus the bias term ``w_t . beta + b_t``.
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
    scale: torch.Tensor  # the frozen norm scale 1/sqrt(var + eps) or 1/sqrt(mean(x^2) + eps)

    def total(self) -> torch.Tensor:
        return sum(self.contributions.values())


@dataclass
class NormParts:
    kind: str  # "layer" (centre, then divide by the std) or "rms" (divide by the root mean square)
    eps: float | None  # None: torch.nn.RMSNorm's default, the dtype's machine epsilon
    weight: torch.Tensor | None  # gamma (already including any "1 +" offset)
    bias: torch.Tensor | None  # beta (LayerNorm only)


def norm_parts(norm: nn.Module) -> NormParts:
    """Read a final norm's kind and parameters: ``nn.LayerNorm``, ``nn.RMSNorm`` and the
    Hugging Face RMSNorm classes (``variance_epsilon``; Gemma's scale is ``1 + weight``)."""
    name = type(norm).__name__
    if isinstance(norm, nn.LayerNorm) or name.endswith("LayerNorm") and hasattr(norm, "eps"):
        return NormParts("layer", norm.eps, norm.weight, getattr(norm, "bias", None))
    if isinstance(norm, nn.RMSNorm) or name.endswith("RMSNorm"):
        eps = getattr(norm, "variance_epsilon", getattr(norm, "eps", None))
        weight = getattr(norm, "weight", None)
        if weight is not None and name.startswith("Gemma"):  # Gemma scales by (1 + weight)
            weight = 1.0 + weight
        return NormParts("rms", eps, weight, None)
    raise TypeError(f"direct logit attribution cannot fold a {name}: only LayerNorm and RMSNorm are supported")


def frozen_norm_scale(resid: torch.Tensor, parts: NormParts) -> torch.Tensor:
    """The factor the norm divides the full residual by, computed once and then held fixed."""
    eps = parts.eps if parts.eps is not None else torch.finfo(resid.dtype).eps
    spread = resid.var(dim=-1, unbiased=False) if parts.kind == "layer" else resid.pow(2).mean(-1)
    return (spread + eps).rsqrt()


def direct_logit_attribution(
    components: Mapping[str, torch.Tensor],
    final_norm: nn.Module | None,
    unembed_weight: torch.Tensor,
    token: int,
    unembed_bias: torch.Tensor | None = None,
) -> LogitAttribution:
    """Attribute the logit of ``token`` to residual-stream components.

    ``components`` maps names to tensors ``[..., d]`` that sum to the final residual stream (the
    position(s) being read out); ``final_norm`` is the model's final LayerNorm or RMSNorm (or
    ``None``); ``unembed_weight`` is ``[V, d]`` as in ``nn.Linear``.
    """
    resid = sum(components.values())
    w = unembed_weight[token]
    b = unembed_bias[token] if unembed_bias is not None else torch.zeros((), dtype=w.dtype)
    if final_norm is None:
        scale = torch.ones(resid.shape[:-1], dtype=resid.dtype)
        contributions = {k: c @ w for k, c in components.items()}
        return LogitAttribution(contributions, b, resid @ w + b, scale)
    parts = norm_parts(final_norm)
    scale = frozen_norm_scale(resid, parts)
    gamma = parts.weight if parts.weight is not None else torch.ones_like(w)
    beta = parts.bias if parts.bias is not None else torch.zeros_like(w)

    def centred(c: torch.Tensor) -> torch.Tensor:
        return c - c.mean(-1, keepdim=True) if parts.kind == "layer" else c

    contributions = {k: scale * ((centred(c) * gamma) @ w) for k, c in components.items()}
    return LogitAttribution(contributions, beta @ w + b, final_norm(resid) @ w + b, scale)


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

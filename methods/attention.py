"""Attention-based explanations for transformers.

* :func:`attention_rollout` and :func:`attention_flow` (Abnar & Zuidema, 2020) propagate raw
  attention through the layers, treating the residual connection as half of each layer's mixing;
* :func:`gradient_attention_relevancy` (Chefer, Gur & Wolf, 2021) weights each layer's attention
  by its gradient w.r.t. the target before propagating, which makes the map class-specific and
  applies to single-stream multimodal transformers (image and text tokens in one sequence).

All functions take plain tensors: per-layer attention probabilities ``[H, N, N]`` or
``[B, H, N, N]`` (row ``i`` = how token ``i`` reads the others), in layer order. Use
:func:`attention_and_gradients` to collect them from any model with a hookable module that
outputs attention probabilities (``output_attentions`` tensors from other libraries work too).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from methods.hooks import record


def fuse_heads(attention: torch.Tensor, head_fusion: str = "mean") -> torch.Tensor:
    """Combine the head dimension (``-3``) of attention probabilities: mean, max or min."""
    if head_fusion == "mean":
        return attention.mean(dim=-3)
    if head_fusion == "max":
        return attention.amax(dim=-3)
    if head_fusion == "min":
        return attention.amin(dim=-3)
    raise ValueError(f"unknown head_fusion {head_fusion!r}; use mean, max or min")


def mixing_matrix(attention: torch.Tensor, head_fusion: str = "mean", add_residual: bool = True) -> torch.Tensor:
    """One layer's token-mixing matrix: ``0.5 A + 0.5 I`` (residual), rows renormalised to 1."""
    a = fuse_heads(attention, head_fusion)
    if add_residual:
        eye = torch.eye(a.shape[-1], dtype=a.dtype, device=a.device)
        a = 0.5 * a + 0.5 * eye
    return a / a.sum(dim=-1, keepdim=True)


def attention_rollout(
    attentions: Sequence[torch.Tensor], head_fusion: str = "mean", add_residual: bool = True
) -> torch.Tensor:
    """Attention rollout: the product ``M_L ... M_2 M_1`` of the layers' mixing matrices.

    Row ``i`` of the result ``[..., N, N]`` says how much output token ``i`` draws from each
    input token. Each mixing matrix is row-stochastic, hence so is the product.
    """
    result = None
    for attention in attentions:
        m = mixing_matrix(attention, head_fusion, add_residual)
        result = m if result is None else m @ result
    if result is None:
        raise ValueError("attention_rollout needs at least one layer")
    return result


# --------------------------------------------------------------------------- max-flow


@dataclass
class MaxFlow:
    value: float  # total flow from source to sink
    flow: np.ndarray  # [V, V] flow on each edge (0 <= flow <= capacity)
    source_side: np.ndarray  # [V] bool, the minimum cut's source side (reachable in residual graph)
    cut_capacity: float  # capacity of that cut; equals ``value`` (max-flow min-cut theorem)


def max_flow(capacity: np.ndarray, source: int, sink: int, tol: float = 1e-12) -> MaxFlow:
    """Maximum flow on a dense capacity matrix (Edmonds-Karp: shortest augmenting paths).

    Also returns the minimum cut read off the final residual graph, whose capacity equals the
    flow value - a certificate that the flow is maximal.
    """
    cap = np.asarray(capacity, dtype=np.float64)
    n = cap.shape[0]
    flow = np.zeros_like(cap)
    value = 0.0
    while True:
        residual = cap - flow + flow.T * (cap.T > 0)  # forward slack + undo of reverse flow
        parent = np.full(n, -1)
        parent[source] = source
        queue = deque([source])
        while queue and parent[sink] < 0:
            u = queue.popleft()
            for v in np.nonzero((residual[u] > tol) & (parent < 0))[0]:
                parent[v] = u
                queue.append(v)
        if parent[sink] < 0:
            break
        path, v = [], sink
        while v != source:
            path.append((parent[v], v))
            v = parent[v]
        push = min(residual[u, v] for u, v in path)
        for u, v in path:
            back = min(push, flow[v, u])  # first cancel flow running the other way
            flow[v, u] -= back
            flow[u, v] += push - back
        value += push
    reachable = parent >= 0
    cut = float(cap[np.ix_(reachable, ~reachable)].sum())
    return MaxFlow(value, flow, reachable, cut)


@dataclass
class AttentionFlow:
    values: np.ndarray  # [len(output_tokens), N] flow from each input token to each output token
    output_tokens: list[int]
    capacity: np.ndarray  # [(L+1) N, (L+1) N] the layered graph; node l*N + i = token i at layer l
    n_tokens: int


MAX_FLOW_NODES = 1024  # (L+1) N graph nodes: a 8 MB dense capacity matrix, and seconds per max-flow


def check_flow_size(layers: int, n_tokens: int, max_nodes: int = MAX_FLOW_NODES) -> None:
    """Refuse graphs whose dense capacity matrix and max-flow runs would not fit a normal budget."""
    nodes = (layers + 1) * n_tokens
    if nodes > max_nodes:
        gigabytes = nodes * nodes * 8 / 1e9
        raise ValueError(
            f"attention flow over {layers} layers x {n_tokens} tokens needs a graph of {nodes} nodes "
            f"({gigabytes:.2g} GB as a dense matrix, and {n_tokens} max-flow runs per output token); "
            f"the limit is max_nodes={max_nodes}. Use fewer layers or tokens (e.g. pool image patches), "
            "raise max_nodes, or use attention_rollout, which scales to any size"
        )


def flow_graph(
    attentions: Sequence[torch.Tensor],
    head_fusion: str = "mean",
    add_residual: bool = True,
    max_nodes: int = MAX_FLOW_NODES,
) -> np.ndarray:
    """The layered DAG of attention flow for one example: an edge from token ``j`` at layer ``l``
    to token ``i`` at layer ``l + 1`` with capacity ``M_l[i, j]`` (the mixing matrix). Raises a
    ``ValueError`` when the graph has more than ``max_nodes`` nodes."""
    if attentions[0].dim() != 3:
        raise ValueError("attention_flow explains one example: pass [H, N, N] tensors")
    check_flow_size(len(attentions), attentions[0].shape[-1], max_nodes)
    mats = [mixing_matrix(a.detach().double(), head_fusion, add_residual).numpy() for a in attentions]
    n, layers = mats[0].shape[0], len(mats)
    cap = np.zeros(((layers + 1) * n, (layers + 1) * n))
    for layer, m in enumerate(mats):
        cap[layer * n : (layer + 1) * n, (layer + 1) * n : (layer + 2) * n] = m.T
    return cap


def attention_flow(
    attentions: Sequence[torch.Tensor],
    output_tokens: Sequence[int] = (0,),
    head_fusion: str = "mean",
    add_residual: bool = True,
    max_nodes: int = MAX_FLOW_NODES,
) -> AttentionFlow:
    """Attention flow: the maximum flow from each input token to each chosen output token
    through the layered attention graph (one example; attentions ``[H, N, N]`` per layer).
    Graphs above ``max_nodes`` nodes are refused with a message (see :func:`check_flow_size`)."""
    cap = flow_graph(attentions, head_fusion, add_residual, max_nodes)
    n = attentions[0].shape[-1]
    top = len(attentions) * n
    values = np.array([[max_flow(cap, j, top + i).value for j in range(n)] for i in output_tokens])
    return AttentionFlow(values, list(output_tokens), cap, n)


# --------------------------------------------------------------------------- Chefer et al.


def attention_and_gradients(
    score_fn: Callable[[], torch.Tensor], attention_modules: Sequence[nn.Module]
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Run ``score_fn()`` (returning a scalar, e.g. the target logit) while recording the output
    of each module that emits attention probabilities; return the attentions and the
    gradients of the score with respect to them, in layer order."""
    with torch.enable_grad(), record({str(i): m for i, m in enumerate(attention_modules)}) as store:
        score = score_fn()
        attentions = [store[str(i)] for i in range(len(attention_modules))]
        grads = torch.autograd.grad(score, attentions)
    return [a.detach() for a in attentions], [g.detach() for g in grads]


def gradient_attention_relevancy(attentions: Sequence[torch.Tensor], gradients: Sequence[torch.Tensor]) -> torch.Tensor:
    """Relevancy map of Chefer et al. (2021) for self-attention layers.

    Starting from ``R = I``, each layer updates ``R <- R + Abar R`` with
    ``Abar = mean_heads((dScore/dA * A)^+)``; i.e. ``R = prod_l (I + Abar_l)``. Row ``i`` of
    ``R`` ``[..., N, N]`` is the relevance of every input token for token ``i``'s output.
    """
    r = None
    for a, g in zip(attentions, gradients, strict=True):
        abar = (g * a).clamp(min=0).mean(dim=-3)
        if r is None:
            r = torch.eye(abar.shape[-1], dtype=abar.dtype).expand_as(abar).clone()
        r = r + abar @ r
    if r is None:
        raise ValueError("gradient_attention_relevancy needs at least one layer")
    return r

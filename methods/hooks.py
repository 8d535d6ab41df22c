"""Small, model-agnostic hook utilities: record a hook site's tensor, or replace it.

A *site* is either a module (its output) or :class:`InputOf` a module (the hidden states it
receives). When a module returns a tuple (as many Hugging Face layers do), the first element is
taken as "the output", which is the hidden state there. Sites that receive ``cache_position``
(Hugging Face decoder layers and their attention modules) let :func:`edit_positions` address
absolute sequence positions, also while ``generate()`` feeds one new token at a time.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping, Sequence

import torch
from torch import nn


@dataclass(frozen=True, eq=False)
class InputOf:
    """The hidden states entering ``module`` (its first argument, or ``hidden_states=``).

    For a decoder's first layer this is the residual stream before any block; in LLaVA-style
    models it is the only place where the merged image features (not the ``<image>``
    placeholder embeddings) can be read or patched.
    """

    module: nn.Module


Site = nn.Module | InputOf
# an edit function sees the site's tensor and the hook's keyword arguments (for cache_position)
EditFn = Callable[[torch.Tensor, dict], torch.Tensor | None]


def _first(output):
    return output[0] if isinstance(output, tuple) else output


def _replace_first(output, new):
    return (new, *output[1:]) if isinstance(output, tuple) else new


def _attach(site: Site, fn: EditFn, prepend: bool = False):
    """Register ``fn`` on ``site``; a non-None return value replaces the tensor there."""
    if isinstance(site, InputOf):

        def pre_hook(module, args, kwargs):
            if args:
                new = fn(args[0], kwargs)
                return None if new is None else ((new, *args[1:]), kwargs)
            new = fn(kwargs["hidden_states"], kwargs)
            return None if new is None else (args, {**kwargs, "hidden_states": new})

        return site.module.register_forward_pre_hook(pre_hook, with_kwargs=True, prepend=prepend)

    def hook(module, args, kwargs, output):
        new = fn(_first(output), kwargs)
        return None if new is None else _replace_first(output, new)

    return site.register_forward_hook(hook, with_kwargs=True, prepend=prepend)


@contextmanager
def _attached(pairs: Sequence[tuple[Site, EditFn]], prepend: bool = False) -> Iterator[None]:
    handles = []
    try:
        for site, fn in pairs:
            handles.append(_attach(site, fn, prepend))
        yield
    finally:
        for h in handles:
            h.remove()


@contextmanager
def record(
    sites: Mapping[str, Site], *, retain_grad: bool = False, detach: bool = False
) -> Iterator[dict[str, torch.Tensor]]:
    """Record the tensor at each named site during the forward passes run inside the block.

    Yields a dict filled as the modules run (the last call wins). With ``retain_grad=True`` the
    recorded tensors keep their ``.grad`` after ``backward()``, so the same dict gives both the
    activations and their gradients.
    """
    store: dict[str, torch.Tensor] = {}

    def keep(name: str) -> EditFn:
        def fn(out, kwargs):
            if retain_grad and out.requires_grad:
                out.retain_grad()
            store[name] = out.detach() if detach else out

        return fn

    with _attached([(site, keep(name)) for name, site in sites.items()]):
        yield store


@contextmanager
def edit_output(site: Site, fn: Callable[[torch.Tensor], torch.Tensor], prepend: bool = False) -> Iterator[None]:
    """Replace the tensor at ``site`` by ``fn(tensor)`` during forward passes inside the block
    (``prepend=True`` runs this edit before edits registered earlier on the same site)."""
    with _attached([(site, lambda out, kwargs: fn(out))], prepend):
        yield


def step_offset(kwargs: dict) -> int | None:
    """Absolute position of the first token of this forward call, when the site is told it
    (``cache_position``, passed by Hugging Face decoders); ``None`` otherwise."""
    cache_position = kwargs.get("cache_position")
    return None if cache_position is None else int(cache_position.reshape(-1)[0])


def local_positions(positions: Sequence[int], length: int, offset: int | None) -> tuple[list[int], list[int]]:
    """Map absolute ``positions`` to indices in a call that covers ``length`` tokens.

    With a known ``offset`` (KV cache: ``offset`` tokens came in earlier calls) the sequence so
    far has ``offset + length`` tokens; negative positions count from its end, and positions
    outside this call are skipped (they are in the cache, or not generated yet). Without an
    offset the call is the whole sequence and a position outside it is an error rather than
    being wrapped around. Returns the local indices and the matching absolute positions.
    """
    total = (offset or 0) + length
    local, absolute = [], []
    for p in positions:
        a = p + total if p < 0 else p
        if offset is None and not 0 <= a < length:
            raise IndexError(
                f"position {p} is outside a sequence of {length} tokens (and this hook site "
                "receives no cache_position to say where the call starts)"
            )
        if (offset or 0) <= a < total and a - (offset or 0) not in local:
            local.append(a - (offset or 0))
            absolute.append(a)
    return local, absolute


@contextmanager
def edit_positions(
    site: Site,
    positions: Sequence[int],
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    dim: int = 1,
    prepend: bool = False,
) -> Iterator[None]:
    """Replace the slices of ``site``'s tensor at absolute ``positions`` along ``dim`` by
    ``fn(selected, absolute_positions)`` (see :func:`local_positions` for how positions are
    read); other positions are left untouched."""

    def edit(out: torch.Tensor, kwargs: dict) -> torch.Tensor | None:
        local, absolute = local_positions(positions, out.shape[dim], step_offset(kwargs))
        if not local:
            return None
        idx = torch.as_tensor(local, dtype=torch.long, device=out.device)
        new = fn(out.index_select(dim, idx), torch.as_tensor(absolute, dtype=torch.long, device=out.device))
        return out.index_copy(dim, idx, new.to(out.dtype))

    with _attached([(site, edit)], prepend):
        yield


def output_and_gradient(
    score_fn: Callable[[torch.Tensor], torch.Tensor], layer: Site, inputs
) -> tuple[torch.Tensor, torch.Tensor]:
    """The tensor at ``layer`` on ``inputs`` and the gradient of ``score_fn(inputs).sum()`` with
    respect to it, both detached.

    The site's tensor is swapped for a detached copy that requires grad, so the gradient exists
    on frozen models, inside ``torch.no_grad()`` and for integer inputs (token ids) alike; the
    derivative with respect to the site is the same as without the swap.
    """
    with torch.enable_grad(), gradient_leaves({"out": layer}) as store:
        score = score_fn(inputs)
        (grad,) = torch.autograd.grad(score.sum(), store["out"])
    return store["out"].detach(), grad.detach()


@contextmanager
def gradient_leaves(sites: Mapping[str, Site]) -> Iterator[dict[str, torch.Tensor]]:
    """Like :func:`record`, but each recorded tensor is a fresh leaf that requires grad and
    replaces the original downstream: gradients with respect to it can always be taken."""
    store: dict[str, torch.Tensor] = {}

    def leaf(name: str) -> EditFn:
        def fn(out, kwargs):
            store[name] = out.detach().requires_grad_(True)
            return store[name]

        return fn

    with _attached([(site, leaf(name)) for name, site in sites.items()]):
        yield store

"""Small, model-agnostic hook utilities: record a module's output, or replace it.

They work on any ``torch.nn.Module``. When a module returns a tuple (as many Hugging Face
layers do), the first element is taken as "the output", which is the hidden state there.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Mapping

import torch
from torch import nn


def _first(output):
    return output[0] if isinstance(output, tuple) else output


def _replace_first(output, new):
    return (new, *output[1:]) if isinstance(output, tuple) else new


@contextmanager
def record(modules: Mapping[str, nn.Module], *, retain_grad: bool = False,
           detach: bool = False) -> Iterator[dict[str, torch.Tensor]]:
    """Record the output of each named module during the forward passes run inside the block.

    Yields a dict filled as the modules run (the last call wins). With ``retain_grad=True`` the
    recorded tensors keep their ``.grad`` after ``backward()``, so the same dict gives both the
    activations and their gradients.
    """
    store: dict[str, torch.Tensor] = {}
    handles = []

    def make_hook(name: str):
        def hook(module, inputs, output):
            out = _first(output)
            if retain_grad and out.requires_grad:
                out.retain_grad()
            store[name] = out.detach() if detach else out
        return hook

    try:
        for name, module in modules.items():
            handles.append(module.register_forward_hook(make_hook(name)))
        yield store
    finally:
        for h in handles:
            h.remove()


@contextmanager
def edit_output(module: nn.Module, fn: Callable[[torch.Tensor], torch.Tensor]) -> Iterator[None]:
    """Replace ``module``'s output by ``fn(output)`` during forward passes inside the block."""

    def hook(mod, inputs, output):
        return _replace_first(output, fn(_first(output)))

    handle = module.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def output_and_gradient(score_fn: Callable[[torch.Tensor], torch.Tensor], layer: nn.Module,
                        inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``layer``'s output on ``inputs`` and the gradient of ``score_fn(inputs).sum()`` with respect
    to it, both detached. Works on frozen models and inside ``torch.no_grad()``."""
    if inputs.is_floating_point():  # so gradients exist even if the model's weights are frozen
        inputs = inputs.detach().requires_grad_(True)
    with torch.enable_grad(), record({"out": layer}) as store:
        score = score_fn(inputs)
        output = store["out"]
        (grad,) = torch.autograd.grad(score.sum(), output)
    return output.detach(), grad.detach()

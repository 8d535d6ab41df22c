"""Activation patching / causal tracing (Meng et al., 2022; Vig et al., 2020).

Run the model on a corrupted input, but restore one module's output at some positions to its
value from the clean run, and measure how much of the clean behaviour comes back. Repeating
this over layers and positions locates where the information that decides the output lives.

The runs are zero-argument callables, so any model and any corruption work: a different
prompt or image, or (as in causal tracing) the same input with noise added to some embeddings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import nn

from methods.hooks import edit_output, record

Run = Callable[[], torch.Tensor]
Metric = Callable[[torch.Tensor], torch.Tensor | float]


def record_activations(run: Run, modules: Sequence[nn.Module]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Output of ``run()`` and the (detached) outputs of ``modules``."""
    with torch.no_grad(), record({str(i): m for i, m in enumerate(modules)}, detach=True) as store:
        out = run()
    return out, [store[str(i)] for i in range(len(modules))]


def run_with_patch(run: Run, module: nn.Module, value: torch.Tensor,
                   positions: Sequence[int] | None = None, dim: int = 1) -> torch.Tensor:
    """Run with ``module``'s output replaced by ``value`` at ``positions`` along ``dim``
    (all of it when ``positions`` is None)."""

    def patch(out: torch.Tensor) -> torch.Tensor:
        if positions is None:
            return value.to(out.dtype).expand_as(out).clone()
        out = out.clone()
        idx = torch.as_tensor(list(positions), dtype=torch.long) % out.shape[dim]
        out.index_copy_(dim, idx, value.index_select(dim, idx).to(out.dtype))
        return out

    with torch.no_grad(), edit_output(module, patch):
        return run()


@dataclass
class PatchingResult:
    effects: torch.Tensor  # [n_modules, n_positions] metric of the patched corrupted run
    clean: float  # metric of the clean run
    corrupted: float  # metric of the corrupted run
    positions: list[int]

    def normalized(self) -> torch.Tensor:
        """Fraction of the clean-vs-corrupted gap each patch recovers (1 = fully restored)."""
        gap = self.clean - self.corrupted
        return (self.effects - self.corrupted) / gap if gap != 0 else torch.zeros_like(self.effects)


def activation_patching(clean_run: Run, corrupted_run: Run, modules: Sequence[nn.Module], metric: Metric,
                        positions: Sequence[int] | None = None, dim: int = 1) -> PatchingResult:
    """Patch each module's clean output, one position at a time, into the corrupted run.

    ``metric`` maps a run's output to a number (e.g. the logit difference of the right and the
    wrong answer). ``positions`` defaults to every position along ``dim`` of the first module.
    """
    clean_out, clean_acts = record_activations(clean_run, modules)
    with torch.no_grad():
        corrupted_out = corrupted_run()
    positions = list(range(clean_acts[0].shape[dim])) if positions is None else list(positions)
    effects = torch.zeros(len(modules), len(positions), dtype=torch.float64)
    for i, (module, act) in enumerate(zip(modules, clean_acts)):
        for j, p in enumerate(positions):
            effects[i, j] = float(metric(run_with_patch(corrupted_run, module, act, [p], dim)))
    return PatchingResult(effects, float(metric(clean_out)), float(metric(corrupted_out)), positions)

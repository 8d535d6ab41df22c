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

from methods.hooks import Site, edit_output, edit_positions, local_positions, record

Run = Callable[..., torch.Tensor]
Metric = Callable[[torch.Tensor], torch.Tensor | float]


def record_activations(run: Run, modules: Sequence[Site]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Output of ``run()`` and the (detached) tensors at ``modules`` (modules or ``InputOf``)."""
    with torch.no_grad(), record({str(i): m for i, m in enumerate(modules)}, detach=True) as store:
        out = run()
    return out, [store[str(i)] for i in range(len(modules))]


def run_with_patch(
    run: Run, module: Site, value: torch.Tensor, positions: Sequence[int] | None = None, dim: int = 1
) -> torch.Tensor:
    """Run with the tensor at ``module`` replaced by ``value`` at ``positions`` along ``dim``
    (all of it when ``positions`` is None). Positions are absolute sequence positions, also
    under ``generate()`` on Hugging Face decoder layers (see :func:`methods.hooks.local_positions`)."""
    with torch.no_grad():
        if positions is None:
            with edit_output(module, lambda out: value.to(out.dtype).expand_as(out).clone()):
                return run()
        with edit_positions(module, positions, lambda sel, absolute: value.index_select(dim, absolute), dim):
            return run()


def run_with_patch_per_copy(
    run: Run, module: Site, value: torch.Tensor, positions: Sequence[int], dim: int = 1
) -> list[float | torch.Tensor]:
    """One batched forward ``run(len(positions))`` over copies of the corrupted input, copy ``k``
    patched with ``value`` (a batch of one, from the clean run) at ``positions[k]`` only.
    Returns the outputs of the copies, each with a batch dimension of one."""
    if dim != 1:
        raise ValueError("batched patching needs the batch on dim 0 and positions on dim 1")

    def patch(out: torch.Tensor) -> torch.Tensor:
        out = out.clone()
        for k, p in enumerate(positions):
            local, absolute = local_positions([p], out.shape[1], None)
            out[k, local[0]] = value[0, absolute[0]].to(out.dtype)
        return out

    with torch.no_grad(), edit_output(module, patch):
        out = run(len(positions))
    return [out[k : k + 1] for k in range(len(positions))]


@dataclass
class PatchingResult:
    effects: torch.Tensor  # [n_modules, n_positions] metric of the patched corrupted run
    clean: float  # metric of the clean run
    corrupted: float  # metric of the corrupted run (mean over corruption draws)
    positions: list[int]

    def normalized(self) -> torch.Tensor:
        """Fraction of the clean-vs-corrupted gap each patch recovers (1 = fully restored)."""
        gap = self.clean - self.corrupted
        return (self.effects - self.corrupted) / gap if gap != 0 else torch.zeros_like(self.effects)


def _patch_row(
    corrupted_runs: Sequence[Run],
    module: Site,
    act: torch.Tensor,
    positions: list[int],
    metric: Metric,
    dim: int,
    batch_size: int,
) -> torch.Tensor:
    """Metric of each single-position patch at ``module``, averaged over the corruption draws."""
    row = torch.zeros(len(positions), dtype=torch.float64)
    for run in corrupted_runs:
        if batch_size <= 1:
            outs = [run_with_patch(run, module, act, [p], dim) for p in positions]
        else:
            outs = [
                out
                for start in range(0, len(positions), batch_size)
                for out in run_with_patch_per_copy(run, module, act, positions[start : start + batch_size], dim)
            ]
        row += torch.tensor([float(metric(out)) for out in outs], dtype=torch.float64)
    return row / len(corrupted_runs)


def activation_patching(
    clean_run: Run,
    corrupted_run: Run | Sequence[Run],
    modules: Sequence[Site],
    metric: Metric,
    positions: Sequence[int] | None = None,
    dim: int = 1,
    batch_size: int = 1,
) -> PatchingResult:
    """Patch each module's clean output, one position at a time, into the corrupted run.

    ``metric`` maps a run's output (batch of one) to a number, e.g. the logit difference of the
    right and the wrong answer. ``positions`` defaults to every position along ``dim`` of the
    first module. ``corrupted_run`` may be a list of runs (e.g. the noise draws of
    :func:`noise_corruptions`): metrics are then averaged over them, as in causal tracing.

    With ``batch_size > 1`` each corrupted run is called as ``run(n)`` and must return the
    outputs of ``n`` copies of the corrupted input (batch on dim 0); up to ``batch_size``
    positions are then patched in one forward pass, one per copy. The clean run must be a
    batch of one.
    """
    runs = list(corrupted_run) if isinstance(corrupted_run, (list, tuple)) else [corrupted_run]
    clean_out, clean_acts = record_activations(clean_run, modules)
    with torch.no_grad():
        corrupted = sum(float(metric(run())) for run in runs) / len(runs)
    positions = list(range(clean_acts[0].shape[dim])) if positions is None else list(positions)
    effects = torch.stack(
        [
            _patch_row(runs, module, act, positions, metric, dim, batch_size)
            for module, act in zip(modules, clean_acts, strict=True)
        ]
    )
    return PatchingResult(effects, float(metric(clean_out)), corrupted, positions)


def noise_corruptions(
    run: Run, site: Site, positions: Sequence[int], std: float, n_draws: int = 10, scale: float = 3.0, seed: int = 0
) -> list[Run]:
    """Causal tracing's corrupted runs (Meng et al., 2022): ``run`` with Gaussian noise of
    standard deviation ``scale * std`` added to the tensor at ``site`` (e.g. the input
    embeddings) at ``positions`` (e.g. the subject's tokens or the image's tokens).

    One run per draw; each draw's noise is fixed (seeded) and shared by every copy of a batch,
    so the corrupted baseline and each patched run see the same corruption. Meng et al. take
    ``std`` as the standard deviation of the embeddings and ``scale = 3``. The noise is added
    before any patch on the same site (so patching the site itself restores the clean value).
    Each run accepts the same arguments as ``run`` (e.g. ``n`` copies for batched patching).
    """

    def draw_run(k: int) -> Run:
        def add_noise(sel: torch.Tensor, absolute: torch.Tensor) -> torch.Tensor:
            g = torch.Generator().manual_seed(seed * 100_003 + k)
            noise = torch.randn(sel.shape[1:], generator=g, dtype=torch.float64)  # [k, d]: same for every copy
            return sel + (scale * std * noise).to(sel.dtype)

        def corrupted(*args, **kwargs):
            with edit_positions(site, positions, add_noise, prepend=True):
                return run(*args, **kwargs)

        return corrupted

    return [draw_run(k) for k in range(n_draws)]

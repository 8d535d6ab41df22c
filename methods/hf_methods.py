"""Every method on a Hugging Face model, one call each, through :mod:`methods.hf`.

>>> hfm = adapt(LlavaForConditionalGeneration.from_pretrained(path))
>>> lens = logit_lens(hfm, inputs)                       # [L + 1, B, N, V]
>>> dla = direct_logit_attribution(hfm, inputs, token)  # contributions sum to the logit

``inputs`` is a dict of model keyword arguments for one example (a processor's output, or
:func:`methods.hf.example_inputs`); ``image`` arguments are the normalised image ``[C, H, W]``
the pixel inputs are made from. Positions are sequence positions of the language model's input
(for ViT and CLIP: of the vision tokens, [CLS] first).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import torch

from methods import attention, attribution, patching, shapley, steering
from methods.decoding import contrastive_logits, distort_image
from methods.dla import LogitAttribution
from methods.dla import direct_logit_attribution as _dla
from methods.hf import HFAdapterError, HFModel, Inputs
from methods.hooks import InputOf, gradient_leaves, output_and_gradient, record


def _score_fn(hfm: HFModel, inputs: Inputs, target: int, position: int = -1):
    """``f(images [M, C, H, W]) -> [M]`` target scores with the text of ``inputs``."""
    return lambda images: hfm.score(hfm.with_images(inputs, images), target, position)


def _need_image(hfm: HFModel, method: str) -> None:
    if not hfm.has_image:
        raise HFAdapterError(f"{method} explains an image input; a {hfm.kind} model has none")


# ---------------------------------------------------------------------- residual stream


def residual_stream(hfm: HFModel, inputs: Inputs) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The logits and the ``L + 1`` residual-stream states (before block 0 and after each)."""
    sites = hfm.residual_sites()
    with torch.no_grad(), record({str(i): s for i, s in enumerate(sites)}, detach=True) as store:
        logits = hfm.logits(inputs)
    return logits, [store[str(i)] for i in range(len(sites))]


def logit_lens(hfm: HFModel, inputs: Inputs) -> torch.Tensor:
    """Each layer's residual stream decoded by the model's own final norm and read-out:
    ``[L + 1, B, N, V]`` for language models, ``[L + 1, B, classes]`` at [CLS] for ViT and
    CLIP. The last layer equals the model's logits (the raw block output is normed once)."""
    readout = hfm.readout(inputs)
    _, states = residual_stream(hfm, inputs)
    position = hfm.readout_position()
    with torch.no_grad():
        return torch.stack([readout.logits(readout.norm(h if position is None else h[:, position])) for h in states])


def direct_logit_attribution(hfm: HFModel, inputs: Inputs, target: int, position: int = -1) -> LogitAttribution:
    """Split the target logit (example 0, ``position`` for language models) into the input
    embedding's and each block's attention and MLP shares; LayerNorm and RMSNorm are folded
    exactly, so ``total() + bias == logit``. For CLIP the "logit" is the unnormalised
    image-caption similarity (the cosine times the image embedding's norm)."""
    readout = hfm.readout(inputs)
    sites = hfm.component_sites()
    pos = position if hfm.is_language_model else 0
    with torch.no_grad(), record({**sites, "stream after the last block": hfm.layers[-1]}, detach=True) as store:
        hfm.logits(inputs)
    comps = {name: store[name][0, pos] for name in sites}
    final = store["stream after the last block"][0, pos]
    gap = float((sum(comps.values()) - final).abs().max())
    scale = float(final.abs().max())
    if gap > 1e-4 * max(scale, 1.0):
        raise HFAdapterError(
            f"the blocks of {type(hfm.model).__name__} do not add their attention and MLP outputs "
            f"to the residual stream (mismatch {gap:.3g}); direct logit attribution needs "
            "pre-norm residual blocks"
        )
    with torch.no_grad():
        return _dla(comps, readout.norm, readout.weight, target, readout.bias)


# ---------------------------------------------------------------------- interventions


def activation_patching(
    hfm: HFModel,
    clean: Inputs,
    target: int,
    foil: int | None = None,
    corrupted: Inputs | None = None,
    positions: Sequence[int] | None = None,
    layers: Sequence[int] | None = None,
    batch_size: int = 16,
    noise_draws: int = 5,
    noise_positions: Sequence[int] | None = None,
    seed: int = 0,
) -> patching.PatchingResult:
    """Patch the clean residual stream, one (layer, position) at a time, into a corrupted run.

    The metric is ``logit(target) - logit(foil)`` (or the target logit) at the last position.
    Without ``corrupted`` the corruption is Meng et al.'s: Gaussian noise of 3 embedding standard
    deviations on ``noise_positions`` (default: the image tokens) of the merged embeddings,
    ``noise_draws`` seeded draws averaged. ``layers`` index :meth:`HFModel.residual_sites`
    (0 = before block 0); positions are patched ``batch_size`` at a time.
    """
    sites = hfm.residual_sites()
    chosen = [sites[i] for i in (layers if layers is not None else range(len(sites)))]

    def metric(logits: torch.Tensor) -> torch.Tensor:
        score = hfm.pick(logits, target)
        return (score - hfm.pick(logits, foil) if foil is not None else score)[0]

    def corrupted_run(n: int = 1) -> torch.Tensor:
        return hfm.logits(hfm.repeat(corrupted if corrupted is not None else clean, n))

    runs: patching.Run | list = corrupted_run
    if corrupted is None:
        where = noise_positions if noise_positions is not None else hfm.image_positions(clean)
        runs = patching.noise_corruptions(
            corrupted_run, InputOf(hfm.layers[0]), where, hfm.embedding_std(), noise_draws, seed=seed
        )
    return patching.activation_patching(
        lambda: hfm.logits(clean), runs, chosen, metric, positions, batch_size=batch_size
    )


def residual_at(hfm: HFModel, inputs: Inputs, layer: int, position: int = -1) -> torch.Tensor:
    """The residual stream ``[B, d]`` at ``layer`` (index into the ``L + 1`` sites) and ``position``."""
    _, states = residual_stream(hfm, inputs)
    return states[layer][:, position]


@contextmanager
def steer(
    hfm: HFModel, layer: int, vector: torch.Tensor, strength: float = 1.0, positions: Sequence[int] | None = None
) -> Iterator[None]:
    """Add ``strength * vector`` to the residual stream at ``layer`` (index into the ``L + 1``
    sites) at absolute ``positions``, also during ``generate()``: generated tokens are touched
    only if ``positions`` names them (``-1``: the newest token of every step)."""
    with steering.steer(hfm.residual_sites()[layer], vector, strength, positions):
        yield


def contrastive_decoding(
    hfm: HFModel,
    inputs: Inputs,
    image: torch.Tensor,
    alpha: float = 1.0,
    beta: float = 0.1,
    noise_step: int = 500,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Visual contrastive decoding at the last position: ``(logits, distorted_logits, vcd_logits)``."""
    if hfm.kind not in ("llava", "qwen2-vl"):
        raise HFAdapterError("visual contrastive decoding needs an image-conditioned language model")
    with torch.no_grad():
        plain = hfm.logits(hfm.with_images(inputs, image[None]))[0, -1]
        noisy = distort_image(image[None], noise_step=noise_step, seed=seed)
        distorted = hfm.logits(hfm.with_images(inputs, noisy))[0, -1]
    return plain, distorted, contrastive_logits(plain, distorted, alpha, beta)


# ---------------------------------------------------------------------- gradients


def integrated_gradients(
    hfm: HFModel,
    inputs: Inputs,
    image: torch.Tensor,
    target: int,
    baseline: torch.Tensor | None = None,
    steps: int = 32,
    position: int = -1,
    rule: str = "gauss-legendre",
    batch_size: int = 16,
) -> torch.Tensor:
    """Integrated gradients of the target score with respect to the image pixels ``[C, H, W]``.

    Default baseline: the zero image (the normalised dataset mean); for Qwen2-VL, a uniform
    image of the image's mean colour, because its bias-free patch embedding maps the zero image
    to zero vectors, where the vision LayerNorm is nearly discontinuous and no quadrature
    converges."""
    _need_image(hfm, "integrated gradients")
    if baseline is None and hfm.kind == "qwen2-vl":
        baseline = image.mean(dim=(1, 2), keepdim=True).expand_as(image)
    return attribution.integrated_gradients(
        _score_fn(hfm, inputs, target, position), image, baseline, steps, rule, batch_size
    )


def default_cam_layer(hfm: HFModel) -> torch.nn.Module:
    """The vision block Grad-CAM explains by default: one whose patch tokens the output reads
    (a ViT's or CLIP's last block is read only through [CLS]; LLaVA reads
    ``vision_feature_layer``)."""
    if hfm.kind in ("vit", "clip"):
        return hfm.vision_layers[-2]
    if hfm.kind == "llava":
        feature_layer = hfm.config.vision_feature_layer
        index = feature_layer if isinstance(feature_layer, int) else feature_layer[-1]
        return hfm.vision_layers[index if index < 0 else index - 1]  # hidden_states[k] is block k-1's output
    return hfm.vision_layers[-1]


def grad_cam(
    hfm: HFModel,
    inputs: Inputs,
    image: torch.Tensor,
    target: int,
    layer: torch.nn.Module | None = None,
    position: int = -1,
) -> torch.Tensor:
    """Grad-CAM ``[h, w]`` over the vision encoder's patch grid (default layer: see
    :func:`default_cam_layer`); Qwen2-VL's merge-ordered, unbatched patches are regridded."""
    _need_image(hfm, "Grad-CAM")
    layer = layer if layer is not None else default_cam_layer(hfm)
    hw = tuple(image.shape[-2:])
    cam = attribution.grad_cam(
        _score_fn(hfm, inputs, target, position), layer, image[None], reshape=lambda t: hfm.vision_grid(t, hw)
    )
    return cam[0]


def attentions(hfm: HFModel, inputs: Inputs) -> list[torch.Tensor]:
    """Attention probabilities ``[H, N, N]`` of each block for example 0 (detached)."""
    with torch.no_grad():
        _, atts = hfm.logits_and_attentions(inputs)
    return [a[0].detach() for a in atts]


def attention_rollout(hfm: HFModel, inputs: Inputs, head_fusion: str = "mean") -> torch.Tensor:
    """Rollout ``[N, N]`` through the blocks of :attr:`HFModel.layers` for example 0."""
    return attention.attention_rollout(attentions(hfm, inputs), head_fusion)


def attention_flow(
    hfm: HFModel, inputs: Inputs, output_tokens: Sequence[int] = (-1,), max_nodes: int = attention.MAX_FLOW_NODES
) -> attention.AttentionFlow:
    """Attention flow for example 0 into ``output_tokens`` (negative = from the end), refused with
    a clear message above ``max_nodes`` graph nodes."""
    atts = attentions(hfm, inputs)
    n = atts[0].shape[-1]
    attention.check_flow_size(len(atts), n, max_nodes)
    return attention.attention_flow(atts, [t % n for t in output_tokens], max_nodes=max_nodes)


def relevancy(hfm: HFModel, inputs: Inputs, target: int, position: int = -1) -> torch.Tensor:
    """Chefer et al.'s gradient-weighted relevancy ``[N, N]`` for example 0 (works on frozen
    models: the stream entering block 0 is made a leaf that requires grad)."""
    with torch.enable_grad(), gradient_leaves({"stream": InputOf(hfm.layers[0])}):
        logits, atts = hfm.logits_and_attentions(inputs)
        score = hfm.pick(logits, target, position)[0]
        grads = torch.autograd.grad(score, atts)
    return attention.gradient_attention_relevancy([a[0].detach() for a in atts], [g[0] for g in grads])


# ---------------------------------------------------------------------- Shapley


def text_players(hfm: HFModel, inputs: Inputs, caption: int = 0) -> list[int]:
    """Positions of the text tokens that MM-SHAP masks: all but the first token (BOS) and image or
    vision markers; for CLIP, the scored caption's tokens between its first and last."""
    ids = inputs["input_ids"][caption if hfm.kind == "clip" else 0]
    cfg = hfm.config
    specials = {
        getattr(cfg, k, None)
        for k in ("image_token_index", "image_token_id", "vision_start_token_id", "vision_end_token_id")
    }
    last = len(ids) - 1 if hfm.kind == "clip" else len(ids)
    return [i for i in range(1, last) if int(ids[i]) not in specials]


def mm_shap(
    hfm: HFModel,
    inputs: Inputs,
    image: torch.Tensor,
    target: int,
    group: tuple[int, int] = (2, 2),
    mask_token: int = 0,
    n_permutations: int = 64,
    seed: int = 0,
) -> shapley.MMShapResult:
    """MM-SHAP of the target score: text tokens are masked with ``mask_token``, image patches
    (grouped in ``group`` blocks of the patch grid, one player per block) with the zero image
    (the normalised mean)."""
    if hfm.kind not in ("llava", "qwen2-vl", "clip"):
        raise HFAdapterError("MM-SHAP needs a model with both a text and an image input")
    rows, cols = hfm.patch_grid(tuple(image.shape[-2:]))
    patch = hfm.vision_config().patch_size
    groups = shapley.grid_groups(rows, cols, *group)
    text_pos = text_players(hfm, inputs, target)
    base = inputs["input_ids"][target if hfm.kind == "clip" else 0]

    def value(text_mask: torch.Tensor, image_mask: torch.Tensor) -> torch.Tensor:
        m = len(text_mask)
        ids = base.repeat(m, 1)
        ids[:, text_pos] = torch.where(text_mask, ids[:, text_pos], mask_token)
        keep = image_mask.view(m, rows, cols).repeat_interleave(patch, 1).repeat_interleave(patch, 2)
        images = torch.where(keep[:, None], image, torch.zeros(()))
        with torch.no_grad():
            if hfm.kind == "clip":
                return hfm.logits({"input_ids": ids, **hfm.pixel_inputs(images)}).diagonal()
            rest = {k: v for k, v in inputs.items() if k != "input_ids"}
            return hfm.score(hfm.with_images({**rest, "input_ids": ids}, images), target)

    return shapley.mm_shap(
        value, len(text_pos), rows * cols, n_permutations=n_permutations, seed=seed, image_groups=groups
    )


# ---------------------------------------------------------------------- representations


def layer_activations(hfm: HFModel, inputs: Inputs, layer: int, position: int = -1) -> torch.Tensor:
    """Residual stream ``[B, d]`` at ``layer`` and ``position``: the features for linear probes,
    TCAV's concept sets and sparse autoencoders (see :func:`residual_at`)."""
    return residual_at(hfm, inputs, layer, position)


def activations_and_gradients(
    hfm: HFModel, inputs: Inputs, layer: int, target: int, position: int = -1
) -> tuple[torch.Tensor, torch.Tensor]:
    """Residual stream ``[B, d]`` at ``layer`` and ``position`` and the target score's gradient
    with respect to it, per example (TCAV's directional derivatives)."""
    site = hfm.residual_sites()[layer]
    acts, grads = output_and_gradient(lambda x: hfm.score(x, target), site, inputs)
    return acts[:, position], grads[:, position]

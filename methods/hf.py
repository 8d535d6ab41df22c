"""Hugging Face ``transformers`` adapters: find, in a real model, the parts the methods need.

:func:`adapt` wraps a model (ViT classifier, CLIP, LLaVA, Qwen2-VL, or a decoder-only LLM such as
Llama or Qwen2) in an :class:`HFModel` that knows its residual-stream blocks, final norm,
unembedding, where the merged multimodal embeddings enter the language model, how to turn
images into the model's pixel inputs, and how to get attention probabilities (switching to eager
attention while it reads them). :mod:`methods.hf_methods` runs each method through it.

Inputs are plain dicts of model keyword arguments (``input_ids``, ``pixel_values``, ...), as
a ``transformers`` processor returns them; :func:`example_inputs` makes seeded synthetic ones.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from methods.hooks import InputOf, Site

Inputs = dict[str, torch.Tensor]
KINDS = ("causal-lm", "llava", "qwen2-vl", "vit", "clip")


class HFAdapterError(ValueError):
    """A model or input the adapters cannot handle; the message says why and what to do."""


@dataclass
class Readout:
    """How the read-out position of the residual stream becomes the model's logits."""

    norm: nn.Module | None  # the final norm (LayerNorm or RMSNorm)
    weight: torch.Tensor  # [V, d] linear map after the norm, for direct logit attribution
    bias: torch.Tensor | None
    logits: Callable[[torch.Tensor], torch.Tensor]  # normed state [..., d] -> the model's logits [..., V]


@dataclass
class HFModel:
    model: nn.Module
    kind: str  # one of KINDS
    layers: list[nn.Module]  # blocks of the residual stream the output is read from
    final_norm: nn.Module | None
    vision_layers: list[nn.Module] = field(default_factory=list)  # vision encoder blocks (if any)
    image_token_id: int | None = None

    # ------------------------------------------------------------------ structure
    @property
    def config(self):
        return self.model.config

    @property
    def is_language_model(self) -> bool:
        return self.kind in ("causal-lm", "llava", "qwen2-vl")

    @property
    def has_image(self) -> bool:
        return self.kind != "causal-lm"

    def residual_sites(self) -> list[Site]:
        """The residual stream before the first block and after each block (``L + 1`` sites).

        The first is the input of block 0, which for LLaVA and Qwen2-VL holds the merged image
        features; HF's ``hidden_states[0]`` after the embedding layer would hold the
        ``<image>`` placeholder embeddings instead, and ``hidden_states[-1]`` is already normed.
        """
        return [InputOf(self.layers[0]), *self.layers]

    def component_sites(self) -> dict[str, Site]:
        """The modules whose outputs add up to the residual stream after the last block:
        the input embedding and each block's attention and MLP writes."""
        sites: dict[str, Site] = {"embed": InputOf(self.layers[0])}
        for i, layer in enumerate(self.layers):
            sites[f"L{i}.attn"] = _child(layer, ("self_attn", "attention", "attn"))
            if hasattr(layer, "intermediate") and hasattr(layer, "output"):  # ViT/BERT: residual added inside output
                sites[f"L{i}.mlp"] = layer.output.dense
            else:
                sites[f"L{i}.mlp"] = _child(layer, ("mlp", "feed_forward", "ffn"))
        return sites

    def embedding_std(self) -> float:
        """Standard deviation of the input token embeddings (Meng et al.'s noise unit)."""
        if self.is_language_model:
            return float(self.model.get_input_embeddings().weight.detach().double().std())
        return 1.0  # pixel inputs are normalised to unit variance by the processors

    # ------------------------------------------------------------------ running
    def readout(self, inputs: Inputs) -> Readout:
        m = self.model
        if self.is_language_model:
            head = m.get_output_embeddings()
            return Readout(self.final_norm, head.weight, head.bias, head)
        if self.kind == "vit":
            return Readout(self.final_norm, m.classifier.weight, m.classifier.bias, m.classifier)
        with torch.no_grad():  # CLIP: the read-out depends on the captions
            text = F.normalize(
                m.get_text_features(input_ids=inputs["input_ids"], attention_mask=inputs.get("attention_mask")), dim=-1
            )
        scale = m.logit_scale.exp()

        def clip_logits(h: torch.Tensor) -> torch.Tensor:
            return scale * F.normalize(m.visual_projection(h), dim=-1) @ text.T

        # direct attribution reads the image embedding before its normalisation (Gandelsman et al.)
        return Readout(self.final_norm, text @ m.visual_projection.weight, None, clip_logits)

    def readout_position(self) -> int | None:
        """Vision models read the [CLS] token (0); language models every position."""
        return None if self.is_language_model else 0

    def logits(self, inputs: Inputs) -> torch.Tensor:
        """``[B, N, V]`` for language models, ``[B, classes]`` for ViT, ``[images, texts]`` for CLIP."""
        out = self.model(**inputs)
        return out.logits_per_image if self.kind == "clip" else out.logits

    def pick(self, logits: torch.Tensor, target: int, position: int = -1) -> torch.Tensor:
        """The target logit per example from :meth:`logits`' output."""
        return logits[:, position, target] if self.is_language_model else logits[:, target]

    def score(self, inputs: Inputs, target: int, position: int = -1) -> torch.Tensor:
        """The target logit per example: ``[B]`` (token ``target`` at ``position`` for language
        models, class ``target`` for ViT, caption ``target`` for CLIP)."""
        return self.pick(self.logits(inputs), target, position)

    def logits_and_attentions(self, inputs: Inputs) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits and the attention probabilities ``[B, H, N, N]`` of every block of
        :attr:`layers`, from one call (so gradients of the logits with respect to the
        attentions can be taken)."""
        with eager_attention(self.model):
            out = self.model(**inputs, output_attentions=True)
        atts = out.vision_model_output.attentions if self.kind == "clip" else out.attentions
        if not atts or len(atts) != len(self.layers) or any(a is None for a in atts):
            raise HFAdapterError(
                f"{type(self.model).__name__} returned no attention probabilities even with "
                "eager attention; load it with attn_implementation='eager'"
            )
        return (out.logits_per_image if self.kind == "clip" else out.logits), list(atts)

    def repeat(self, inputs: Inputs, n: int) -> Inputs:
        """``n`` copies of a one-example input (Qwen2-VL's unbatched patches are repeated whole;
        CLIP's captions are shared by all copies of the image)."""
        return {
            k: v if self.kind == "clip" and k != "pixel_values" else v.repeat(n, *[1] * (v.dim() - 1))
            for k, v in inputs.items()
        }

    # ------------------------------------------------------------------ images
    def image_size(self) -> tuple[int, int]:
        vc = self.vision_config()
        if self.kind == "qwen2-vl":  # smallest image with a 2 x 2 grid of merged tokens
            side = 2 * vc.spatial_merge_size * vc.patch_size
            return side, side
        size = vc.image_size
        return (size, size) if isinstance(size, int) else tuple(size)

    def vision_config(self):
        if self.kind in ("vit",):
            return self.config
        return self.config.vision_config

    def patch_grid(self, image_hw: tuple[int, int] | None = None) -> tuple[int, int]:
        """Patches per column and row of an image of ``image_hw`` pixels."""
        h, w = image_hw or self.image_size()
        p = self.vision_config().patch_size
        return h // p, w // p

    def pixel_inputs(self, images: torch.Tensor) -> Inputs:
        """Model pixel keyword arguments for a batch of (normalised) images ``[M, C, H, W]``."""
        if self.kind != "qwen2-vl":
            return {"pixel_values": images}
        vc = self.vision_config()
        rows = [qwen_patchify(img, vc.patch_size, vc.temporal_patch_size, vc.spatial_merge_size) for img in images]
        gh, gw = self.patch_grid(tuple(images.shape[-2:]))
        return {"pixel_values": torch.cat(rows), "image_grid_thw": torch.tensor([[1, gh, gw]] * len(images))}

    def with_images(self, inputs: Inputs, images: torch.Tensor) -> Inputs:
        """``inputs`` with the text repeated for each of ``images`` ``[M, C, H, W]``."""
        m = len(images)
        out = {
            k: v.expand(m, *v.shape[1:]) if v.shape[0] == 1 else v
            for k, v in inputs.items()
            if k not in ("pixel_values", "image_grid_thw", "images")
        }
        if self.kind == "clip":  # CLIP: the captions stay as they are, one score per caption
            out = {k: v for k, v in inputs.items() if k not in ("pixel_values", "images")}
        return {**out, **self.pixel_inputs(images)}

    def image_positions(self, inputs: Inputs) -> list[int]:
        """Sequence positions of the image tokens in the language model's input."""
        if self.image_token_id is None:
            raise HFAdapterError(f"a {self.kind} model has no image tokens in its language model")
        return torch.nonzero(inputs["input_ids"][0] == self.image_token_id).flatten().tolist()

    def vision_grid(self, tokens: torch.Tensor, image_hw: tuple[int, int] | None = None) -> torch.Tensor:
        """Vision-block tokens as a feature map ``[B, C, h, w]`` (drops [CLS]; undoes Qwen2-VL's
        2 x 2 merge order; Qwen2-VL's unbatched ``[patches, C]`` becomes a batch of one)."""
        gh, gw = self.patch_grid(image_hw)
        if self.kind == "qwen2-vl":
            m = self.vision_config().spatial_merge_size
            c = tokens.shape[-1]
            grid = tokens.reshape(-1, gh // m, gw // m, m, m, c).permute(0, 5, 1, 3, 2, 4)
            return grid.reshape(-1, c, gh, gw)
        skip = tokens.shape[1] - gh * gw  # the [CLS] token, if any
        return tokens[:, skip:].transpose(1, 2).reshape(tokens.shape[0], -1, gh, gw)


def qwen_patchify(image: torch.Tensor, patch: int, temporal: int, merge: int) -> torch.Tensor:
    """Qwen2-VL's flattened patches of one image ``[C, H, W]``, as its image processor lays them
    out: ``[h * w, C * temporal * patch * patch]`` in 2 x 2 merge-group order."""
    c, h, w = image.shape
    gh, gw = h // patch, w // patch
    frames = image.unsqueeze(0).expand(temporal, c, h, w)
    x = frames.reshape(1, temporal, c, gh // merge, merge, patch, gw // merge, merge, patch)
    x = x.permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return x.reshape(gh * gw, c * temporal * patch * patch)


def _child(module: nn.Module, names: tuple[str, ...]) -> nn.Module:
    for name in names:
        if hasattr(module, name):
            return getattr(module, name)
    raise HFAdapterError(f"{type(module).__name__} has none of the sub-modules {', '.join(names)}")


def _decoder_parts(base: nn.Module) -> tuple[list[nn.Module], nn.Module]:
    layers = _child(base, ("layers", "h", "blocks"))
    return list(layers), _child(base, ("norm", "ln_f", "final_layernorm", "final_layer_norm"))


def adapt(model: nn.Module) -> HFModel:
    """Wrap a ``transformers`` model; raises :class:`HFAdapterError` for an unsupported one."""
    cfg = getattr(model, "config", None)
    model_type = getattr(cfg, "model_type", None)
    if model_type == "vit" and hasattr(model, "classifier"):
        return HFModel(model, "vit", list(model.vit.encoder.layer), model.vit.layernorm, list(model.vit.encoder.layer))
    if model_type == "clip" and hasattr(model, "vision_model"):
        layers = list(model.vision_model.encoder.layers)
        return HFModel(model, "clip", layers, model.vision_model.post_layernorm, layers)
    if model_type in ("llava", "qwen2_vl", "qwen2_5_vl"):
        layers, norm = _decoder_parts(model.model.language_model)
        if model_type == "llava":
            vision = list(model.model.vision_tower.vision_model.encoder.layers)
            token = cfg.image_token_index
        else:
            vision, token = list(model.model.visual.blocks), cfg.image_token_id
        kind = "llava" if model_type == "llava" else "qwen2-vl"
        return HFModel(model, kind, layers, norm, vision, token)
    if (
        hasattr(model, "get_output_embeddings")
        and model.get_output_embeddings() is not None
        and hasattr(model, "model")
    ):
        layers, norm = _decoder_parts(model.model)
        return HFModel(model, "causal-lm", layers, norm)
    raise HFAdapterError(
        f"no adapter for {type(model).__name__} (model_type {model_type!r}); supported: ViT "
        "image classifiers, CLIP, LLaVA, Qwen2-VL and decoder-only language models"
    )


@contextmanager
def eager_attention(model: nn.Module) -> Iterator[None]:
    """Run the block with eager attention (the only kind that returns attention probabilities),
    restoring the model's own implementation afterwards."""
    before = getattr(model.config, "_attn_implementation", None)
    if before in (None, "eager"):
        yield
        return
    try:
        model.set_attn_implementation("eager")
    except Exception as exc:  # a model class without the attention interface
        raise HFAdapterError(
            f"cannot switch {type(model).__name__} to eager attention ({exc}); load it "
            "with attn_implementation='eager' to read attention probabilities"
        ) from exc
    try:
        yield
    finally:
        model.set_attn_implementation(before)


# ---------------------------------------------------------------------- synthetic inputs


def _text_ids(vocab: int, n: int, avoid: set[int], g: torch.Generator) -> list[int]:
    allowed = torch.tensor([t for t in range(3, vocab) if t not in avoid])
    return allowed[torch.randint(len(allowed), (n,), generator=g)].tolist()


def example_image(hfm: HFModel, seed: int = 0) -> torch.Tensor:
    """A seeded image ``[C, H, W]`` (normalised pixel scale: zero mean, unit variance), smooth
    enough that neighbouring patches are alike."""
    g = torch.Generator().manual_seed(seed)
    h, w = hfm.image_size()
    channels = getattr(hfm.vision_config(), "num_channels", 3)
    coarse = torch.randn(1, channels, max(h // 8, 2), max(w // 8, 2), generator=g)
    return F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)[0]


def example_inputs(hfm: HFModel, seed: int = 0, n_text: int = 6, image: torch.Tensor | None = None) -> Inputs:
    """Seeded synthetic inputs for one example: random text tokens and, for image models, an
    image (``image`` or :func:`example_image`) with the right number of image tokens."""
    g = torch.Generator().manual_seed(seed)
    cfg = hfm.config
    if hfm.kind == "vit":
        return {"pixel_values": (image if image is not None else example_image(hfm, seed))[None]}
    text_cfg = cfg.text_config if hfm.kind in ("llava", "qwen2-vl", "clip") else cfg
    specials = {
        getattr(cfg, k, None)
        for k in (
            "image_token_index",
            "image_token_id",
            "video_token_id",
            "vision_start_token_id",
            "vision_end_token_id",
        )
    }
    words = _text_ids(text_cfg.vocab_size, n_text, specials, g)
    if hfm.kind == "causal-lm":
        return {"input_ids": torch.tensor([words])}
    img = image if image is not None else example_image(hfm, seed)
    if hfm.kind == "clip":  # two captions: the first is scored by default
        other = _text_ids(text_cfg.vocab_size, n_text, specials, g)
        return {"input_ids": torch.tensor([words, other]), "pixel_values": img[None]}
    gh, gw = hfm.patch_grid(tuple(img.shape[-2:]))
    if hfm.kind == "llava":
        n_img = gh * gw + (1 if cfg.vision_feature_select_strategy == "full" else 0)
        ids = words[:1] + [hfm.image_token_id] * n_img + words[1:]
    else:
        n_img = gh * gw // hfm.vision_config().spatial_merge_size ** 2
        ids = (
            words[:1]
            + [cfg.vision_start_token_id]
            + [hfm.image_token_id] * n_img
            + [cfg.vision_end_token_id]
            + words[1:]
        )
    return {"input_ids": torch.tensor([ids]), **hfm.pixel_inputs(img[None])}

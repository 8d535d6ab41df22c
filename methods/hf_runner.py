"""Run a catalogued method on a local Hugging Face checkpoint folder and save a figure and JSON
(``atlas methods run ID --model PATH``).

The input is synthetic and seeded (a smooth random image, random text tokens; see
:func:`methods.hf.example_inputs`), so any checkpoint runs without a processor; the JSON says so.
The target is the model's own top prediction (the top next token, the top class, or CLIP's
first caption).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from ingest.errors import InvalidInput
from methods.catalog import UnknownMethodError, load_catalog
from methods.runner import save_run
from methods.toy_models import single_thread

NEEDS_DATA = {"linear-probe", "tcav", "sparse-autoencoder"}
_NEEDS = {
    "integrated-gradients": "an image input",
    "grad-cam": "an image input",
    "mm-shap": "both a text and an image input",
    "visual-contrastive-decoding": "an image-conditioned LLM",
    "activation-steering": "a language model",
}


class CheckpointError(InvalidInput):
    """A checkpoint or method the command cannot run; the message says why."""


def load_checkpoint(path: Path | str):
    """Load a local checkpoint folder (never the network) with the class its config names."""
    path = Path(path)
    if not (path / "config.json").is_file():
        raise CheckpointError(f"{path} is not a Hugging Face checkpoint folder (no config.json)")
    try:
        import transformers as T
    except ImportError as exc:
        raise CheckpointError("running on a checkpoint needs transformers: pip install -e '.[methods]'") from exc
    config = T.AutoConfig.from_pretrained(path, local_files_only=True)
    classes = {
        "llava": T.LlavaForConditionalGeneration,
        "qwen2_vl": T.Qwen2VLForConditionalGeneration,
        "vit": T.ViTForImageClassification,
        "clip": T.CLIPModel,
    }
    cls = classes.get(config.model_type, T.AutoModelForCausalLM)
    try:
        return cls.from_pretrained(path, local_files_only=True).eval()
    except (ValueError, OSError) as exc:
        raise CheckpointError(f"cannot load {path} as {cls.__name__}: {exc}") from exc


def _target(hfm, inputs) -> int:
    if hfm.kind == "clip":
        return 0
    with torch.no_grad():
        logits = hfm.logits(inputs)
    return int((logits[0, -1] if hfm.is_language_model else logits[0]).argmax())


def _heat(fig: Figure, values, title: str, pos=(1, 1, 1), **kw):
    ax = fig.add_subplot(*pos)
    im = ax.imshow(np.asarray(values, dtype=float), cmap=kw.pop("cmap", "viridis"), aspect="auto", **kw)
    ax.set_title(title, fontsize=8)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return ax


def _run_method(method_id: str, hfm, inputs, image, target: int) -> tuple[Figure, dict]:
    """Run one method; the figure and the numbers."""
    from methods import hf_methods as H

    fig = Figure(figsize=(7, 4), layout="constrained")
    grid = hfm.patch_grid() if hfm.has_image else None
    if method_id == "integrated-gradients":
        attr = H.integrated_gradients(hfm, inputs, image, target, steps=32)
        _heat(fig, attr.abs().sum(0), "|IG| per pixel", cmap="magma")
        return fig, {
            "sum_attributions": float(attr.sum()),
            "steps": 32,
            "abs_attribution_per_pixel": attr.abs().sum(0).tolist(),
        }
    if method_id == "grad-cam":
        cam = H.grad_cam(hfm, inputs, image, target)
        _heat(fig, cam, "Grad-CAM over the patch grid", cmap="jet")
        return fig, {"cam": cam.tolist(), "grid": list(grid)}
    if method_id == "attention-rollout":
        roll = H.attention_rollout(hfm, inputs)
        _heat(fig, roll, "rollout (row: output token, column: input token)")
        return fig, {"rollout": roll.tolist(), "max_row_sum_error": float((roll.sum(-1) - 1).abs().max())}
    if method_id == "attention-flow":
        out = 0 if not hfm.is_language_model else -1
        flow = H.attention_flow(hfm, inputs, output_tokens=[out])
        ax = fig.add_subplot(1, 1, 1)
        ax.bar(range(flow.n_tokens), flow.values[0])
        ax.set_xlabel("input token")
        ax.set_ylabel(f"max-flow into token {out}")
        return fig, {"output_token": out, "flow": flow.values[0].tolist()}
    if method_id == "gradient-attention-relevancy":
        rel = H.relevancy(hfm, inputs, target)
        row = rel[-1 if hfm.is_language_model else 0]
        ax = fig.add_subplot(1, 1, 1)
        ax.bar(range(len(row)), row.numpy())
        ax.set_xlabel("input token")
        ax.set_ylabel("relevancy for the read-out token")
        return fig, {"relevancy_readout_row": row.tolist()}
    if method_id == "logit-lens":
        lens = H.logit_lens(hfm, inputs)
        probs = (lens[:, 0, -1] if hfm.is_language_model else lens[:, 0]).softmax(-1)[:, target]
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(probs.numpy(), marker="o")
        ax.set_xticks(range(len(probs)), ["embed", *[f"block {i + 1}" for i in range(len(probs) - 1)]], fontsize=7)
        ax.set_ylabel(f"P(target {target}) read at each layer")
        with torch.no_grad():
            logits = hfm.logits(inputs)
        return fig, {
            "p_target_per_layer": probs.tolist(),
            "max_abs_diff_last_layer_vs_model_logits": float((lens[-1] - logits).abs().max()),
        }
    if method_id == "direct-logit-attribution":
        res = H.direct_logit_attribution(hfm, inputs, target)
        names = list(res.contributions)
        vals = [float(res.contributions[n]) for n in names]
        ax = fig.add_subplot(1, 1, 1)
        ax.bar(range(len(vals)), vals, color=["tab:green" if v > 0 else "tab:red" for v in vals])
        ax.set_xticks(range(len(vals)), names, rotation=60, fontsize=7)
        return fig, {
            "contributions": dict(zip(names, vals, strict=True)),
            "bias_term": float(res.bias),
            "logit": float(res.logit),
            "sum_plus_bias_minus_logit": float(res.total() + res.bias - res.logit),
        }
    if method_id == "activation-patching":
        return _patching(fig, H, hfm, inputs, image, target)
    if method_id == "activation-steering":
        return _steering(fig, H, hfm, inputs, image, target)
    if method_id == "mm-shap":
        res = H.mm_shap(hfm, inputs, image, target, group=(max(grid[0] // 4, 1), max(grid[1] // 4, 1)))
        ax = fig.add_subplot(1, 1, 1)
        ax.bar(["text", "image"], [res.t_shap, res.v_shap])
        ax.set_ylim(0, 1)
        return fig, {
            "t_shap": res.t_shap,
            "v_shap": res.v_shap,
            "phi_text": res.phi_text.tolist(),
            "phi_image_groups": res.phi_image.tolist(),
        }
    if method_id == "visual-contrastive-decoding":
        plain, distorted, vcd = H.contrastive_decoding(hfm, inputs, image)
        top = plain.topk(5).indices
        ax = fig.add_subplot(1, 1, 1)
        x = np.arange(len(top))
        for k, (vals, label) in enumerate([(plain, "image"), (distorted, "distorted"), (vcd, "VCD a=1")]):
            ax.bar(x + 0.27 * (k - 1), vals.softmax(-1)[top].numpy(), 0.27, label=label)
        ax.set_xticks(x, [str(int(t)) for t in top])
        ax.legend(fontsize=7)
        return fig, {"top_tokens": top.tolist(), "vcd_top_token": int(vcd.argmax())}
    raise CheckpointError(f"{method_id} has no checkpoint runner")


def _patching(fig, H, hfm, inputs, image, target):
    if hfm.kind in ("llava", "qwen2-vl"):
        res = H.activation_patching(hfm, inputs, target, noise_draws=3)
        corruption = "Gaussian noise (3 embedding std) on the image tokens, 3 draws"
    else:
        from methods.hf import example_inputs

        other = hfm.with_images(inputs, (-image)[None]) if hfm.has_image else example_inputs(hfm, seed=1)
        res = H.activation_patching(hfm, inputs, target, corrupted=other)
        corruption = "the negated image" if hfm.has_image else "other random tokens (seed 1)"
    _heat(fig, res.normalized(), "fraction of the target logit restored", cmap="RdBu_r", vmin=-1, vmax=1)
    return fig, {
        "corruption": corruption,
        "clean": res.clean,
        "corrupted": res.corrupted,
        "normalized_effects": res.normalized().tolist(),
    }


def _steering(fig, H, hfm, inputs, image, target):
    if not hfm.is_language_model:
        raise CheckpointError("activation steering here steers a language model's generation")
    from methods.hf import example_inputs

    layer = len(hfm.layers) // 2
    other = example_inputs(hfm, seed=1, image=image if hfm.has_image else None)
    vector = H.residual_at(hfm, other, layer)[0] - H.residual_at(hfm, inputs, layer)[0]
    strengths = [0.0, 0.5, 1.0, 2.0]
    probs = []
    for s in strengths:
        with H.steer(hfm, layer, vector, s, positions=[-1]), torch.no_grad():
            probs.append(float(hfm.logits(inputs)[0, -1].softmax(-1)[target]))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(strengths, probs, marker="o")
    ax.set_xlabel(f"strength (x difference of residuals at site {layer}, last position)")
    ax.set_ylabel(f"P(token {target})")
    return fig, {"layer_site": layer, "strengths": strengths, "p_target": probs}


def run_on_checkpoint(method_id: str, model_path: Path | str, out_dir: Path | str, seed: int = 0) -> dict[str, Any]:
    """Run ``method_id`` on the checkpoint at ``model_path``; write ``<id>.png`` and ``<id>.json``."""
    entries = {e.id: e for e in load_catalog()}
    if method_id not in entries:
        raise UnknownMethodError(method_id, list(entries))
    if method_id in NEEDS_DATA:
        raise CheckpointError(
            f"{method_id} needs a data set of labelled or many inputs, not one checkpoint: collect "
            "activations with methods.hf_methods.layer_activations (see methods/README.md)"
        )
    from methods.hf import HFAdapterError, adapt, example_image, example_inputs

    model = load_checkpoint(model_path)
    start = time.perf_counter()
    try:
        hfm = adapt(model)
        if method_id not in applicable_methods(hfm.kind):
            raise HFAdapterError(
                f"it needs {_NEEDS.get(method_id, 'another kind of model')}; methods for a "
                f"{hfm.kind} model: {', '.join(applicable_methods(hfm.kind))}"
            )
        image = example_image(hfm, seed).to(model.dtype) if hfm.kind != "causal-lm" else None
        inputs = example_inputs(hfm, seed, image=image)
        with single_thread():
            figure, numbers = _run_method(method_id, hfm, inputs, image, _target(hfm, inputs))
    except HFAdapterError as exc:
        raise CheckpointError(f"{method_id} does not apply to {type(model).__name__}: {exc}") from exc
    except ValueError as exc:  # e.g. the attention-flow size limit
        raise CheckpointError(str(exc)) from exc
    name = Path(model_path).name
    figure.suptitle(
        f"{entries[method_id].name} on {type(model).__name__} ({name}); synthetic input, seed {seed}", fontsize=9
    )
    about = {
        "id": method_id,
        "name": entries[method_id].name,
        "model": str(model_path),
        "model_class": type(model).__name__,
        "kind": hfm.kind,
        "input": f"synthetic: seeded random text tokens and image (seed {seed})",
        "target": _target(hfm, inputs),
    }
    return save_run(out_dir, about, figure, numbers, start)


def applicable_methods(kind: str) -> list[str]:
    """Method ids that run on a checkpoint of this kind."""
    image = {"integrated-gradients", "grad-cam"}
    only = {
        "mm-shap": {"llava", "qwen2-vl", "clip"},
        "visual-contrastive-decoding": {"llava", "qwen2-vl"},
        "activation-steering": {"causal-lm", "llava", "qwen2-vl"},
    }
    ids = [e.id for e in load_catalog() if e.id not in NEEDS_DATA]
    return [i for i in ids if (i not in image or kind != "causal-lm") and kind in only.get(i, {kind})]

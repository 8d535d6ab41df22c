"""One small, seeded demonstration per catalogue method, run on the toy models.

Each ``demo_*`` function returns ``(figure, numbers)``: a matplotlib ``Figure`` (built without
pyplot, so no GUI backend is touched) and a JSON-ready dict. :mod:`methods.runner` saves them.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from matplotlib.figure import Figure

from methods import toy_data as td
from methods import toy_models as tm
from methods.attention import attention_and_gradients, attention_flow, attention_rollout, gradient_attention_relevancy
from methods.attribution import completeness_gap, grad_cam, integrated_gradients, upsample
from methods.concepts import activations_and_gradients, tcav
from methods.decoding import contrastive_logits, distort_image
from methods.dla import direct_logit_attribution, split_heads
from methods.hooks import record
from methods.lens import logit_lens, residual_stream
from methods.patching import activation_patching, run_with_patch
from methods.probing import probe_with_control
from methods.sae import sae_metrics, train_sae
from methods.shapley import mm_shap
from methods.steering import steer, steering_vector

V = td.TOKEN_ID
COLOUR_TOKENS = [V[c] for c in td.COLOUR_NAMES]
SHAPE_TOKENS = [V[s] for s in td.SHAPES]
LLAVA_POSITIONS = [f"img{i}" for i in range(td.N_PATCHES)] + ["<bos>", "q", "?"]


def objects(colour=None, shape=None, cell=None, n: int = 1, seed: int = 0) -> td.ShapesBatch:
    """Images with chosen (or random) colour/shape/cell indices."""
    g = torch.Generator().manual_seed(seed)

    def pick(value, k):
        return torch.full((n,), value) if value is not None else torch.randint(k, (n,), generator=g)

    return td.render(pick(colour, len(td.COLOURS)), pick(shape, len(td.SHAPES)), pick(cell, td.N_PATCHES), generator=g)


def _show(ax, image: torch.Tensor, title: str = "") -> None:
    ax.imshow(image.permute(1, 2, 0).clamp(0, 1).numpy())
    ax.set_title(title, fontsize=8)
    ax.axis("off")


def _heat(ax, values, title: str = "", cmap: str = "viridis", grid: bool = False, **kw) -> None:
    """A heat map with a colour bar; ``grid=True`` for patch maps (no tick labels)."""
    im = ax.imshow(np.asarray(values), cmap=cmap, **kw)
    ax.set_title(title, fontsize=8)
    cbar = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cbar.ax.tick_params(labelsize=6)
    if grid:
        ax.set_xticks([])
        ax.set_yticks([])


def _label(b: td.ShapesBatch, i: int = 0) -> str:
    return f"{td.COLOUR_NAMES[int(b.colour[i])]} {td.SHAPES[int(b.shape[i])]}"


def _word_colour(word: str) -> str:
    """The matplotlib colour that shows a colour word (plain yellow is unreadable on white)."""
    return {"yellow": "gold"}.get(word, word)


def _rounded(x, nd: int = 6):
    return np.round(np.asarray(x, dtype=float), nd).tolist()


# --------------------------------------------------------------------------- attribution


def demo_integrated_gradients():
    vit = tm.trained_vit().double()
    examples = [objects(c, s, cell, seed=i) for i, (c, s, cell) in enumerate([(0, 0, 5), (2, 1, 10), (3, 2, 15)])]
    fig = Figure(figsize=(7.5, 5), layout="constrained")
    rows = []
    for i, b in enumerate(examples):
        x = b.images[0].double()
        baseline = torch.full_like(x, 0.25)  # the background's mean intensity
        target = int(b.label[0])

        def f(batch, target=target):
            return vit(batch)[:, target]

        attr = integrated_gradients(f, x, baseline, steps=96, rule="gauss-legendre")
        heat = attr.abs().sum(0)
        inside = float(heat[b.mask[0]].sum() / heat.sum())
        rows.append(
            {
                "object": _label(b),
                "cell": int(b.cell[0]),
                "target_class": target,
                "completeness_gap": completeness_gap(f, x, attr, baseline),
                "sum_attributions": float(attr.sum()),
                "fraction_of_abs_attribution_on_object_pixels": inside,
                "object_pixel_fraction": float(b.mask[0].double().mean()),
            }
        )
        _show(fig.add_subplot(2, 3, i + 1), b.images[0], _label(b))
        _heat(fig.add_subplot(2, 3, i + 4), heat.numpy(), f"|IG|, {inside:.0%} on object", cmap="magma", grid=True)
    fig.suptitle("Integrated gradients (96-node Gauss-Legendre, float64) on the toy ViT")
    return fig, {
        "model": "TinyViT (trained)",
        "baseline": "constant 0.25 image",
        "steps": 96,
        "rule": "gauss-legendre",
        "examples": rows,
    }


def demo_grad_cam():
    cnn = tm.trained_cnn()
    b = td.make_shapes(4, seed=21)
    with torch.no_grad():
        pred = cnn(b.images).argmax(-1)
    cam = grad_cam(lambda x: cnn(x).gather(1, b.label[:, None]).squeeze(1), cnn.features[-1], b.images)
    up = upsample(cam, (td.IMAGE_SIZE, td.IMAGE_SIZE))
    cell_px = td.patch_mask(b).repeat_interleave(td.PATCH, 1).repeat_interleave(td.PATCH, 2)
    mass = ((up * cell_px).sum((1, 2)) / up.sum((1, 2)).clamp_min(1e-12)).tolist()
    fig = Figure(figsize=(9, 4.6), layout="constrained")
    for i in range(len(b)):
        _show(
            fig.add_subplot(2, 4, i + 1),
            b.images[i],
            f"{_label(b, i)} (pred {'ok' if pred[i] == b.label[i] else 'wrong'})",
        )
        ax = fig.add_subplot(2, 4, i + 5)
        ax.imshow(b.images[i].permute(1, 2, 0).clamp(0, 1).numpy())
        ax.imshow(up[i].numpy(), cmap="jet", alpha=0.5)
        ax.set_title(f"Grad-CAM: {mass[i]:.0%} in object cell", fontsize=8)
        ax.axis("off")
    fig.suptitle("Grad-CAM on the last conv layer of the toy CNN (true class)")
    return fig, {
        "model": "TinyCNN (trained)",
        "layer": "features[-1] (last ReLU, 12x12)",
        "examples": [
            {
                "object": _label(b, i),
                "cell": int(b.cell[i]),
                "correct": bool(pred[i] == b.label[i]),
                "cam_mass_in_object_cell": mass[i],
                "cell_area_fraction": 1 / td.N_PATCHES,
                "cam": _rounded(cam[i], 5),
            }
            for i in range(len(b))
        ],
    }


# --------------------------------------------------------------------------- attention


def _vit_attentions(vit, images):
    with torch.no_grad(), record({str(i): blk.attn.attn_probs for i, blk in enumerate(vit.blocks)}) as st:
        vit(images)
    return [st[str(i)] for i in range(len(vit.blocks))]


def demo_attention_rollout():
    vit = tm.trained_vit()
    b = td.make_shapes(4, seed=31)
    roll = attention_rollout(_vit_attentions(vit, b.images))  # [B, 17, 17]
    fig = Figure(figsize=(9, 4.6), layout="constrained")
    rows = []
    for i in range(len(b)):
        cls_row = roll[i, 0, 1:].view(td.GRID, td.GRID)
        rows.append(
            {
                "object": _label(b, i),
                "cell": int(b.cell[i]),
                "argmax_patch": int(cls_row.argmax()),
                "cls_to_cls": float(roll[i, 0, 0]),
                "cls_row_patches": _rounded(cls_row, 5),
            }
        )
        _show(fig.add_subplot(2, 4, i + 1), b.images[i], _label(b, i))
        _heat(fig.add_subplot(2, 4, i + 5), cls_row.numpy(), "rollout [CLS] -> patches", grid=True)
    fig.suptitle("Attention rollout on the toy ViT")
    return fig, {
        "model": "TinyViT (trained)",
        "head_fusion": "mean",
        "residual": "0.5 A + 0.5 I",
        "max_row_sum_error": float((roll.sum(-1) - 1).abs().max()),
        "examples": rows,
    }


def demo_attention_flow():
    vit = tm.trained_vit()
    b = td.make_shapes(3, seed=41)
    atts = _vit_attentions(vit, b.images)
    fig = Figure(figsize=(9, 5), layout="constrained")
    rows = []
    for i in range(len(b)):
        per_example = [a[i] for a in atts]
        flow = attention_flow(per_example, output_tokens=[0])
        roll = attention_rollout(per_example)[0]
        patches = flow.values[0, 1:].reshape(td.GRID, td.GRID)
        rows.append(
            {
                "object": _label(b, i),
                "cell": int(b.cell[i]),
                "argmax_patch": int(patches.argmax()),
                "flow_to_cls": _rounded(flow.values[0], 6),
                "rollout_cls_row": _rounded(roll, 6),
            }
        )
        _show(fig.add_subplot(3, 3, i + 1), b.images[i], _label(b, i))
        _heat(fig.add_subplot(3, 3, i + 4), patches, "max-flow patch -> [CLS]", grid=True)
        _heat(
            fig.add_subplot(3, 3, i + 7), roll[1:].view(td.GRID, td.GRID).numpy(), "rollout, for comparison", grid=True
        )
    fig.suptitle("Attention flow (max-flow through the layered attention graph) on the toy ViT")
    return fig, {"model": "TinyViT (trained)", "output_token": "[CLS]", "examples": rows}


def demo_gradient_attention_relevancy():
    llava = tm.trained_llava()
    b = td.make_shapes(3, seed=51)
    fig = Figure(figsize=(9, 5), layout="constrained")
    rows, maps = [], []
    for i in range(len(b)):
        qi = i % 2
        q = td.question_tokens(torch.tensor([qi]))
        answer = int(td.answer_tokens(b.subset(slice(i, i + 1)), torch.tensor([qi]))[0])
        image = b.images[i : i + 1]
        atts, grads = attention_and_gradients(
            lambda image=image, q=q, answer=answer: llava(image, q)[0, -1, answer],
            [blk.attn.attn_probs for blk in llava.blocks],
        )
        rel = gradient_attention_relevancy([a[0] for a in atts], [g[0] for g in grads])
        last = rel[-1]
        img_rel = last[: td.N_PATCHES].view(td.GRID, td.GRID)
        rows.append(
            {
                "object": _label(b, i),
                "question": td.QUESTIONS[qi],
                "answer": td.VOCAB[answer],
                "cell": int(b.cell[i]),
                "relevancy_answer_row": _rounded(last, 6),
                "image_share_of_non_self_relevancy": float(last[: td.N_PATCHES].sum() / (last.sum() - 1)),
            }
        )
        _show(
            fig.add_subplot(2, 3, i + 1), b.images[i], f"{_label(b, i)}\n'{td.QUESTIONS[qi]} ?' -> {td.VOCAB[answer]}"
        )
        maps.append(img_rel.numpy())
    top = max(float(m.max()) for m in maps)  # one colour scale, so the panels compare
    for i, m in enumerate(maps):
        _heat(fig.add_subplot(2, 3, i + 4), m, "relevancy of image tokens (shared scale)", grid=True, vmin=0, vmax=top)
    fig.suptitle("Gradient-weighted attention relevancy (Chefer et al.) in the toy LLaVA decoder")
    return fig, {"model": "TinyLLaVA (trained)", "positions": LLAVA_POSITIONS, "examples": rows}


# --------------------------------------------------------------------------- Shapley


def demo_mm_shap():
    clip = tm.trained_clip()
    b = td.make_shapes(3, seed=61)
    good = td.caption_tokens(b.colour, b.shape)
    wrong = td.caption_tokens((b.colour + 1) % len(td.COLOURS), b.shape)
    rows = []
    fig = Figure(figsize=(9, 5.2), layout="constrained")
    for i in range(len(b)):
        for k, (caption, kind) in enumerate([(good[i], "matching"), (wrong[i], "colour swapped")]):

            def value(text_mask, image_mask, caption=caption, image=b.images[i]):
                m = len(text_mask)
                toks = caption.repeat(m, 1)
                toks[:, 1:3] = torch.where(text_mask, toks[:, 1:3], V["<mask>"])
                imgs = image.repeat(m, 1, 1, 1)
                pm = image_mask.view(m, td.GRID, td.GRID).repeat_interleave(td.PATCH, 1).repeat_interleave(td.PATCH, 2)
                imgs = torch.where(pm[:, None], imgs, 0.25)
                with torch.no_grad():
                    return clip.score(imgs, toks)

            res = mm_shap(value, n_text=2, n_image=td.N_PATCHES, n_permutations=64, seed=i)
            text = " ".join(td.VOCAB[int(t)] for t in caption[1:3])
            rows.append(
                {
                    "image": _label(b, i),
                    "caption": text,
                    "pair": kind,
                    "t_shap": res.t_shap,
                    "v_shap": res.v_shap,
                    "phi_text": _rounded(res.phi_text),
                    "phi_image": _rounded(res.phi_image),
                    "full_score": res.full_value,
                    "empty_score": res.empty_value,
                    "efficiency_gap": float(
                        res.phi_text.sum() + res.phi_image.sum() - (res.full_value - res.empty_value)
                    ),
                }
            )
            if k == 0:
                _show(fig.add_subplot(2, 3, i + 1), b.images[i], _label(b, i))
                lim = float(res.phi_image.abs().max())
                _heat(
                    fig.add_subplot(2, 3, i + 4),
                    res.phi_image.view(td.GRID, td.GRID).numpy(),
                    f"patch Shapley; T-SHAP {res.t_shap:.2f}",
                    cmap="coolwarm",
                    vmin=-lim,
                    vmax=lim,
                    grid=True,
                )
    fig.suptitle("MM-SHAP on the toy CLIP (image-caption score; 2 words + 16 patches)")
    return fig, {
        "model": "TinyCLIP (trained)",
        "estimator": "permutation sampling, 64 antithetic orderings",
        "masking": "text: <mask> token; image: patch set to background 0.25",
        "examples": rows,
    }


# --------------------------------------------------------------------------- lens / DLA / patching


def _llava_prompt(question: int, n: int = 1) -> torch.Tensor:
    return td.question_tokens(torch.full((n,), question))


def demo_logit_lens():
    llava = tm.trained_llava()
    b = objects(colour=1, shape=2, cell=6, seed=71)
    q = _llava_prompt(0)
    with torch.no_grad():
        logits, states = residual_stream(lambda: llava(b.images, q), [llava.hook_embed, *llava.blocks])
        lens = logit_lens(states, llava.ln_f, llava.unembed)[:, 0]  # [L+1, N, V]
    probs = lens.softmax(-1)
    answer = V["green"]
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax = fig.add_subplot(1, 2, 1)
    _heat(ax, probs[:, :, answer].numpy(), "P('green') read at each layer/position", aspect="auto")
    ax.set_yticks(range(len(states)), ["embed", *[f"block {i + 1}" for i in range(len(llava.blocks))]])
    ax.set_xticks(range(len(LLAVA_POSITIONS)), LLAVA_POSITIONS, rotation=90, fontsize=6)
    ax2 = fig.add_subplot(1, 2, 2)
    for w in td.COLOUR_NAMES:
        ax2.plot(probs[:, -1, V[w]].numpy(), marker="o", label=w, color=_word_colour(w))
    ax2.set_xticks(range(len(states)), ["embed", *[f"block {i + 1}" for i in range(len(llava.blocks))]])
    ax2.set_title("last position ('?'): colour words", fontsize=8)
    ax2.legend(fontsize=7)
    fig.suptitle(f"Logit lens on the toy LLaVA ({_label(b)}, 'colour ?')")
    top = lens[:, -1].argmax(-1)
    return fig, {
        "model": "TinyLLaVA (trained)",
        "positions": LLAVA_POSITIONS,
        "layers": ["embed", *[f"block {i + 1}" for i in range(len(llava.blocks))]],
        "top_token_last_position": [td.VOCAB[int(t)] for t in top],
        "p_answer_last_position": _rounded(probs[:, -1, answer]),
        "max_abs_diff_last_layer_vs_model_logits": float((lens[-1] - logits[0]).abs().max()),
    }


def demo_direct_logit_attribution():
    llava = tm.trained_llava()
    b = objects(colour=3, shape=0, cell=9, seed=81)
    q = _llava_prompt(0)
    answer = V["yellow"]
    modules = {"embed": llava.hook_embed}
    for i, blk in enumerate(llava.blocks):
        modules[f"heads{i}"] = blk.attn.head_outputs
        modules[f"attn{i}"] = blk.attn
        modules[f"mlp{i}"] = blk.mlp
    with torch.no_grad(), record(modules) as st:
        logits = llava(b.images, q)
    comps = {"embed": st["embed"][0, -1]}
    for i, blk in enumerate(llava.blocks):
        per_head, bias = split_heads(st[f"heads{i}"][0, -1], blk.attn.out)
        for h in range(per_head.shape[0]):
            comps[f"L{i + 1}.head{h}"] = per_head[h]
        comps[f"L{i + 1}.attn_bias"] = bias
        comps[f"L{i + 1}.mlp"] = st[f"mlp{i}"][0, -1]
    with torch.no_grad():
        res = direct_logit_attribution(comps, llava.ln_f, llava.unembed.weight, answer, llava.unembed.bias)
    names = list(res.contributions)
    vals = [float(res.contributions[n]) for n in names]
    fig = Figure(figsize=(9, 3.8), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    ax.bar(range(len(vals)), vals, color=["tab:green" if v > 0 else "tab:red" for v in vals])
    ax.set_xticks(range(len(vals)), names, rotation=60, fontsize=7)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel("contribution to logit('yellow')")
    fig.suptitle(
        f"Direct logit attribution, toy LLaVA ({_label(b)}, 'colour ?'); "
        f"sum {sum(vals):.3f} + bias {float(res.bias):.3f} = logit {float(logits[0, -1, answer]):.3f}",
        fontsize=9,
    )
    return fig, {
        "model": "TinyLLaVA (trained)",
        "token": "yellow",
        "contributions": dict(zip(names, vals, strict=True)),
        "bias_term": float(res.bias),
        "model_logit": float(logits[0, -1, answer]),
        "sum_plus_bias_minus_logit": float(sum(vals) + float(res.bias) - float(logits[0, -1, answer])),
    }


def demo_activation_patching():
    llava = tm.trained_llava()
    clean = objects(colour=0, shape=1, cell=5, seed=91)
    corrupt = objects(colour=2, shape=1, cell=5, seed=91)
    q = _llava_prompt(0)

    def metric(out):
        return out[0, -1, V["red"]] - out[0, -1, V["blue"]]

    modules = [llava.hook_embed, *llava.blocks]
    res = activation_patching(lambda: llava(clean.images, q), lambda: llava(corrupt.images, q), modules, metric)
    norm = res.normalized()
    with torch.no_grad():
        clean_out = llava(clean.images, q)
    _, (clean_block,) = residual_stream(lambda: llava(clean.images, q), [llava.blocks[0]])
    restored = run_with_patch(lambda: llava(corrupt.images, q), llava.blocks[0], clean_block.detach())
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    gs = fig.add_gridspec(1, 3, width_ratios=[1, 1, 3.2])
    _show(fig.add_subplot(gs[0, 0]), clean.images[0], "clean: red cross")
    _show(fig.add_subplot(gs[0, 1]), corrupt.images[0], "corrupted: blue cross")
    ax = fig.add_subplot(gs[0, 2])
    _heat(
        ax, norm.numpy(), "fraction of logit(red)-logit(blue) restored", cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto"
    )
    ax.set_yticks(range(len(modules)), ["embed", *[f"block {i + 1}" for i in range(len(llava.blocks))]], fontsize=7)
    ax.set_xticks(range(len(LLAVA_POSITIONS)), LLAVA_POSITIONS, rotation=90, fontsize=6)
    fig.suptitle("Activation patching (clean -> corrupted, one position at a time), toy LLaVA")
    return fig, {
        "model": "TinyLLaVA (trained)",
        "metric": "logit(red) - logit(blue) at '?'",
        "clean_metric": res.clean,
        "corrupted_metric": res.corrupted,
        "positions": LLAVA_POSITIONS,
        "layers": ["embed", *[f"block {i + 1}" for i in range(len(llava.blocks))]],
        "normalized_effects": _rounded(norm),
        "full_residual_patch_max_abs_diff": float((restored - clean_out).abs().max()),
    }


# --------------------------------------------------------------------------- probes and concepts


def _vit_cls_states(vit, images):
    with torch.no_grad():
        return [h[:, 0] for h in vit.hidden_states(images)]


def demo_linear_probe():
    vit = tm.trained_vit()
    train, test = td.make_shapes(600, seed=101), td.make_shapes(300, seed=102)
    h_train, h_test = _vit_cls_states(vit, train.images), _vit_cls_states(vit, test.images)
    types_train = (train.colour * len(td.SHAPES) + train.shape) * td.N_PATCHES + train.cell
    types_test = (test.colour * len(td.SHAPES) + test.shape) * td.N_PATCHES + test.cell
    layers = ["embed", *[f"block {i + 1}" for i in range(len(vit.blocks))]]
    tasks = {
        "colour": (train.colour, test.colour),
        "shape": (train.shape, test.shape),
        "left half": ((train.cell % td.GRID < td.GRID // 2).long(), (test.cell % td.GRID < td.GRID // 2).long()),
    }
    results = {}
    for task, (ytr, yte) in tasks.items():
        results[task] = []
        for layer, a, b in zip(layers, h_train, h_test, strict=True):
            r = probe_with_control(a, ytr, types_train, b, yte, types_test)
            results[task].append(
                {
                    "layer": layer,
                    "accuracy": r.accuracy,
                    "control_accuracy": r.control_accuracy,
                    "selectivity": r.selectivity,
                }
            )
    fig = Figure(figsize=(9, 3.4), layout="constrained")
    for k, (task, rows) in enumerate(results.items()):
        ax = fig.add_subplot(1, 3, k + 1)
        x = np.arange(len(layers))
        ax.bar(x - 0.2, [r["accuracy"] for r in rows], 0.4, label="task")
        ax.bar(x + 0.2, [r["control_accuracy"] for r in rows], 0.4, label="control")
        ax.set_xticks(x, layers, fontsize=7)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{task}: selectivity " + ", ".join(f"{r['selectivity']:.2f}" for r in rows), fontsize=7)
        if k == 0:
            ax.legend(fontsize=7)
    fig.suptitle("Linear probes on the toy ViT's [CLS] state, with control tasks (held-out accuracy)")
    return fig, {
        "model": "TinyViT (trained)",
        "representation": "[CLS] residual stream",
        "control_task": "random label per (colour, shape, cell) type",
        "results": results,
    }


def demo_tcav():
    vit = tm.trained_vit()
    layer = vit.blocks[-1]
    cls = lambda h: h[:, 0]  # noqa: E731 - [CLS] token of the residual stream
    randoms = [td.make_shapes(40, seed=120 + k).images for k in range(5)]

    racts = [activations_and_gradients(lambda x: vit(x)[:, 0], layer, r, cls)[0] for r in randoms]
    n = len(td.COLOURS)
    table, pvals, corrected = np.zeros((n, n)), np.zeros((n, n)), np.zeros((n, n))
    for ci in range(n):
        concept = objects(colour=ci, n=40, seed=110 + ci).images
        cacts = activations_and_gradients(lambda x: vit(x)[:, 0], layer, concept, cls)[0]
        for k in range(n):
            target = k * len(td.SHAPES)  # "<colour k> square"
            inputs = objects(colour=k, shape=0, n=40, seed=130 + k).images

            def centred_logit(x, target=target):
                z = vit(x)
                return (z - z.mean(-1, keepdim=True))[:, target]

            grads = activations_and_gradients(centred_logit, layer, inputs, cls)[1]
            res = tcav(grads, cacts, racts, method="mean-difference", n_tests=n * n)
            table[ci, k], pvals[ci, k], corrected[ci, k] = res.mean, res.p_value, res.corrected_p_value
    significant = corrected < 0.05
    fig = Figure(figsize=(5.8, 4.6), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    _heat(ax, np.where(significant, table, np.nan), "TCAV score, significant cells only", vmin=0, vmax=1)
    ax.set_yticks(range(n), [f"concept {c}" for c in td.COLOUR_NAMES], fontsize=7)
    ax.set_xticks(range(n), [f"{c} square" for c in td.COLOUR_NAMES], fontsize=7, rotation=30)
    for (r, c), v in np.ndenumerate(table):
        text = f"{v:.2f}\np={corrected[r, c]:.2g}" if significant[r, c] else f"n.s.\n({v:.2f})"
        ax.text(c, r, text, ha="center", va="center", fontsize=6, color="w" if significant[r, c] else "0.4")
    fig.suptitle(
        f"TCAV, toy ViT ([CLS] after the last block, centred class logits); {len(randoms)} random sets,\n"
        f"t-test vs random CAVs, Bonferroni x{n * n}: grey 'n.s.' = not significant at 0.05",
        fontsize=8,
    )
    return fig, {
        "model": "TinyViT (trained)",
        "layer": "blocks[-1] output, [CLS] token",
        "cav": "mean-difference",
        "concepts": list(td.COLOUR_NAMES),
        "classes": [f"{c} square" for c in td.COLOUR_NAMES],
        "random_sets": len(randoms),
        "test": "two-sided Student t-test, Bonferroni-corrected",
        "scores": _rounded(table),
        "p_values": _rounded(pvals),
        "corrected_p_values": _rounded(corrected),
        "significant": significant.tolist(),
    }


# --------------------------------------------------------------------------- SAE


def demo_sparse_autoencoder():
    vit = tm.trained_vit()
    b = td.make_shapes(300, seed=141)
    with torch.no_grad():
        acts = vit.hidden_states(b.images)[1][:, 1:]  # patch tokens after block 1: [B, 16, d]
    is_obj = td.patch_mask(b).view(len(b), -1)
    label = torch.where(is_obj, b.colour[:, None].expand(-1, td.N_PATCHES), len(td.COLOURS))  # 4 = background
    x = acts.reshape(-1, acts.shape[-1])
    scale = float((x - x.mean(0)).norm(dim=-1).mean())
    x = x / scale  # unit mean (centred) norm, so the L1 coefficient means the same at any scale
    y = label.reshape(-1)
    sae = train_sae(x, d_hidden=64, l1_coeff=0.1, steps=600, lr=3e-3, seed=0)
    metrics = sae_metrics(sae, x)
    with torch.no_grad():
        f = sae.encode(x)
    names = [*td.COLOUR_NAMES, "background"]
    means = torch.stack([f[y == k].mean(0) for k in range(len(names))])  # [5, 64]
    features = {}
    for k, name in enumerate(names):
        others = torch.cat([means[:k], means[k + 1 :]]).amax(0)
        margin = means[k] - others  # how much more the feature fires on this token type than on any other
        j = int(margin.argmax())
        features[name] = {
            "feature": j,
            "mean_activation": float(means[k, j]),
            "margin_over_other_types": float(margin[j]),
            "fraction_of_firing_on_this_type": float(means[k, j] / means[:, j].sum().clamp_min(1e-12)),
        }
    order = [v["feature"] for v in features.values()]
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.add_subplot(1, 2, 1)
    shown = means[:, order] / means[:, order].amax(0, keepdim=True).clamp_min(1e-12)
    _heat(ax, shown.numpy(), "mean activation by token type (per feature, max = 1)", aspect="auto")
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_xticks(range(len(order)), [f"f{j}" for j in order], fontsize=7)
    ax2 = fig.add_subplot(1, 2, 2)
    ax2.hist((f > 0).sum(1).numpy(), bins=range(0, 21), color="tab:blue")
    ax2.set_title(
        f"L0 per token (mean {metrics['l0']:.1f}); var. explained {metrics['explained_variance']:.2f}", fontsize=8
    )
    fig.suptitle("Sparse autoencoder (64 features) on the toy ViT's patch tokens after block 1")
    return fig, {
        "model": "TinyViT (trained)",
        "activations": "patch tokens after block 1 (4800 x 32), scaled by 1/%.4f" % scale,
        "d_hidden": 64,
        "l1_coeff": 0.1,
        "metrics": metrics,
        "best_feature_per_token_type": features,
        "mean_activation_by_token_type": {n: _rounded(means[k], 5) for k, n in enumerate(names)},
    }


# --------------------------------------------------------------------------- inference-time interventions


def demo_activation_steering():
    llava = tm.trained_llava()
    n = 48
    q = _llava_prompt(0, n)
    reds, blues = objects(colour=0, n=n, seed=151), objects(colour=2, n=n, seed=152)
    layer = llava.blocks[0]
    with torch.no_grad(), record({"h": layer}) as st:
        llava(reds.images, q)
        red_acts = st["h"]
        llava(blues.images, q)
        blue_acts = st["h"]
    vector = steering_vector(red_acts[:, -1], blue_acts[:, -1])
    test = objects(colour=2, n=n, seed=153)
    strengths = [-1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0]
    curves = {w: [] for w in td.COLOUR_NAMES}
    for s in strengths:
        with torch.no_grad(), steer(layer, vector, s, positions=[-1]):
            p = llava(test.images, q)[:, -1].softmax(-1).mean(0)
        for w in td.COLOUR_NAMES:
            curves[w].append(float(p[V[w]]))
    fig = Figure(figsize=(6, 3.8), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    for w, ys in curves.items():
        ax.plot(strengths, ys, marker="o", label=w, color=_word_colour(w))
    ax.set_xlabel("steering strength (x mean(red) - mean(blue) after block 1, at '?')")
    ax.set_ylabel("mean P(answer) on blue images")
    ax.legend(fontsize=7)
    fig.suptitle("Activation steering in the toy LLaVA: 'colour ?' on blue objects", fontsize=9)
    return fig, {
        "model": "TinyLLaVA (trained)",
        "layer": "blocks[0] output, last position",
        "strengths": strengths,
        "mean_answer_probability": curves,
        "vector_norm": float(vector.norm()),
    }


def demo_visual_contrastive_decoding():
    llava = tm.trained_llava()
    b = td.make_shapes(4, seed=161)
    q = _llava_prompt(0, len(b))
    with torch.no_grad():
        logits = llava(b.images, q)[:, -1]
        distorted = llava(distort_image(b.images, noise_step=999, seed=0), q)[:, -1]
    alphas = [0.0, 0.5, 1.0, 2.0]
    rows = []
    fig = Figure(figsize=(10, 4.6), layout="constrained")
    for i in range(len(b)):
        entry = {"object": _label(b, i), "p_original": {}, "p_distorted": {}, "p_vcd": {}}
        p0 = logits[i].softmax(-1)
        pd = distorted[i].softmax(-1)
        for w in td.COLOUR_NAMES:
            entry["p_original"][w] = float(p0[V[w]])
            entry["p_distorted"][w] = float(pd[V[w]])
        for a in alphas:
            pv = contrastive_logits(logits[i], distorted[i], alpha=a, beta=0.1).softmax(-1)
            entry["p_vcd"][str(a)] = {w: float(pv[V[w]]) for w in td.COLOUR_NAMES}
        rows.append(entry)
        _show(fig.add_subplot(2, 4, i + 1), b.images[i], _label(b, i))
        ax = fig.add_subplot(2, 4, i + 5)
        x = np.arange(len(td.COLOUR_NAMES))
        ax.bar(x - 0.27, [entry["p_original"][w] for w in td.COLOUR_NAMES], 0.27, label="image")
        ax.bar(x, [entry["p_distorted"][w] for w in td.COLOUR_NAMES], 0.27, label="distorted")
        ax.bar(x + 0.27, [entry["p_vcd"]["1.0"][w] for w in td.COLOUR_NAMES], 0.27, label="VCD a=1")
        ax.set_xticks(x, td.COLOUR_NAMES, fontsize=6)
        if i == 0:
            ax.legend(fontsize=6)
    fig.suptitle("Visual contrastive decoding in the toy LLaVA: 'colour ?' (beta = 0.1)")
    plain_gap = float((contrastive_logits(logits, distorted, alpha=0.0, beta=0.0) - logits).abs().max())
    return fig, {
        "model": "TinyLLaVA (trained)",
        "distortion": "diffusion noise, step 999 of 1000",
        "alphas": alphas,
        "beta": 0.1,
        "alpha0_max_abs_diff_from_plain_logits": plain_gap,
        "examples": rows,
    }


DEMOS: dict[str, Callable[[], tuple[Figure, dict]]] = {
    "integrated-gradients": demo_integrated_gradients,
    "mm-shap": demo_mm_shap,
    "attention-rollout": demo_attention_rollout,
    "attention-flow": demo_attention_flow,
    "gradient-attention-relevancy": demo_gradient_attention_relevancy,
    "grad-cam": demo_grad_cam,
    "logit-lens": demo_logit_lens,
    "activation-patching": demo_activation_patching,
    "linear-probe": demo_linear_probe,
    "tcav": demo_tcav,
    "direct-logit-attribution": demo_direct_logit_attribution,
    "sparse-autoencoder": demo_sparse_autoencoder,
    "activation-steering": demo_activation_steering,
    "visual-contrastive-decoding": demo_visual_contrastive_decoding,
}

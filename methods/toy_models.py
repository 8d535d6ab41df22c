"""Tiny offline models the methods run on: a ViT, a small CNN, a CLIP-style dual encoder and a
LLaVA-style MLLM.

The transformers are built from the same pre-LayerNorm block and expose the module names
that interpretability code hooks into (the same names a reader meets in real models):

* ``blocks[i].attn.attn_probs`` - an ``nn.Identity`` the attention probabilities ``[B, H, N, N]``
  pass through (record them, or their gradient, with a forward hook);
* ``blocks[i].attn`` / ``blocks[i].mlp`` - the two writers into the residual stream;
* ``blocks[i]`` - the residual stream after the block; ``hook_embed`` - the residual stream
  before the first block; ``ln_f`` - the final norm; ``head`` / ``unembed`` - the read-out.

The models are trained in a few seconds on :mod:`methods.toy_data` (fixed seeds, CPU); nothing is
downloaded. The trained weights are kept per process and on disk, per version of this code
(``$ATLAS_TOY_MODEL_CACHE``, default ``.cache/toy-models``), so only the first run anywhere trains;
:func:`training_progress` lets a caller (the website) show how far a first training has come.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import math
import os
import pickle
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from methods import toy_data as td


class Attention(nn.Module):
    """Multi-head self-attention with hookable probabilities and per-head outputs."""

    def __init__(self, d: int, n_heads: int, causal: bool = False):
        super().__init__()
        assert d % n_heads == 0
        self.n_heads, self.d_head, self.causal = n_heads, d // n_heads, causal
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.attn_probs = nn.Identity()  # hook point: [B, H, N, N]
        self.head_outputs = nn.Identity()  # hook point: [B, N, H, d_head], before the out projection

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.n_heads, self.d_head).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)
        if self.causal:
            future = torch.ones(n, n, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(future, float("-inf"))
        probs = self.attn_probs(scores.softmax(dim=-1))
        z = self.head_outputs((probs @ v).transpose(1, 2))
        return self.out(z.reshape(b, n, d))


class MLP(nn.Module):
    def __init__(self, d: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.act = nn.GELU()
        self.neurons = nn.Identity()  # hook point: post-activation neurons [B, N, hidden]
        self.fc2 = nn.Linear(hidden, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.neurons(self.act(self.fc1(x))))


class Block(nn.Module):
    """Pre-LN transformer block: ``x + attn(ln1(x))`` then ``+ mlp(ln2(x))``."""

    def __init__(self, d: int, n_heads: int, mlp_ratio: int = 2, causal: bool = False):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, n_heads, causal)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = MLP(d, mlp_ratio * d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TinyViT(nn.Module):
    """A small vision transformer: 6x6 patches of a 24x24 image, a [CLS] token, pre-LN blocks."""

    def __init__(self, d: int = 32, depth: int = 2, n_heads: int = 4, n_classes: int | None = td.N_CLASSES):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, d, kernel_size=td.PATCH, stride=td.PATCH)
        self.cls_token = nn.Parameter(0.02 * torch.randn(1, 1, d))
        self.pos_embed = nn.Parameter(0.02 * torch.randn(1, 1 + td.N_PATCHES, d))
        self.hook_embed = nn.Identity()
        self.blocks = nn.ModuleList(Block(d, n_heads) for _ in range(depth))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_classes) if n_classes else None

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(images).flatten(2).transpose(1, 2)  # [B, N, d]
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        return self.hook_embed(torch.cat([cls, x], dim=1) + self.pos_embed)

    def hidden_states(self, images: torch.Tensor, upto: int | None = None) -> list[torch.Tensor]:
        """Residual stream ``[B, 1 + N, d]`` before the first block and after each block
        (``upto`` limits how many blocks run)."""
        states = [self.embed(images)]
        for block in self.blocks[:upto]:
            states.append(block(states[-1]))
        return states

    def tokens(self, images: torch.Tensor) -> torch.Tensor:
        """Final-norm token states ``[B, 1 + N, d]`` (index 0 is [CLS])."""
        return self.ln_f(self.hidden_states(images)[-1])

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.tokens(images)[:, 0])


class TinyCNN(nn.Module):
    """A small convolutional image classifier (Grad-CAM's original setting): three 3x3 conv
    layers with ReLU, global average pooling and a linear head. ``features[-1]`` is the last
    ReLU, a ``[B, 32, 12, 12]`` feature map."""

    def __init__(self, n_classes: int = td.N_CLASSES):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.ReLU(),
        )
        self.head = nn.Linear(32, n_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images).mean(dim=(2, 3)))


class TinyTextEncoder(nn.Module):
    """Bidirectional transformer over caption tokens, read out at the last (<eos>) position."""

    def __init__(self, d: int = 32, depth: int = 1, n_heads: int = 4, max_len: int = 4):
        super().__init__()
        self.tok_embed = nn.Embedding(len(td.VOCAB), d)
        self.pos_embed = nn.Parameter(0.02 * torch.randn(1, max_len, d))
        self.blocks = nn.ModuleList(Block(d, n_heads) for _ in range(depth))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.tok_embed(tokens) + self.pos_embed[:, : tokens.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x)[:, -1]


class TinyCLIP(nn.Module):
    """CLIP-style dual encoder: ViT image tower, transformer text tower, cosine similarity."""

    def __init__(self, d: int = 32, embed_dim: int = 16):
        super().__init__()
        self.vision = TinyViT(d=d, n_classes=None)
        self.text = TinyTextEncoder(d=d)
        self.image_proj = nn.Linear(d, embed_dim, bias=False)
        self.text_proj = nn.Linear(d, embed_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(10.0)))

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.image_proj(self.vision.tokens(images)[:, 0]), dim=-1)

    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text_proj(self.text(tokens)), dim=-1)

    def forward(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Logits of every image against every caption, ``[B_images, B_texts]``."""
        return self.logit_scale.exp() * self.encode_image(images) @ self.encode_text(tokens).T

    def score(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Scaled cosine similarity of each image with its own caption, ``[B]``."""
        return self.logit_scale.exp() * (self.encode_image(images) * self.encode_text(tokens)).sum(-1)


class TinyLLaVA(nn.Module):
    """LLaVA-style MLLM: ViT patch features -> MLP projector -> causal decoder over [image; text].

    The sequence is the 16 projected image tokens followed by the prompt tokens; the logits at
    the last position predict the one-word answer. As in LLaVA, the visual features are the
    patch tokens of an inner layer of the vision tower (``feature_layer`` indexes the hidden
    states ``[embeddings, block 1, ..., block L]``; LLaVA uses the penultimate, ``-2``).
    """

    def __init__(
        self,
        d: int = 32,
        depth: int = 2,
        n_heads: int = 4,
        max_text: int = 4,
        vision_depth: int = 2,
        feature_layer: int = -2,
    ):
        super().__init__()
        self.vision = TinyViT(d=d, depth=vision_depth, n_classes=None)
        self.feature_layer = feature_layer
        self.projector = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))
        self.tok_embed = nn.Embedding(len(td.VOCAB), d)
        self.pos_embed = nn.Parameter(0.02 * torch.randn(1, td.N_PATCHES + max_text, d))
        self.hook_embed = nn.Identity()
        self.blocks = nn.ModuleList(Block(d, n_heads, causal=True) for _ in range(depth))
        self.ln_f = nn.LayerNorm(d)
        self.unembed = nn.Linear(d, len(td.VOCAB))

    n_image_tokens = td.N_PATCHES

    def image_embeds(self, images: torch.Tensor) -> torch.Tensor:
        """Projected visual tokens ``[B, 16, d]`` (patch tokens of the vision tower)."""
        n_states = len(self.vision.blocks) + 1
        upto = self.feature_layer % n_states
        return self.projector(self.vision.hidden_states(images, upto=upto)[upto][:, 1:])

    def embed(
        self, images: torch.Tensor | None, tokens: torch.Tensor, image_embeds: torch.Tensor | None = None
    ) -> torch.Tensor:
        img = self.image_embeds(images) if image_embeds is None else image_embeds
        x = torch.cat([img, self.tok_embed(tokens)], dim=1)
        return self.hook_embed(x + self.pos_embed[:, : x.shape[1]])

    def forward(
        self, images: torch.Tensor | None, tokens: torch.Tensor, image_embeds: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Logits ``[B, 16 + T, V]``."""
        x = self.embed(images, tokens, image_embeds)
        for block in self.blocks:
            x = block(x)
        return self.unembed(self.ln_f(x))


# --------------------------------------------------------------------------- training

_on_step: Callable[[int, int], None] | None = None  # set while _cached trains for a training_progress listener


def _train(model: nn.Module, loss_fn, steps: int, lr: float) -> list[float]:
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    history = []
    model.train()
    with torch.enable_grad():  # also when called from inside a no_grad block
        for step in range(steps):
            loss = loss_fn(step)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            history.append(float(loss.detach()))
            if _on_step is not None and ((step + 1) % 10 == 0 or step + 1 == steps):
                _on_step(step + 1, steps)
    model.eval()
    return history


def _train_classifier(model: nn.Module, data_seed: int, steps: int, batch_size: int, lr: float) -> nn.Module:
    """Train ``model`` (already created under the caller's seed) to name the colour x shape class."""
    data = td.make_shapes(steps * batch_size // 4, seed=data_seed)

    def loss_fn(step: int) -> torch.Tensor:
        idx = torch.randint(len(data), (batch_size,))
        b = data.subset(idx)
        return F.cross_entropy(model(b.images), b.label)

    model.history = _train(model, loss_fn, steps, lr=lr)
    return model


def train_vit(seed: int = 0, steps: int = 150, batch_size: int = 64) -> TinyViT:
    """Train a :class:`TinyViT` to name the colour x shape class of the object."""
    torch.manual_seed(seed)
    return _train_classifier(TinyViT(), seed + 1, steps, batch_size, lr=3e-3)


def train_cnn(seed: int = 0, steps: int = 200, batch_size: int = 64) -> TinyCNN:
    """Train a :class:`TinyCNN` to name the colour x shape class of the object."""
    torch.manual_seed(seed)
    return _train_classifier(TinyCNN(), seed + 5, steps, batch_size, lr=1e-2)


def train_clip(seed: int = 0, steps: int = 200, batch_size: int = 64) -> TinyCLIP:
    """Train a :class:`TinyCLIP` contrastively: each image against all 12 possible captions."""
    torch.manual_seed(seed)
    model = TinyCLIP()
    data = td.make_shapes(steps * batch_size // 4, seed=seed + 2)
    captions, _ = td.all_captions()

    def loss_fn(step: int) -> torch.Tensor:
        idx = torch.randint(len(data), (batch_size,))
        b = data.subset(idx)
        return F.cross_entropy(model(b.images, captions), b.label)

    model.history = _train(model, loss_fn, steps, lr=3e-3)
    return model


def train_llava(seed: int = 0, steps: int = 200, batch_size: int = 64, lr: float = 3e-3, **kwargs) -> TinyLLaVA:
    """Train a :class:`TinyLLaVA` to answer "colour ?" / "shape ?" about the image."""
    torch.manual_seed(seed)
    model = TinyLLaVA(**kwargs)
    data = td.make_shapes(steps * batch_size // 4, seed=seed + 3)
    g = torch.Generator().manual_seed(seed + 4)
    questions = torch.randint(len(td.QUESTIONS), (len(data),), generator=g)

    def loss_fn(step: int) -> torch.Tensor:
        idx = torch.randint(len(data), (batch_size,))
        b, q = data.subset(idx), questions[idx]
        logits = model(b.images, td.question_tokens(q))[:, -1]
        return F.cross_entropy(logits, td.answer_tokens(b, q))

    model.history = _train(model, loss_fn, steps, lr=lr)
    return model


# --------------------------------------------------------------------------- trained once, kept on disk

CACHE_ENV = "ATLAS_TOY_MODEL_CACHE"
DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "toy-models"
TRAINERS = {"vit": train_vit, "cnn": train_cnn, "clip": train_clip, "llava": train_llava}
ARCHITECTURES = {"vit": TinyViT, "cnn": TinyCNN, "clip": TinyCLIP, "llava": TinyLLaVA}
NAMES = {"vit": "ViT", "cnn": "CNN", "clip": "CLIP dual encoder", "llava": "LLaVA-style MLLM"}

_listener: Callable[[str, float], None] | None = None


@contextmanager
def training_progress(listener: Callable[[str, float], None]):
    """While inside, ``listener(message, fraction)`` hears how far the training of a toy model has come
    (only when a model is not on disk yet: a first run)."""
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous


def code_version() -> str:
    """A hash of the code that defines and trains the models (and the torch version): weights trained by
    other code are never reused."""
    digest = hashlib.sha256(torch.__version__.encode())
    for path in (Path(__file__), Path(td.__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_file(kind: str, seed: int) -> Path:
    root = Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)
    return root / code_version() / f"{kind}-seed{seed}.pt"


def _load(kind: str, path: Path) -> nn.Module | None:
    """The model saved at ``path``, or None when there is none (or it cannot be read: it is trained again)."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        with torch.random.fork_rng(devices=[]):
            model = ARCHITECTURES[kind]()
        model.load_state_dict(saved["state"])
    except (OSError, RuntimeError, KeyError, ValueError, EOFError, pickle.UnpicklingError):
        return None
    model.history = list(saved.get("history", []))
    return model.eval()


def _save(model: nn.Module, path: Path) -> None:
    """Write the weights atomically; a cache that cannot be written (read-only disk) is only a lost speed-up."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, scratch = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
        os.close(handle)
        torch.save({"state": model.state_dict(), "history": list(getattr(model, "history", []))}, scratch)
        os.replace(scratch, path)
    except OSError:
        return


@functools.lru_cache(maxsize=None)
def _cached(kind: str, seed: int) -> nn.Module:
    path = cache_file(kind, seed)
    model = _load(kind, path)
    if model is not None:
        return model
    global _on_step
    listener = _listener
    if listener is not None:
        _on_step = lambda step, steps: listener(  # noqa: E731
            f"Training the toy {NAMES[kind]} once (kept on disk for every later run): step {step} of {steps}",
            step / steps,
        )
    try:
        with single_thread(), torch.random.fork_rng(devices=[]):  # leave the caller's RNG state alone
            model = TRAINERS[kind](seed=seed)
    finally:
        _on_step = None
    _save(model, path)
    if listener is not None:
        listener(f"The toy {NAMES[kind]} is trained and kept on disk; running the method ...", 1.0)
    return model


def trained_vit(seed: int = 0) -> TinyViT:
    """A trained :class:`TinyViT` (trained once per process; returns a private copy)."""
    return copy.deepcopy(_cached("vit", seed))


def trained_cnn(seed: int = 0) -> TinyCNN:
    """A trained :class:`TinyCNN` (trained once per process; returns a private copy)."""
    return copy.deepcopy(_cached("cnn", seed))


def trained_clip(seed: int = 0) -> TinyCLIP:
    """A trained :class:`TinyCLIP` (trained once per process; returns a private copy)."""
    return copy.deepcopy(_cached("clip", seed))


def trained_llava(seed: int = 0) -> TinyLLaVA:
    """A trained :class:`TinyLLaVA` (trained once per process; returns a private copy)."""
    return copy.deepcopy(_cached("llava", seed))


class single_thread:
    """Context manager: run torch on one CPU thread, then restore the previous setting.

    The toy models are so small that thread synchronisation costs more than it saves, and on a
    busy machine several threads can be many times slower than one.
    """

    def __enter__(self):
        self._previous = torch.get_num_threads()
        torch.set_num_threads(1)
        return self

    def __exit__(self, *exc):
        torch.set_num_threads(self._previous)
        return False

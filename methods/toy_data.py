"""A generated toy dataset with known ground truth: one coloured shape on a noisy background.

Every image is ``3 x 24 x 24``. The image is divided into a ``4 x 4`` grid of ``6 x 6`` cells
(exactly the patches our toy vision transformers use) and a single object is drawn inside one
cell. Because the generator decides the colour, the shape and the cell, every example comes with
its ground truth: labels for colour and shape, the cell (hence the patch index), and a pixel
mask of the object. Interpretability methods can then be checked against what is known to be in
the image, e.g. "does Grad-CAM put its mass on the object's patch?".

The same module defines the tiny vocabulary used by the CLIP-style captions ("red square") and
the LLaVA-style questions ("what colour ?" -> "red").
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

IMAGE_SIZE = 24
PATCH = 6
GRID = IMAGE_SIZE // PATCH  # 4 x 4 patches
N_PATCHES = GRID * GRID

COLOURS: dict[str, tuple[float, float, float]] = {
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "yellow": (1.0, 1.0, 0.0),
}
SHAPES = ("square", "cross", "ring")
COLOUR_NAMES = tuple(COLOURS)
N_CLASSES = len(COLOURS) * len(SHAPES)  # colour x shape classes for the ViT classifier

# Vocabulary shared by the CLIP-style captions and the LLaVA-style prompts.
SPECIAL = ("<pad>", "<bos>", "<eos>", "<mask>")
QUESTION_WORDS = ("colour", "shape", "?")
VOCAB: tuple[str, ...] = SPECIAL + QUESTION_WORDS + COLOUR_NAMES + SHAPES
TOKEN_ID: dict[str, int] = {w: i for i, w in enumerate(VOCAB)}


def _shape_mask(shape: str) -> torch.Tensor:
    """A ``PATCH x PATCH`` boolean stencil for a shape."""
    m = torch.zeros(PATCH, PATCH, dtype=torch.bool)
    if shape == "square":
        m[1:5, 1:5] = True
    elif shape == "cross":
        m[2:4, :] = True
        m[:, 2:4] = True
    elif shape == "ring":
        m[:, :] = True
        m[1:5, 1:5] = False
    else:  # pragma: no cover - guarded by SHAPES
        raise ValueError(f"unknown shape {shape!r}")
    return m


STENCILS = {s: _shape_mask(s) for s in SHAPES}


@dataclass
class ShapesBatch:
    """A batch of generated images with their ground truth."""

    images: torch.Tensor  # [B, 3, 24, 24] float32
    colour: torch.Tensor  # [B] index into COLOUR_NAMES
    shape: torch.Tensor  # [B] index into SHAPES
    cell: torch.Tensor  # [B] patch index (row * GRID + col) holding the object
    mask: torch.Tensor  # [B, 24, 24] bool, the object's pixels

    @property
    def label(self) -> torch.Tensor:
        """Joint colour x shape class used by the ViT classifier."""
        return self.colour * len(SHAPES) + self.shape

    def __len__(self) -> int:
        return self.images.shape[0]

    def subset(self, index: torch.Tensor | slice) -> "ShapesBatch":
        return ShapesBatch(
            self.images[index], self.colour[index], self.shape[index], self.cell[index], self.mask[index]
        )


def render(
    colour: torch.Tensor,
    shape: torch.Tensor,
    cell: torch.Tensor,
    noise: float = 0.1,
    generator: torch.Generator | None = None,
) -> ShapesBatch:
    """Draw the given objects (index tensors of equal length) on noisy grey backgrounds."""
    n = colour.shape[0]
    images = 0.5 + noise * torch.randn(n, 3, IMAGE_SIZE, IMAGE_SIZE, generator=generator)
    images = images * 0.5  # dim background around 0.25
    mask = torch.zeros(n, IMAGE_SIZE, IMAGE_SIZE, dtype=torch.bool)
    rgb = torch.tensor([COLOURS[c] for c in COLOUR_NAMES])
    for i in range(n):
        r, c = divmod(int(cell[i]), GRID)
        stencil = STENCILS[SHAPES[int(shape[i])]]
        ys, xs = r * PATCH, c * PATCH
        mask[i, ys : ys + PATCH, xs : xs + PATCH] = stencil
        images[i][:, mask[i]] = rgb[int(colour[i])].unsqueeze(1)
    return ShapesBatch(images.float(), colour.long(), shape.long(), cell.long(), mask)


def make_shapes(n: int, seed: int = 0, noise: float = 0.1) -> ShapesBatch:
    """``n`` random examples, fully determined by ``seed``."""
    g = torch.Generator().manual_seed(seed)
    colour = torch.randint(len(COLOURS), (n,), generator=g)
    shape = torch.randint(len(SHAPES), (n,), generator=g)
    cell = torch.randint(N_PATCHES, (n,), generator=g)
    return render(colour, shape, cell, noise=noise, generator=g)


def caption_tokens(colour: torch.Tensor, shape: torch.Tensor) -> torch.Tensor:
    """CLIP-style captions ``<bos> colour shape <eos>`` as token ids, shape [B, 4]."""
    cw = torch.tensor([TOKEN_ID[c] for c in COLOUR_NAMES])[colour]
    sw = torch.tensor([TOKEN_ID[s] for s in SHAPES])[shape]
    bos = torch.full_like(cw, TOKEN_ID["<bos>"])
    eos = torch.full_like(cw, TOKEN_ID["<eos>"])
    return torch.stack([bos, cw, sw, eos], dim=1)


def all_captions() -> tuple[torch.Tensor, list[str]]:
    """Every possible caption (one per colour x shape class, in class order) and its text."""
    colour = torch.arange(len(COLOURS)).repeat_interleave(len(SHAPES))
    shape = torch.arange(len(SHAPES)).repeat(len(COLOURS))
    texts = [f"{COLOUR_NAMES[c]} {SHAPES[s]}" for c, s in zip(colour.tolist(), shape.tolist(), strict=True)]
    return caption_tokens(colour, shape), texts


QUESTIONS = ("colour", "shape")


def question_tokens(question: torch.Tensor) -> torch.Tensor:
    """LLaVA-style prompts ``<bos> colour|shape ?`` as token ids, shape [B, 3]."""
    q = torch.tensor([TOKEN_ID[w] for w in QUESTIONS])[question]
    bos = torch.full_like(q, TOKEN_ID["<bos>"])
    mark = torch.full_like(q, TOKEN_ID["?"])
    return torch.stack([bos, q, mark], dim=1)


def answer_tokens(batch: ShapesBatch, question: torch.Tensor) -> torch.Tensor:
    """The correct one-word answer to each question about each image."""
    colour_ids = torch.tensor([TOKEN_ID[c] for c in COLOUR_NAMES])[batch.colour]
    shape_ids = torch.tensor([TOKEN_ID[s] for s in SHAPES])[batch.shape]
    return torch.where(question == 0, colour_ids, shape_ids)


def patch_mask(batch: ShapesBatch) -> torch.Tensor:
    """[B, GRID, GRID] bool: the patch holding the object (the ground-truth location)."""
    m = torch.zeros(len(batch), N_PATCHES, dtype=torch.bool)
    m[torch.arange(len(batch)), batch.cell] = True
    return m.view(len(batch), GRID, GRID)

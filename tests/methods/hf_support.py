"""Tiny random-config ``transformers`` models for the ``hf`` tests: built from configs here, seeded,
two blocks, hidden size 32, float64, nothing downloaded."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # the tests never touch the network
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import torch  # noqa: E402
import transformers as T  # noqa: E402

T.logging.set_verbosity_error()

TEXT = dict(
    vocab_size=64,
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    max_position_embeddings=128,
    pad_token_id=0,
)
VISION = dict(
    hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=16, patch_size=4
)


def _configs() -> dict:
    return {
        "qwen2": lambda: T.Qwen2ForCausalLM(T.Qwen2Config(**TEXT)),
        "llama": lambda: T.LlamaForCausalLM(T.LlamaConfig(**TEXT)),
        "vit": lambda: T.ViTForImageClassification(T.ViTConfig(**VISION, num_labels=5)),
        "clip": lambda: T.CLIPModel(
            T.CLIPConfig(
                text_config=dict(
                    vocab_size=64,
                    hidden_size=32,
                    intermediate_size=64,
                    num_hidden_layers=2,
                    num_attention_heads=4,
                    max_position_embeddings=16,
                ),
                vision_config=VISION,
                projection_dim=16,
            )
        ),
        "llava": lambda: T.LlavaForConditionalGeneration(
            T.LlavaConfig(
                vision_config=T.CLIPVisionConfig(**VISION), text_config=T.LlamaConfig(**TEXT), image_token_index=63
            )
        ),
        "qwen2-vl": lambda: T.Qwen2VLForConditionalGeneration(
            T.Qwen2VLConfig(
                text_config=dict(**TEXT, rope_scaling={"type": "mrope", "mrope_section": [2, 1, 1]}),
                vision_config=dict(
                    depth=2,
                    embed_dim=32,
                    hidden_size=32,
                    num_heads=4,
                    patch_size=4,
                    spatial_merge_size=2,
                    temporal_patch_size=2,
                    in_channels=3,
                ),
                image_token_id=60,
                video_token_id=61,
                vision_start_token_id=62,
                vision_end_token_id=59,
            )
        ),
    }


ARCHITECTURES = tuple(_configs())


def tiny_model(name: str, seed: int = 0, dtype=torch.float64):
    """A seeded tiny model of architecture ``name`` in eval mode (CLIP in float32: its text
    tower's causal mask cannot be built in float64)."""
    dtype = torch.float32 if name == "clip" else dtype
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _configs()[name]()
    return model.to(dtype).eval()

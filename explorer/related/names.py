"""How names of models, techniques and modalities are compared: case-, punctuation- and plural-insensitively."""

from __future__ import annotations

from explorer import fts


def model_key(name: str) -> str:
    return " ".join(fts.tokenize(name))


def technique_key(name: str) -> str:
    return " ".join(singular(w) for w in fts.tokenize(name))


def singular(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def model_family(norm: str) -> str | None:
    """'llava 1 5' -> 'llava', 'qwen2 vl' -> 'qwen', 'gpt 4v' -> 'gpt'; None when too short to mean anything."""
    first = norm.split(" ", 1)[0] if norm else ""
    stem = first.rstrip("0123456789")
    return stem if len(stem) >= 3 and stem.isalpha() else None

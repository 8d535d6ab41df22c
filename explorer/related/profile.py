"""What the question is about: its seed papers, taxonomy leaves, models, techniques, modalities, authors and text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from explorer.related.index import Index
from explorer.related.names import singular
from explorer.related.weights import FEATURE_KINDS


@dataclass
class Profile:
    seeds: list[int] = field(default_factory=list)
    leaves: dict[str, float] = field(default_factory=dict)  # leaf -> weight in (0, 1]
    leaf_counts: dict[str, int] = field(default_factory=dict)
    inferred_leaves: bool = False  # leaves come from the best text matches, not from seed papers
    inferred_techniques: set[int] = field(default_factory=set)  # techniques most of the best text matches use
    # ... or the question describes: "", or for a narrower term of the one it describes, that term's name
    described_techniques: dict[int, str] = field(default_factory=dict)
    # topics the question describes (concept -> strength of the match) and the papers about each (ascending)
    topics: dict[int, float] = field(default_factory=dict)
    topic_papers: dict[int, np.ndarray] = field(default_factory=dict)
    features: dict[str, dict[int, float]] = field(default_factory=lambda: {k: {} for k in FEATURE_KINDS})
    feature_counts: dict[str, dict[int, int]] = field(default_factory=lambda: {k: {} for k in FEATURE_KINDS})
    from_text: bool = False  # models/techniques were named in free text
    text: str = ""
    many: bool = False  # several seeds: reasons say "N of your papers"


def profile_from_seeds(index: Index, seeds: list[int], author_keys: Iterable[str] = ()) -> Profile:
    profile = Profile(seeds=list(seeds), many=len(seeds) > 1)
    leaf_counts = Counter(leaf for s in seeds for leaf in index.paper_leaves[s])
    profile.leaf_counts = dict(leaf_counts)
    profile.leaves = relative(leaf_counts)
    for kind in FEATURE_KINDS:
        counts = Counter(fid for s in seeds for fid in index.vocab[kind].by_paper[s])
        if kind == "author":
            authors = index.vocab["author"].by_name
            for name_key in set(author_keys):
                fid = authors.get(name_key)
                if fid is not None and fid not in counts:
                    counts[fid] = 1
        profile.feature_counts[kind] = dict(counts)
        profile.features[kind] = relative(counts)
    return profile


def relative(counts: Counter) -> dict:
    top = max(counts.values(), default=0)
    return {k: c / top for k, c in sorted(counts.items())} if top else {}


def find_mentions(index: Index, words: list[str]) -> dict[str, dict[int, float]]:
    """Models and techniques whose names or vocabulary aliases appear in the text (as whole words). The longest
    name wins: "chain-of-thought faithfulness" names the faithfulness test, not also chain-of-thought prompting."""
    found: dict[str, dict[int, float]] = {"model": {}, "technique": {}}
    for kind, transform in (("model", lambda w: w), ("technique", singular)):
        vocab = index.vocab[kind]
        names = vocab.names_and_aliases
        if not names:
            continue
        tokens = [transform(w) for w in words]
        taken = [False] * len(tokens)
        for n in range(min(vocab.max_words, 8), 0, -1):
            for start in range(0, len(tokens) - n + 1):
                fid = names.get(" ".join(tokens[start : start + n]))
                if fid is None or any(taken[start : start + n]):
                    continue
                if kind != "model" or is_proper_name(vocab.names[fid]):
                    found[kind][fid] = 1.0
                    taken[start : start + n] = [True] * n
    return found


def is_proper_name(name: str) -> bool:
    """A model name that names one model (LLaVA-1.5, CLIP, GPT-4V), not a description that annotations sometimes
    hold instead ("language models", "vision models"): such words in a question do not name a model."""
    return any(ch.isupper() or ch.isdigit() for ch in name)

"""Why a paper is in the result: one short sentence per part of its score."""

from __future__ import annotations

from explorer.related.index import Index, family_weights
from explorer.related.profile import Profile
from explorer.related.weights import COMPONENTS, FEATURE_KINDS, Weights


_RELATION_VERBS = {
    "builds-on": ("builds on", "built on by"),
    "extends": ("extends", "extended by"),
    "evaluates": ("evaluates", "evaluated by"),
    "compares-with": ("compares with", "compared with by"),
    "critiques": ("critiques", "critiqued by"),
    "uses": ("uses", "used by"),
}


def reasons(index: Index, profile: Profile, i: int, components: dict[str, float], words: list[str],
             weights: Weights) -> list[str]:
    by_part: dict[str, list[str]] = {}
    if components.get("relation"):
        by_part["relation"] = _relation_reasons(index, profile, i)
    if components.get("taxonomy"):
        by_part["taxonomy"] = _taxonomy_reasons(index, profile, i, weights)
    if components.get("text") and words:
        shown = ", ".join(f'"{w}"' for w in words[:6]) + (f" (+{len(words) - 6} more)" if len(words) > 6 else "")
        by_part["text"] = [f"text match: {shown}"]
    for kind in FEATURE_KINDS:
        if components.get(kind, 0) >= weights.min_reason or (components.get(kind) and not by_part):
            by_part[kind] = _feature_reasons(index, profile, kind, i)
    order = sorted(by_part, key=lambda name: (-components.get(name, 0), COMPONENTS.index(name)))
    return [reason for name in order for reason in by_part[name]]


def _relation_reasons(index: Index, profile: Profile, i: int) -> list[str]:
    out = []
    for s in profile.seeds:
        for t, kind in index.out_links.get(s, ()):
            if t == i:
                out.append(f"{_RELATION_VERBS.get(kind, (kind, kind + ' (by)'))[1]}: {index.keys[s]}")
        for t, kind in index.in_links.get(s, ()):
            if t == i:
                out.append(f"{_RELATION_VERBS.get(kind, (kind, kind))[0]}: {index.keys[s]}")
    return out


def _taxonomy_reasons(index: Index, profile: Profile, i: int, weights: Weights) -> list[str]:
    mine = index.paper_leaves[i]
    same = sorted((leaf for leaf in mine if leaf in profile.leaves),
                  key=lambda leaf: (-profile.leaves[leaf], index.leaves.index(leaf)))
    if same:
        names = [(index.node_names[leaf], profile.leaf_counts.get(leaf, 1)) for leaf in same]
        if profile.inferred_leaves:
            return [f"same leaf as the best text matches: {_listing(names)}"]
        if profile.many:
            return [_with_counts("same leaf as", names)]
        return [f"same leaf: {_listing(names)}"]
    best, best_value = None, 0.0
    for leaf in mine:
        for query_leaf, w in profile.leaves.items():
            level = index.proximity(query_leaf, leaf)
            value = getattr(weights, level) * w if level else 0.0
            if value > best_value:
                best, best_value = (level, leaf), value
    if best is None:
        return []
    level, leaf = best
    if level == "sibling_leaf":
        return [f"sibling leaf: {index.node_names[leaf]}"]
    return [f"same perspective: {index.node_names[index.root(leaf)]}"]


_FEATURE_LABELS = {  # kind -> (one seed, several seeds, named in free text)
    "model": ("shares model", "shares model with", "model named in your text"),
    "technique": ("shares technique", "shares technique with", "technique named in your text"),
    "modality": ("shares modality", "shares modality with", "modality named in your text"),
    "author": ("shared author", "shared author with", "author named in your text"),
}


def _feature_reasons(index: Index, profile: Profile, kind: str, i: int) -> list[str]:
    vocab = index.vocab[kind]
    wanted = profile.features[kind]
    mine = vocab.by_paper[i]
    shared = sorted((fid for fid in mine if fid in wanted), key=lambda f: (-vocab.idf[f] * wanted[f], vocab.names[f]))
    one, many, named = _FEATURE_LABELS[kind]
    if shared:
        names = [(vocab.names[fid], profile.feature_counts[kind].get(fid, 1)) for fid in shared]
        if profile.from_text:
            return [f"{named}: {_listing(names)}"]
        if profile.many:
            return [_with_counts(many, names)]
        return [f"{one}: {_listing(names)}"]
    if kind == "model":
        families = family_weights(vocab, wanted)
        related = [(vocab.names[fid], 1) for fid in mine if vocab.family[fid] in families]
        if related:
            return [f"same model family: {_listing(related)}"]
    return []


def _listing(names: list[tuple[str, int]], limit: int = 4, counts: bool = False) -> str:
    """'A, B, C' (with '(n)' after each name when ``counts``), '+N more' past ``limit``."""
    shown = [f"{name} ({n})" if counts else name for name, n in names[:limit]]
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(shown) + more


def _with_counts(label: str, names: list[tuple[str, int]]) -> str:
    """'same leaf as 3 of your papers: Visual Token', or with counts per name when there are several."""
    if len(names) == 1:
        name, n = names[0]
        return f"{label} {n} of your papers: {name}"
    return f"{label} your papers: {_listing(names, counts=True)}"

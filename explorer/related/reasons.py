"""Why a paper is in the result, in plain words: one sentence per part of its score, saying what was shared
(which words, which taxonomy leaf, model, family or link) and how many points it earned, largest part first.

For example "It builds on your paper nostalgebraist2020interpreting (5.0 points)" or "Its title and summary use
your words “sparse” and “autoencoders” (2.6 points)". The sentences name no internal setting: the website's
"How the ranking works" (``explain_ranking``) says what the points mean and how many each part can earn.
"""

from __future__ import annotations

from explorer.related.index import Index, family_weights
from explorer.related.profile import Profile
from explorer.related.textindex import position_in_sorted
from explorer.related.textmatch import FEEDBACK_SOURCE, WordMatch
from explorer.related.weights import COMPONENTS, FEATURE_KINDS, Weights

# How a typed link reads: (the result does it to the question's paper, the question's paper does it to the result).
_RELATION_VERBS = {
    "builds-on": "builds on",
    "extends": "extends",
    "evaluates": "evaluates",
    "compares-with": "compares itself with",
    "critiques": "critiques",
    "uses": "uses",
}
_SHOWN_WORDS = 5


def reasons(
    index: Index, profile: Profile, i: int, components: dict[str, float], words: list[WordMatch], weights: Weights
) -> list[str]:
    by_part: dict[str, list[str]] = {}
    if components.get("relation"):
        by_part["relation"] = _relation_reasons(index, profile, i, components["relation"])
    if components.get("taxonomy"):
        by_part["taxonomy"] = _taxonomy_reasons(index, profile, i, weights, components["taxonomy"])
    if components.get("text") and words:
        by_part["text"] = [_text_reason(words, components["text"])]
    if components.get("topic"):
        by_part["topic"] = [_topic_reason(index, profile, i, components["topic"])]
    for kind in FEATURE_KINDS:
        if components.get(kind, 0) >= weights.min_reason or (components.get(kind) and not by_part):
            by_part[kind] = _feature_reasons(index, profile, kind, i, components[kind])
    order = sorted(by_part, key=lambda name: (-components.get(name, 0), COMPONENTS.index(name)))
    return [reason for name in order for reason in by_part[name]]


def points(value: float) -> str:
    return f"({value:.1f} point{'' if round(value, 1) == 1 else 's'})"


def _yours(profile: Profile, count: int = 1) -> str:
    """How a sentence names the question's papers: "your paper", "1 of your papers", "3 of your papers"."""
    return f"{count} of your papers" if profile.many else "your paper"


def _relation_reasons(index: Index, profile: Profile, i: int, value: float) -> list[str]:
    out = []
    for s in profile.seeds:
        for t, kind in index.out_links.get(s, ()):
            if t == i:
                out.append(f"Your paper {index.keys[s]} {_RELATION_VERBS.get(kind, kind)} it")
        for t, kind in index.in_links.get(s, ()):
            if t == i:
                out.append(f"It {_RELATION_VERBS.get(kind, kind)} your paper {index.keys[s]}")
    return [f"{sentence} {points(value)}" if n == 0 else sentence for n, sentence in enumerate(out)]


def _taxonomy_reasons(index: Index, profile: Profile, i: int, weights: Weights, value: float) -> list[str]:
    mine = index.paper_leaves[i]
    same = sorted(
        (leaf for leaf in mine if leaf in profile.leaves),
        key=lambda leaf: (-profile.leaves[leaf], index.leaves.index(leaf)),
    )
    if same:
        names = _listing([index.node_names[leaf] for leaf in same])
        if profile.inferred_leaves:
            return [f"It is filed under {names}, like most of the best text matches {points(value)}"]
        if profile.many:
            counts = [profile.leaf_counts.get(leaf, 1) for leaf in same]
            like = _yours(profile, counts[0]) if len(same) == 1 else "some of your papers"
            return [f"It is filed under {names}, like {like} {points(value)}"]
        return [f"It is filed under the same taxonomy leaf as your paper: {names} {points(value)}"]
    best, best_value = None, 0.0
    for leaf in mine:
        for query_leaf, w in profile.leaves.items():
            level = index.proximity(query_leaf, leaf)
            level_value = getattr(weights, level) * w if level else 0.0
            if level_value > best_value:
                best, best_value = (level, leaf, query_leaf), level_value
    if best is None:
        return []
    level, leaf, query_leaf = best
    parent = index.node_parent.get(leaf)
    if level == "sibling_leaf" and parent:
        group = index.node_names[parent]
        return [
            f"It is filed under {index.node_names[leaf]}, in the {group} group like {index.node_names[query_leaf]}, "
            f"where {_yours(profile, profile.leaf_counts.get(query_leaf, 1))} is {points(value)}"
        ]
    return [
        f"It is filed under the same perspective as {_yours(profile)}: {index.node_names[index.root(leaf)]} "
        f"{points(value)}"
    ]


def _text_reason(words: list[WordMatch], value: float) -> str:
    """Which words matched, where, and what each added; the question's own words first, then added ones."""
    own = [w for w in words if w.added_from is None]
    added = [w for w in words if w.added_from is not None]
    parts = []
    if own:
        fields = sorted({f for w in own for f in w.fields}, key=_FIELD_ORDER.index)
        # "Its summary uses", but "Its title and summary use" and "Its techniques use"
        verb = "uses" if len(fields) == 1 and fields[0] in _SINGULAR_FIELDS else "use"
        parts.append(f"Its {_listing(fields)} {verb} your word{'s' if len(own) > 1 else ''} {_quoted(own)}")
    related = [w for w in added if w.added_from != FEEDBACK_SOURCE]
    if related:
        sources = _listing(list(dict.fromkeys(w.added_from for w in related if w.added_from)), limit=2)
        parts.append(
            f"{'and' if parts else 'It uses'} words of {sources}, which your question describes: {_quoted(related)}"
        )
    shared = [w for w in added if w.added_from == FEEDBACK_SOURCE]
    if shared:
        parts.append(f"{'and' if parts else 'It uses'} words your best matches share: {_quoted(shared)}")
    return " ".join(parts) + f" {points(value)}"


def _topic_reason(index: Index, profile: Profile, i: int, value: float) -> str:
    """'It is about hallucination, which your question describes': the described topics this paper's text names."""
    about = [
        _in_sentence(index.concepts.names[c][0])
        for c, papers in profile.topic_papers.items()
        if position_in_sorted(papers, i) is not None
    ]
    return f"It is about {_listing(about)}, which your question describes {points(value)}"


def _in_sentence(name: str) -> str:
    """A name as it reads inside a sentence: 'Hallucination' -> 'hallucination', 'OCR' stays."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


_FIELD_ORDER = ["title", "summary", "reasons for its categories", "techniques", "models", "authors"]
_SINGULAR_FIELDS = {"title", "summary"}


def _quoted(words: list[WordMatch]) -> str:
    shown = [
        f"“{_short(w.word)}” ({w.points:.1f}{', an everyday word, so it counts less' if w.everyday else ''})"
        for w in words[:_SHOWN_WORDS]
    ]
    more = f" and {len(words) - _SHOWN_WORDS} more" if len(words) > _SHOWN_WORDS else ""
    return ", ".join(shown) + more


def _short(word: str, limit: int = 40) -> str:
    return word if len(word) <= limit else word[: limit - 1] + "…"


_FEATURE_WORDS = {  # kind -> (what the paper does with it, what one is called, what several are called)
    "model": ("It studies", "model", "models"),
    "technique": ("It uses", "technique", "techniques"),
    "modality": ("It works with", "modality", "modalities"),
}


def _feature_reasons(index: Index, profile: Profile, kind: str, i: int, value: float) -> list[str]:
    vocab = index.vocab[kind]
    wanted = profile.features[kind]
    mine = vocab.by_paper[i]
    shared = sorted((fid for fid in mine if fid in wanted), key=lambda f: (-vocab.idf[f] * wanted[f], vocab.names[f]))
    named = [fid for fid in shared if kind != "technique" or fid not in profile.inferred_techniques]
    shared = named or shared  # a technique the text names is the reason; one the best matches share, failing that
    if shared and all(fid in profile.inferred_techniques for fid in shared) and kind == "technique":
        what = "techniques" if len(shared) > 1 else "technique"
        names = _listing([vocab.names[fid] for fid in shared])
        described = {fid: profile.described_techniques[fid] for fid in shared if fid in profile.described_techniques}
        if described and all(described.values()):
            # only narrower terms of a technique the question describes: name the one it describes
            kinds = _listing(list(dict.fromkeys(described.values())))
            kind_of = "kinds of" if len(shared) > 1 else "a kind of"
            return [f"It uses the {what} {names}, {kind_of} {kinds}, which your question describes {points(value)}"]
        if described:
            return [f"It uses the {what} {names}, which your question describes {points(value)}"]
        return [f"It uses the {what} {names}, like many of the best matches for your words {points(value)}"]
    if shared:
        names = _listing([vocab.names[fid] for fid in shared])
        counts = [profile.feature_counts[kind].get(fid, 1) for fid in shared]
        like = (
            "your text names"
            if profile.from_text
            else f"like {_yours(profile, counts[0]) if len(shared) == 1 else 'some of your papers'}"
        )
        if kind == "author":
            return [f"Its authors include {names}, {'whom ' + like if profile.from_text else like} {points(value)}"]
        verb, noun, nouns = _FEATURE_WORDS[kind]
        what = nouns if len(shared) > 1 else noun
        return [f"{verb} the {what} {names}, {'which ' + like if profile.from_text else like} {points(value)}"]
    if kind == "model":
        families = family_weights(vocab, wanted)
        related = [vocab.names[fid] for fid in mine if vocab.family[fid] in families]
        if related:
            whose = "a model your text names" if profile.from_text else f"a model of {_yours(profile)}"
            return [f"It studies {_listing(related)}, of the same model family as {whose} {points(value)}"]
    return []


def _listing(names: list[str], limit: int = 4) -> str:
    """'A', 'A and B', 'A, B and C', '+N more' past ``limit``."""
    shown = names[:limit]
    more = len(names) - len(shown)
    if more:
        return ", ".join(shown) + f" and {more} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]

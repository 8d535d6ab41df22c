"""Near-identical titles: the fuzzy half of "is this paper already in the atlas?".

Exact matches (same DOI, arXiv id or normalised title) are found in ``validate.check_same_paper``;
this module finds titles that differ only by a typo, a plural, a dropped "Towards", a hyphen or a
missing subtitle. Used by ``atlas validate`` (a warning) and ``atlas add`` (a refusal).

Tuned on the bundled data (266 papers, no true duplicates): the most alike pair of different
papers there scores 0.86 ("Evaluating Object Hallucination in Large Vision-Language Models" vs
"Analyzing and Mitigating Object Hallucination in Large Vision-Language Models"), so the
threshold sits at 0.92. Titles that differ in a number ("... 1.5" vs "... 2") or in a negation
("... Need Registers" vs "... Don't Need Trained Registers") are never called duplicates.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from ingest.identifiers import STOP_WORDS, normalise_title

THRESHOLD = 0.92
_NEGATIONS = frozenset({"not", "no", "don", "doesn", "isn", "aren", "won", "t", "without", "never"})
_SUBTITLE = re.compile(r"[:?\u2014]|\s--\s")
_NUMBER = re.compile(r"\b[a-z]*\d[a-z0-9]*\b")
_MAX_BLOCK = 32  # larger blocks are compared in a sliding window of sorted titles
_WINDOW = 6


@dataclass(frozen=True)
class TitleMatch:
    similarity: float  # 0..1; 1.0 for "one title is the other without its subtitle"
    reason: str  # human-readable, e.g. "titles are 95% alike"


@dataclass(slots=True)
class _Title:
    key: str
    title: str
    norm: str  # normalise_title(title)
    numbers: frozenset[str]  # tokens with a digit: titles that differ in one are different papers
    negated: bool
    main: str  # normalised title without its subtitle
    tokens: frozenset[str]  # significant words


def _prepare(key: str, title: str) -> _Title:
    norm = normalise_title(title)
    words = frozenset(norm.split())
    head = _SUBTITLE.split(title, maxsplit=1)[0]
    main = normalise_title(head) if len(head) < len(title) else norm
    return _Title(
        key,
        title,
        norm,
        frozenset(_NUMBER.findall(norm)),
        not _NEGATIONS.isdisjoint(words),
        main,
        (words - STOP_WORDS) or words,
    )


def _compare(a: _Title, b: _Title) -> TitleMatch | None:
    if not a.norm or not b.norm or a.norm == b.norm:
        return None
    if a.norm > b.norm:
        a, b = b, a  # SequenceMatcher's ratio depends on the order; the answer must not
    if a.numbers != b.numbers or a.negated != b.negated:
        return None
    # "X" vs "X: a subtitle": the same paper cited without its subtitle (X of three words or more).
    for short, long_ in ((a, b), (b, a)):
        if len(short.norm.split()) >= 3 and long_.main == short.norm:
            return TitleMatch(1.0, "one title is the other without its subtitle")
    if 2 * min(len(a.norm), len(b.norm)) / (len(a.norm) + len(b.norm)) < THRESHOLD:
        return None  # lengths alone rule it out (SequenceMatcher.real_quick_ratio)
    if 2 * len(a.tokens & b.tokens) < max(len(a.tokens), len(b.tokens)):
        return None  # most words differ: a few typos, a plural or a dropped word cannot do that
    matcher = SequenceMatcher(None, a.norm, b.norm, autojunk=False)
    if matcher.quick_ratio() < THRESHOLD:
        return None
    ratio = matcher.ratio()
    return TitleMatch(ratio, f"titles are {ratio:.0%} alike") if ratio >= THRESHOLD else None


def compare_titles(a: str, b: str) -> TitleMatch | None:
    """A TitleMatch when titles ``a`` and ``b`` (display text) look like the same paper, else None.

    Identical normalised titles are not reported here (the exact check owns them).
    """
    return _compare(_prepare("", a), _prepare("", b))


def near_duplicate_pairs(titles: Iterable[tuple[str, str]]) -> list[tuple[str, str, TitleMatch]]:
    """Pairs ``(key_a, key_b, match)`` of near-identical titles among ``(key, title)`` items.

    Only titles that could match are compared: they must carry the same numbers and share one
    of their rarest words (or their main title); this loses no pair. A block that is still large
    (titles made of a few common words, as in synthetic benchmarks) is compared within a sliding
    window of its sorted titles, so the cost grows with the number of papers, not its square.
    """
    items = [_prepare(key, title) for key, title in titles]
    frequency = Counter(token for item in items for token in item.tokens)
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        # Prefix filtering: two titles that pass _compare's word-overlap test (at least half the words of the
        # longer one in common) always share one of the len // 2 + 1 rarest words of each.
        rarest = sorted(item.tokens, key=lambda t: (frequency[t], t))[: len(item.tokens) // 2 + 1]
        for token in rarest:
            blocks[(item.numbers, token)].append(index)
        blocks[(item.numbers, "main:" + item.main)].append(index)
    seen, pairs = set(), []

    def consider(first: int, second: int) -> None:
        pair = (min(first, second), max(first, second))
        if pair[0] == pair[1] or pair in seen:
            return
        seen.add(pair)
        match = _compare(items[pair[0]], items[pair[1]])
        if match:
            pairs.append((items[pair[0]].key, items[pair[1]].key, match))

    for members in blocks.values():
        if len(members) <= _MAX_BLOCK:
            for i, first in enumerate(members):
                for second in members[i + 1 :]:
                    consider(first, second)
            continue
        for order in (
            lambda i: items[i].norm,
            lambda i: items[i].norm[::-1],
            lambda i: items[i].norm.partition(" ")[2],
        ):
            ranked = sorted(members, key=order)
            for i, first in enumerate(ranked):
                for second in ranked[i + 1 : i + 1 + _WINDOW]:
                    consider(first, second)
    return pairs


def similar_titles(title: str, candidates: Iterable[tuple[str, str]]) -> list[tuple[str, TitleMatch]]:
    """Keys among ``(key, title)`` candidates whose title is near-identical to ``title``, best first."""
    target = _prepare("", title)
    found = [(key, m) for key, other in candidates if (m := _compare(target, _prepare(key, other)))]
    return sorted(found, key=lambda item: -item[1].similarity)

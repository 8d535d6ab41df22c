"""The Porter stemmer, written to give exactly the stems of SQLite FTS5's ``porter`` tokenizer.

The full-text index ``papers_fts`` is built with ``tokenize = 'porter unicode61 remove_diacritics 2'``
(``ingest.load``), and related work keeps its own word index (``explorer.related.textindex``) that must
agree with it: "polysemantic" and "polysemanticity" are one word ("polysemant") in both, whether the word
comes from a paper at build time or from a question at query time. ``stem`` is that rule, written once;
``tests/related/test_related_words.py`` checks it against SQLite's own tokenizer on every word of the bundled data.

M. F. Porter, "An algorithm for suffix stripping", Program 14(3), 1980, with the two changes SQLite makes
(``bli`` -> ``ble`` and ``logi`` -> ``log`` in step 2). As in SQLite, tokens shorter than 3 or longer than
64 bytes are left alone, and bytes outside ASCII count as consonants.
"""

from __future__ import annotations

from functools import lru_cache

_MAX_BYTES = 64
_VOWELS = frozenset("aeiou")

# (suffix, replacement), tried in this order; the first suffix that matches is the only one considered,
# whether or not its condition then holds (as in the paper and in SQLite).
_STEP2 = (
    ("ational", "ate"),
    ("tional", "tion"),
    ("enci", "ence"),
    ("anci", "ance"),
    ("izer", "ize"),
    ("logi", "log"),
    ("bli", "ble"),
    ("alli", "al"),
    ("entli", "ent"),
    ("eli", "e"),
    ("ousli", "ous"),
    ("ization", "ize"),
    ("ation", "ate"),
    ("ator", "ate"),
    ("alism", "al"),
    ("iveness", "ive"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("aliti", "al"),
    ("iviti", "ive"),
    ("biliti", "ble"),
)
_STEP3 = (("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""))
_STEP4 = (
    "al",
    "ance",
    "ence",
    "er",
    "ic",
    "able",
    "ible",
    "ant",
    "ement",
    "ment",
    "ent",
    "ion",
    "ou",
    "ism",
    "ate",
    "iti",
    "ous",
    "ive",
    "ize",
)


@lru_cache(maxsize=262_144)
def stem(word: str) -> str:
    """The Porter stem of one lower-case token (as ``explorer.fts.tokenize`` returns them)."""
    raw = word.encode("utf-8")
    if not 3 <= len(raw) <= _MAX_BYTES:
        return word
    # One character per byte, so lengths and positions are SQLite's; non-ASCII bytes are never vowels.
    w = raw.decode("latin-1")
    w = _step1(w)
    w = _replace_first(w, _STEP2, 0)
    w = _replace_first(w, _STEP3, 0)
    w = _step4(w)
    w = _step5(w)
    return w.encode("latin-1").decode("utf-8")


def _consonants(w: str) -> list[bool]:
    """For each letter, whether it is a consonant: y is a vowel after a consonant."""
    out: list[bool] = []
    for i, c in enumerate(w):
        vowel = c in _VOWELS or (c == "y" and i > 0 and out[i - 1])
        out.append(not vowel)
    return out


def _measure(w: str) -> int:
    """m in [C](VC)^m[V]: how many vowel-consonant sequences the stem has."""
    cons = _consonants(w)
    return sum(1 for i in range(1, len(cons)) if cons[i] and not cons[i - 1])


def _has_vowel(w: str) -> bool:
    return not all(_consonants(w))


def _ends_cvc(w: str) -> bool:
    """*o: consonant-vowel-consonant at the end, the last one not w, x or y."""
    if len(w) < 3 or w[-1] in "wxy":
        return False
    cons = _consonants(w)
    return cons[-3] and not cons[-2] and cons[-1]


def _step1(w: str) -> str:
    if w.endswith("s"):
        if w.endswith("sses") and len(w) > 4 or w.endswith("ies") and len(w) > 3:
            w = w[:-2]
        elif not w.endswith("ss"):
            w = w[:-1]
    removed = False
    if w.endswith("eed") and len(w) > 3:
        if _measure(w[:-3]) > 0:
            w = w[:-1]
    elif w.endswith("ed") and len(w) > 2 and _has_vowel(w[:-2]):
        w, removed = w[:-2], True
    elif w.endswith("ing") and len(w) > 3 and _has_vowel(w[:-3]):
        w, removed = w[:-3], True
    if removed:
        if len(w) > 2 and w.endswith(("at", "bl", "iz")):
            w += "e"
        elif len(w) >= 2 and w[-1] == w[-2] and w[-1] not in _VOWELS and w[-1] not in "lsz":
            w = w[:-1]
        elif _measure(w) == 1 and _ends_cvc(w):
            w += "e"
    if w.endswith("y") and _has_vowel(w[:-1]):
        w = w[:-1] + "i"
    return w


# Every suffix of a step at once: most words end in none, and one endswith() says so (a build stems every word).
_ENDINGS: dict[tuple[tuple[str, str], ...], tuple[str, ...]] = {
    rules: tuple(suffix for suffix, _ in rules) for rules in (_STEP2, _STEP3)
}


def _replace_first(w: str, rules: tuple[tuple[str, str], ...], min_measure: int) -> str:
    if not w.endswith(_ENDINGS[rules]):
        return w
    for suffix, replacement in rules:
        if w.endswith(suffix) and len(w) > len(suffix):
            stem_part = w[: -len(suffix)]
            return stem_part + replacement if _measure(stem_part) > min_measure else w
    return w


def _step4(w: str) -> str:
    if not w.endswith(_STEP4):
        return w
    for suffix in _STEP4:
        if w.endswith(suffix) and len(w) > len(suffix):
            stem_part = w[: -len(suffix)]
            if _measure(stem_part) > 1 and (suffix != "ion" or stem_part.endswith(("s", "t"))):
                return stem_part
            return w
    return w


def _step5(w: str) -> str:
    if w.endswith("e"):
        m = _measure(w[:-1])
        if m > 1 or m == 1 and not _ends_cvc(w[:-1]):
            w = w[:-1]
    if w.endswith("ll") and _measure(w[:-1]) > 1:
        w = w[:-1]
    return w

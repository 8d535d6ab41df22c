"""Words that mean the same: WordNet's synonyms of a question's words, read from Debian's ``wordnet-base``.

Researchers describe what they need in their own words ("picture", "forged", "feelings") where the papers say
"image", "fake", "emotion". WordNet (Princeton's lexical database of English, installed by ``make install`` as
the Debian package ``wordnet-base``: nothing is downloaded at run time) groups words into sets of synonyms; the
synonyms of a question's words that the atlas's papers use are searched for too (``explorer.related.scoring``).

The dictionary files are made for lookups without loading them: each ``index.POS`` file is sorted, so a word is
found by binary search over the memory-mapped file, and its senses are byte offsets of lines in ``data.POS``.
Only the most common senses of a word count (``MAX_SENSES``): WordNet lists senses most frequent first, and the
rare ones ("picture" as a mental impression) would add noise. Without the files (another system, or the package
not installed) a question simply gets no synonyms.
"""

from __future__ import annotations

import mmap
import os
from functools import lru_cache
from pathlib import Path

from explorer import fts
from explorer.related.textindex import QueryWord, TextIndex

WORDNET_DIR = Path(os.environ.get("ATLAS_WORDNET", "/usr/share/wordnet"))
PARTS_OF_SPEECH = ("noun", "verb", "adj", "adv")
MAX_SENSES = 2  # senses of each part of speech that count, most common first

# WordNet's own rules for turning an inflected form into the form its index lists (its "morphy"), per part of
# speech: (ending, replacement).
_DETACH = {
    "noun": (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
             ("ies", "y")),
    "verb": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "adj": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "adv": (),
}  # fmt: skip


class WordNet:
    """The synonym sets of one WordNet dictionary folder (``index.*`` and ``data.*`` files)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._maps: dict[str, mmap.mmap] = {}

    def available(self) -> bool:
        return all((self.folder / f"{kind}.{pos}").is_file() for kind in ("index", "data") for pos in PARTS_OF_SPEECH)

    def synonyms(self, word: str) -> list[str]:
        """Single-word synonyms of ``word`` (lower case) in its most common senses, in WordNet's order, without
        the word itself."""
        word = word.lower()
        out: dict[str, None] = {}
        for pos in PARTS_OF_SPEECH:
            for base in _base_forms(word, pos):
                offsets = self._senses(pos, base)
                if offsets:
                    for offset in offsets[:MAX_SENSES]:
                        out.update(dict.fromkeys(self._members(pos, offset)))
                    break
        for form in (word, *(base for pos in PARTS_OF_SPEECH for base in _base_forms(word, pos))):
            out.pop(form, None)
        return [w for w in out if "_" not in w and "-" not in w]

    def _map(self, name: str) -> mmap.mmap:
        if name not in self._maps:
            with open(self.folder / name, "rb") as handle:
                self._maps[name] = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return self._maps[name]

    def _senses(self, pos: str, lemma: str) -> list[int]:
        """The synset offsets of ``lemma`` in ``index.POS`` (binary search on the sorted lines)."""
        line = _find_line(self._map(f"index.{pos}"), lemma.encode("ascii", "ignore"))
        if line is None:
            return []
        fields = line.split()
        synsets, pointers = int(fields[2]), int(fields[3])
        return [int(f) for f in fields[6 + pointers : 6 + pointers + synsets]]

    def _members(self, pos: str, offset: int) -> list[str]:
        """The words of the synset at ``offset`` of ``data.POS``."""
        data = self._map(f"data.{pos}")
        end = data.find(b"\n", offset)
        fields = data[offset : end if end >= 0 else len(data)].split()
        count = int(fields[3], 16)
        return [fields[4 + 2 * i].decode("ascii", "ignore").lower().split("(")[0] for i in range(count)]


def _find_line(data: mmap.mmap, key: bytes) -> bytes | None:
    """The line of a sorted WordNet index whose first field is ``key`` (license lines start with spaces)."""
    low, high = 0, len(data)
    while low < high:
        middle = (low + high) // 2
        start = data.rfind(b"\n", 0, middle) + 1
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        line = data[start:end]
        lemma = line.split(b" ", 1)[0] if not line.startswith(b" ") else b""
        if lemma == key:
            return line
        if lemma < key:
            low = end + 1
        else:
            high = start
    return None


def _base_forms(word: str, pos: str) -> list[str]:
    forms = [word]
    for ending, replacement in _DETACH[pos]:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            forms.append(word[: -len(ending)] + replacement)
    return forms


@lru_cache(maxsize=1)
def wordnet() -> WordNet | None:
    """The installed WordNet, or None when its files are missing."""
    found = WordNet(WORDNET_DIR)
    return found if found.available() else None


SYNONYM_SOURCE = "WordNet"  # ``QueryWord.added_from`` of a synonym: the reason names it so
MAX_LOOKED_UP = 24  # distinct words of a question looked up, at most (a long abstract needs no synonyms)


def synonym_words(index: TextIndex, text: str, known: set[int], weight: float) -> list[QueryWord]:
    """The synonyms of the question's words that the papers use, as words to search for at ``weight`` (the
    question's own words weigh 1); a word the question already has is not added again."""
    found = wordnet()
    if found is None or weight <= 0:
        return []
    added: dict[int, QueryWord] = {}
    for word in list(dict.fromkeys(fts.content_words(text)))[:MAX_LOOKED_UP]:
        if not word.isalpha():
            continue
        own = index.term_id.get(fts.stem_word(word))
        used = int(index.df[own]) if own is not None else 0
        for synonym in found.synonyms(word):
            term = index.term_id.get(fts.stem_word(synonym))
            # Only the papers' more usual way of saying it ("picture" -> "image"): a synonym fewer papers use
            # than the question's own word is more likely another sense than the atlas's word for it.
            if term is not None and term not in known and term not in added and int(index.df[term]) > used:
                added[term] = QueryWord(synonym, term, weight, SYNONYM_SOURCE)
    return sorted(added.values(), key=lambda w: w.word)

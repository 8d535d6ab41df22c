"""The one Unicode-to-ASCII folding rule (taxonomy/text.py), which names, titles, keys, vocabulary spellings
and the Compare page's words all match by."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from taxonomy.text import fold_ascii


def test_accents_fold_and_other_letters_drop():
    assert fold_ascii("Jörg Müller") == "jorg muller"
    assert fold_ascii("Jörg Müller", keep_case=True) == "Jorg Muller"
    assert fold_ascii("ﬁne Ω-nets") == "fine -nets"  # a ligature splits into its letters; Greek has no ASCII form


@given(st.text())
def test_the_result_is_ascii_and_folding_twice_changes_nothing(text):
    folded = fold_ascii(text)
    assert folded.isascii()
    assert fold_ascii(folded) == folded
    assert folded == fold_ascii(text, keep_case=True).lower()

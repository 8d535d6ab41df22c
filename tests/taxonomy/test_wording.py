"""Counts read as English: one helper (taxonomy.text.count) for the website, the command line and the build."""

from __future__ import annotations

import pytest

from taxonomy.text import count


@pytest.mark.parametrize(
    "n, noun, text",
    [
        (1, "paper", "1 paper"),
        (0, "paper", "0 papers"),
        (2, "paper", "2 papers"),
        (1200, "paper", "1,200 papers"),
        (1, "entry", "1 entry"),
        (3, "entry", "3 entries"),
        (2, "key", "2 keys"),
        (1, "typed relation", "1 typed relation"),
        (5, "typed relation", "5 typed relations"),
        (2, "person", "2 people"),
    ],
)
def test_a_count_agrees_with_its_number(n, noun, text):
    assert count(n, noun) == text

"""explorer.safety.markdown_text: no bare URL or e-mail address in data text becomes a link.

Streamlit's Markdown (remark-gfm) finds "autolink literals" in the text *after* backslash escapes
are resolved. The patterns below are remark's own (mdast-util-gfm-autolink-literal), written for
Python's ``re`` with ASCII ``\\w`` as in JavaScript; tests/website/test_browser_links.py checks the same
strings in Chromium."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from explorer.safety import WORD_JOINER, markdown_text, plain_text

URL_LITERAL = re.compile(r"(https?://|www(?=\.))[-.\w]+", re.IGNORECASE | re.ASCII)
EMAIL_LITERAL = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.ASCII)

HOSTILE = [
    "[phish](https://evil.example/login) ![i](https://evil.example/x.png)",
    "https://evil.example/x",
    "HTTP://EVIL.EXAMPLE/x",
    "www.evil.example",
    "WwW.evil.example",
    "someone@evil.example",
    "mailto:a@evil.example",
    "xmpp:a@evil.example",
    "<img src=https://evil.example/x.png>",
    "see (https://evil.example), x_www.evil.example and a.b+c@evil.example.",
]


def rendered_text(escaped: str) -> str:
    """What remark's autolink transform sees: the text with every backslash escape resolved."""
    return re.sub(r"\\(.)", r"\1", escaped)


def literals(escaped: str) -> list[str]:
    text = rendered_text(escaped)
    return [m.group(0) for m in URL_LITERAL.finditer(text)] + [m.group(0) for m in EMAIL_LITERAL.finditer(text)]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_autolink_literal_survives_the_escaper(text):
    assert literals(markdown_text(text)) == []


# Letters, the characters of URLs and addresses, and spaces, so the strategy finds near-misses quickly.
URLISH = st.text(alphabet="wWhtpsHTPSaeix.:/@-_+ ", max_size=40)


@given(st.one_of(URLISH, st.text()))
@example("https://x.org")
@example("a@b.cd")
def test_no_autolink_literal_for_any_text(text):
    assert literals(markdown_text(text)) == []


@given(st.one_of(URLISH, st.text()))
def test_the_reader_sees_the_text_unchanged(text):
    assert rendered_text(markdown_text(text)).replace(WORD_JOINER, "") == plain_text(text).replace(WORD_JOINER, "")


def test_word_joiners_only_where_a_literal_would_start():
    assert markdown_text("LLaVA: a view of www and @") == r"LLaVA\: a view of www and " + WORD_JOINER + r"\@"
    assert markdown_text("https://x.org") == "https" + WORD_JOINER + r"\:\/\/x\.org"
    assert markdown_text("www.x.org") == "www" + WORD_JOINER + r"\.x\.org"

"""explorer.safety: data text never becomes markup, and only http(s) URLs become links."""

from __future__ import annotations

import html
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.safety import WORD_JOINER, html_text, markdown_link, markdown_text, plain_text, safe_url, tooltip_html

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg/onload=alert(1)>',
    "[click](javascript:alert(1))",
    "![pixel](http://127.0.0.1:9/p.png)",
    ":red[red] :material/home: $x^2$ **bold** `code` <b>b</b> &amp; &#60;",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_escapes_every_ascii_punctuation(text):
    escaped = markdown_text(text)
    unescaped = re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "")
    assert unescaped == text  # nothing lost, nothing added but backslashes (and invisible word joiners)
    for i, char in enumerate(escaped):  # every punctuation character is preceded by a backslash
        if char in string.punctuation and char != "\\":
            assert escaped[i - 1] == "\\", (text, escaped, i)


def test_plain_text_drops_control_characters_and_shortens():
    assert plain_text("a\nb\tc\u2028d\x00e") == "a b c d e"
    assert plain_text("x" * 50, limit=10) == "x" * 9 + "…"
    assert plain_text(None) == ""


@given(st.text())
def test_html_text_never_leaves_markup(text):
    escaped = html_text(text)
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped and "'" not in escaped
    assert html.unescape(escaped) == plain_text(text)


@given(st.text(), st.lists(st.text(), max_size=3))
def test_tooltip_markup_is_only_ours(heading, lines):
    tip = tooltip_html(heading, *lines)
    assert re.sub(r"</?b>|<br>", "", tip).count("<") == 0


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "//evil.example/x",
        "/relative/path",
        "https://",
        "http:///nohost",
        "https://exa mple.com",
        "",
        None,
        42,
        "mailto:a@b.c",
    ],
)
def test_unsafe_urls_are_refused(url):
    assert safe_url(url) is None


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://arxiv.org/abs/2410.07149", "https://arxiv.org/abs/2410.07149"),
        ("HTTP://Example.com/a?b=1&c=2#frag", "http://Example.com/a?b=1&c=2#frag"),
        (
            'https://example.com/"><img/src=x/onerror=alert(1)>',
            "https://example.com/%22%3E%3Cimg/src=x/onerror=alert%281%29%3E",
        ),
        ("https://example.com/a(b)c", "https://example.com/a%28b%29c"),
        ("https://example.com/%20already", "https://example.com/%20already"),
    ],
)
def test_safe_urls_are_kept_and_cannot_break_out(url, expected):
    assert safe_url(url) == expected


@given(st.text())
def test_safe_url_output_never_breaks_an_attribute_or_a_markdown_link(text):
    for candidate in (text, "https://example.com/" + text):
        url = safe_url(candidate)
        if url is not None:
            assert url.startswith(("http://", "https://"))
            assert not set(url) & set("\"'<>() \\`\n\t")


def test_markdown_link_links_only_safe_urls():
    assert markdown_link("arXiv", "https://arxiv.org/abs/1") == "[arXiv](https://arxiv.org/abs/1)"
    assert markdown_link("code", "javascript:alert(1)") == "code"
    assert (
        markdown_link("[x](javascript:alert(1))", "https://e.org/")
        == r"[\[x\]\(javascript\:alert\(1\)\)](https://e.org/)"
    )

"""Make text from the data safe to show: every title, name and URL arrives in a stranger's pull request.

The website shows data text in four contexts, each with its own rule:

- Markdown (``st.markdown``, ``st.error`` and the other message boxes, captions, widget and page-link
  labels): ``markdown_text`` backslash-escapes every ASCII punctuation character, so no tag, link,
  image, directive (``:red[...]``) or formula can form, and puts an invisible WORD JOINER where a
  bare URL or e-mail address would start, so none becomes a link either.
- HTML (graph tooltips): ``html_text`` / ``tooltip_html`` escape ``& < > " '``.
- Links: only ``http``/``https`` URLs with a host become links (``safe_url``); anything else
  (``javascript:``, ``data:``, relative paths) is shown as text, never as a link.
- Plain-text widgets (tables, select boxes, canvas labels): ``plain_text`` drops control
  characters and shortens; the widget itself never interprets markup.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
from urllib.parse import quote, urlsplit, urlunsplit

_MARKDOWN_SPECIALS = frozenset(string.punctuation)  # CommonMark lets any ASCII punctuation be escaped
# Streamlit's Markdown (remark-gfm) links bare "http(s)://...", "www." and "name@host" by matching the
# text *after* escapes are resolved, so "https\\:\\/\\/x" still becomes a link. An invisible WORD
# JOINER before the ":" of "scheme://", between "www" and ".", and before every "@" breaks those
# patterns (checked in Chromium: tests/website/test_browser_links.py) without changing what a reader sees.
WORD_JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(?=\\:\\/)|(?<=[wW]{3})(?=\\\.)|(?=\\@)")  # positions in the escaped text
_ALLOWED_SCHEMES = ("http", "https")
# Characters left as they are in a URL; everything else (quotes, <, >, spaces, parentheses) is percent-encoded.
_URL_SAFE = "/:@!$&*+,;=-._~%?#[]"


def plain_text(text: object, limit: int | None = None) -> str:
    """One line of text without control characters, cut to ``limit`` characters with an ellipsis."""
    value = "" if text is None else str(text)
    value = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value)
    value = " ".join(value.split())
    if limit is not None and len(value) > limit:
        value = value[: max(limit - 1, 0)].rstrip() + "…"
    return value


def markdown_text(text: object, limit: int | None = None) -> str:
    """Text that Streamlit's Markdown shows literally: no HTML, links (bare URLs and e-mail addresses
    included), images, emphasis, directives or math."""
    value = plain_text(text, limit)
    escaped = "".join("\\" + c if c in _MARKDOWN_SPECIALS else c for c in value)
    return _AUTOLINK_STARTS.sub(WORD_JOINER, escaped)


def html_text(text: object, limit: int | None = None) -> str:
    """Text escaped for HTML element content and attribute values."""
    return html.escape(plain_text(text, limit), quote=True)


def tooltip_html(heading: object, *lines: object, limit: int = 300) -> str:
    """A graph tooltip: escaped heading in bold, then escaped lines (the only markup is ours)."""
    parts = [f"<b>{html_text(heading, limit)}</b>"]
    parts += [html_text(line, limit) for line in lines if line not in (None, "")]
    return "<br>".join(parts)


def safe_url(url: object) -> str | None:
    """The URL if it is an absolute http(s) URL with a host, percent-encoded so it cannot break
    out of an attribute or a Markdown link; otherwise None."""
    if not isinstance(url, str):
        return None
    value = url.strip()
    if not value or any(unicodedata.category(c) in ("Cc", "Zs", "Zl", "Zp") for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in _ALLOWED_SCHEMES or not parts.hostname:
        return None
    netloc = quote(parts.netloc, safe=":@[]%-._~!$&*+,;=")
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            quote(parts.path, safe=_URL_SAFE),
            quote(parts.query, safe=_URL_SAFE),
            quote(parts.fragment, safe=_URL_SAFE),
        )
    )


def markdown_link(label: object, url: object) -> str:
    """``[label](url)`` for a safe URL; the escaped label alone (no link) for anything else."""
    target = safe_url(url)
    text = markdown_text(label)
    return f"[{text}]({target})" if target else text

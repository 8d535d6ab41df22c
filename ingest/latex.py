"""Turn BibTeX/LaTeX field values into Unicode text for display.

bibtexparser's LatexDecodingMiddleware runs pylatexenc on every field of every entry,
which costs many times the parse itself. Most values hold no LaTeX at all, and the rest
mostly use a handful of accent macros, so this module decodes in three tiers:
plain values are returned as they are, common accents and dashes are handled by
a table, and only what is left (math, unknown macros) goes to pylatexenc. Results are
cached because names and venues repeat across a bibliography.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Characters whose absence means there is nothing to decode.
_LATEX_MARKERS = re.compile(r"[\\{}~$]|--|``|''")

_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "d": "\u0323",
    "b": "\u0331",
    "k": "\u0328",
    "r": "\u030a",
}
# \'e  \'{e}  {\'e}  \'{\i}  \v{s}  \c c
_ACCENT_RE = re.compile(
    r"\\([`'^\"~=.]|[uvHcdbkr](?=[\s{]))\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij])(?![A-Za-z])|([A-Za-z]))"
)
_SYMBOLS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "&": "&",
    "%": "%",
    "$": "$",
    "#": "#",
    "_": "_",
    "textendash": "–",
    "textemdash": "—",
    "ldots": "…",
    "dots": "…",
    "textquoteright": "’",
}
# A letter macro swallows one following space (TeX's rule); an escaped character does not.
_SYMBOL_RE = re.compile(
    r"\\(?:("
    + "|".join(sorted((re.escape(k) for k in _SYMBOLS if k.isalpha()), key=len, reverse=True))
    + r")(?![A-Za-z])\s?(?:\{\})?|([&%$#_]))"
)
_DASHES = (("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"))


def decode(value: str) -> str:
    """Unicode display text for a BibTeX value (braces removed, accents composed)."""
    if not _LATEX_MARKERS.search(value):
        return _collapse_space(value)
    return _decode_cached(value)


# Tier three: the text macros of real bibliographies (logos, dashes, font switches, style commands).
_WORDS = {
    "TeX": "TeX",
    "LaTeX": "LaTeX",
    "LaTeXe": "LaTeX2e",
    "BibTeX": "BibTeX",
    "AmSTeX": "AmSTeX",
    "AmSLaTeX": "AmSLaTeX",
    "MF": "METAFONT",
    "MP": "MetaPost",
    "Dash": "\u2014",
    "emdash": "\u2014",
    "endash": "\u2013",
    "slash": "/",
    "thinspace": " ",
    "quad": " ",
    "qquad": " ",
    "enspace": " ",
    "textquoteleft": "\u2018",
    "textquotedblleft": "\u201c",
    "textquotedblright": "\u201d",
    "textregistered": "\u00ae",
    "texttrademark": "\u2122",
    "textcopyright": "\u00a9",
    "S": "\u00a7",
    "P": "\u00b6",
    "pounds": "\u00a3",
    "textbackslash": "\\",
    "textasciitilde": "~",
    "textbar": "|",
    "textless": "<",
    "textgreater": ">",
}
_FONT_SWITCHES = frozenset(
    "it sl tt bf em rm sf sc up md normalfont itshape slshape ttfamily bfseries scshape rmfamily sffamily "
    "upshape mdseries small footnotesize scriptsize tiny large Large LARGE huge Huge noindent relax".split()
)
_CONTROL_SPACE = {"/": "", "-": "", ",": " ", ";": " ", ":": " ", "!": "", " ": " ", "@": "", "\\": " "}
# \name (letters) with an optional swallowed space, or a control symbol; \kern/\hskip take a dimension.
_DIMENSION_RE = re.compile(r"\\(?:kern|hskip|hspace\*?|vspace\*?)\s*(?:\{[^{}]*\}|-?[\d.]+\s*[a-z]{2})")
_MACRO_RE = re.compile(r"\\([A-Za-z]+)\s*|\\([/\-,;:! @\\])")


def _generic_macro(match: re.Match) -> str:
    """One macro as text. As in TeX, a letter macro swallows the space after it (\\TeX{} keeps one)."""
    name, symbol = match.group(1), match.group(2)
    if symbol is not None:
        return _CONTROL_SPACE[symbol]
    if name in _WORDS:
        return _WORDS[name]
    rest = match.string[match.end() : match.end() + 2]
    if name in _FONT_SWITCHES or (rest[:1] == "{" and rest != "{}"):
        return ""  # a font switch, or a style command whose braced argument is the text (\emph{x} -> x)
    return name  # a logo or abbreviation macro such as \LuaTeX or \TUB: its name says more than nothing


@lru_cache(maxsize=65536)
def _decode_cached(value: str) -> str:
    text = _ACCENT_RE.sub(_compose_accent, value)
    text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(1) or m.group(2)], text)
    if "$" in text:
        return _decode_with_pylatexenc(value)  # math: leave it to a real LaTeX parser
    if "\\" in text:
        text = _MACRO_RE.sub(_generic_macro, _DIMENSION_RE.sub("", text))
        if "\\" in text:
            return _decode_with_pylatexenc(value)
    for latex, char in _DASHES:
        text = text.replace(latex, char)
    text = text.replace("~", " ").replace("{", "").replace("}", "")
    return _collapse_space(unicodedata.normalize("NFC", text))


def _compose_accent(match: re.Match) -> str:
    accent = match.group(1)
    base = match.group(2) or match.group(3) or match.group(4)
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return base + _ACCENTS[accent]


def _decode_with_pylatexenc(value: str) -> str:
    text = _pylatexenc_converter().latex_to_text(value)
    return _collapse_space(unicodedata.normalize("NFC", text))


@lru_cache(maxsize=1)
def _pylatexenc_converter():
    """One converter for the process: building its macro tables costs more than a conversion."""
    from pylatexenc.latex2text import LatexNodes2Text  # imported lazily: rarely needed

    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def _collapse_space(text: str) -> str:
    """Line breaks and runs of spaces (common in wrapped .bib fields) become single spaces."""
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        return " ".join(text.split())
    return text.strip()

"""A fast path for bibtexparser's splitter: the same blocks, found a field at a time instead of a mark at a time.

bibtexparser (the parser of record) splits a file by walking from "mark" to "mark" (every unescaped ``{ } " , =``
and newline, and every ``@type{`` block start) in Python, several calls per mark: on a large library that walk is
most of a build. :func:`split` finds the same blocks with one regular expression per field: it follows the
splitter's rules exactly (a mark preceded by a backslash is no mark; inside ``"..."`` braces are not counted; a
newline preceded by a backslash is no line; a block start at the beginning of a line ends the block being read)
and builds the same ``Library`` of the same ``Entry``/``Field``/``String``/... objects.

It only follows the paths on which the splitter succeeds. Anything else, a block it would abort (a missing ``=``
or ``,``, an unclosed brace or quote, a block start inside a block), a ``(``-delimited block, braces nested deeper
than :data:`MAX_BRACE_DEPTH` or the ``{"}`` escape inside quotes, sends the whole file to bibtexparser's
splitter, so a file that is not plain gets bibtexparser's own blocks and messages. tests/ingest/test_bibsplit.py
checks the two agree block for block on real libraries, the fixtures and generated BibTeX.
"""

from __future__ import annotations

import re

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.model import (
    Block,
    DuplicateFieldKeyBlock,
    Entry,
    ExplicitComment,
    Field,
    ImplicitComment,
    Preamble,
    String,
)

MAX_BRACE_DEPTH = 8

# bibtexparser.splitter's block start: ``@type`` and spaces or tabs before ``{`` or ``(``, anywhere.
_BLOCK_START = re.compile(r"@[\w]*( |\t)*(?=[{(])")
# A backslash and the mark character after it, which is then no mark (``\{``, ``\"``, ``\,``, ...).
_ESCAPED = r'\\[{}",=\n]?+'


def _braces(depth: int) -> str:
    """A balanced ``{...}`` group nested at most ``depth`` deep, in the splitter's terms (``"`` is plain inside)."""
    plain = r"[^{}\\]++|" + _ESCAPED
    group = r"\{(?:" + plain + r")*+\}"
    for _ in range(depth - 1):
        group = r"\{(?:" + plain + "|" + group + r")*+\}"
    return group


_BRACES = _braces(MAX_BRACE_DEPTH)
# Text without any mark but newlines: an entry's key, a field's name (a block start here aborts the block).
_NO_MARK = r"(?:[^{}\",=\\@]++|" + _ESCAPED + r"|@(?![\w]*[ \t]*[{(]))*+"
# A field's value: up to an unescaped ``,`` or ``}`` outside braces and quotes (possessive: no backtracking, so
# an unclosed group stops the match instead of being read another way).
_VALUE = r'(?:[^{}",\\]++|' + _ESCAPED + r'|"(?:[^"\\]++|' + _ESCAPED + r')*+"|' + _BRACES + r")*+"
# A field and the ',' after it, or a field before the entry's '}' (left for the next match to find).
_FIELD = re.compile("(" + _NO_MARK + ")=(" + _VALUE + r")(?:,|(?=\}))")
_ENTRY_KEY = re.compile(_NO_MARK)
_STRING_KEY = re.compile("(" + _NO_MARK + ")=")
# The body of a @string, @comment or @preamble: braces counted, quotes plain.
_BODY = re.compile(r"(?:[^{}\\]++|" + _ESCAPED + "|" + _BRACES + r")*+")
_CLOSE = re.compile(r"\s*+\}")


class _NotPlain(Exception):
    """The file has something :func:`split` leaves to bibtexparser's splitter."""


def split(text: str) -> Library:
    """The blocks of BibTeX ``text``, as ``bibtexparser.parse_string(text, parse_stack=[])`` gives them."""
    try:
        return _Split(text).library()
    except _NotPlain:
        return bibtexparser.parse_string(text, parse_stack=[])


class _Split:
    def __init__(self, text: str):
        # As the splitter does: a newline first, so that lines count from 0 and a block start at the very
        # beginning is at a line start. Indices and raw text below are taken from this string.
        self.bib = "\n" + text
        self.escaped_newlines = "\\\n" in text
        self.pos_of_line, self.line = 0, -1

    def line_at(self, pos: int) -> int:
        """The splitter's line number at ``pos`` (positions only move forward): unescaped newlines before it."""
        bib, start = self.bib, self.pos_of_line
        self.line += bib.count("\n", start, pos)
        if self.escaped_newlines:
            self.line -= bib.count("\\\n", max(start - 1, 0), pos)
        self.pos_of_line = pos
        return self.line

    def library(self) -> Library:
        bib, library = self.bib, Library()
        comment_start, comment_line = 0, -1  # of the implicit comment before the next block
        for start in _BLOCK_START.finditer(bib):
            if start.start() < comment_start:
                continue  # inside the block just read (its own, not at a line start)
            line = self.line_at(start.start())
            comment = _implicit_comment(bib[comment_start : start.start()], comment_line)
            if comment is not None:
                library.add(comment, fail_on_duplicate_key=False)
            block, close = self.block(start, line)
            library.add(block, fail_on_duplicate_key=False)
            comment_start, comment_line = close + 1, self.line_at(close)
        comment = _implicit_comment(bib[comment_start:], comment_line)
        if comment is not None:
            library.add(comment, fail_on_duplicate_key=False)
        return library

    def block(self, start: re.Match, line: int) -> tuple[Block, int]:
        """The block that ``start`` opens and the index of its closing ``}``."""
        opening = start.end()
        if self.bib[opening] != "{":
            raise _NotPlain("a (-delimited block")
        kind = start.group(0).lower()
        if kind.startswith("@comment"):
            close = self.body_end(opening + 1)
            body = self.bib[opening + 1 : close]
            return ExplicitComment(
                start_line=line, comment=body.strip(), raw=self.bib[start.start() : close + 1]
            ), close
        if kind.startswith("@preamble"):
            close = self.body_end(opening + 1)
            body = self.bib[opening + 1 : close]
            return Preamble(start_line=line, value=body, raw=self.bib[start.start() : close + 1]), close
        if kind.startswith("@string"):
            return self.string(start, line)
        return self.entry(start, kind[1:].strip(), line)

    def body_end(self, pos: int) -> int:
        """Index of the ``}`` that closes a body starting at ``pos`` (braces counted, quotes plain)."""
        end = _end_of(_BODY, self.bib, pos)
        if end >= len(self.bib) or self.bib[end] != "}":
            raise _NotPlain("an unclosed block")
        self.check_no_block_start(pos, end)
        return end

    def string(self, start: re.Match, line: int) -> tuple[String, int]:
        bib = self.bib
        key = _STRING_KEY.match(bib, start.end() + 1)
        if key is None:
            raise _NotPlain("a @string without '='")
        close = self.body_end(key.end())
        raw = bib[start.start() : close + 1]
        return String(start_line=line, key=key.group(1).strip(), value=bib[key.end() : close].strip(), raw=raw), close

    def entry(self, start: re.Match, entry_type: str, line: int) -> tuple[Block, int]:
        bib = self.bib
        key_end = _end_of(_ENTRY_KEY, bib, start.end() + 1)
        after_key = bib[key_end : key_end + 1]
        key = bib[start.end() + 1 : key_end].strip()
        fields: list[Field] = []
        duplicates: set[str] = set()
        if after_key == "}":
            close = key_end
        elif after_key == ",":
            fields, close, duplicates = self.fields(key_end + 1)
        else:
            raise _NotPlain("an entry key without ',' after it")
        entry = Entry(
            start_line=line, entry_type=entry_type, key=key, fields=fields, raw=bib[start.start() : close + 1]
        )
        if duplicates:
            return DuplicateFieldKeyBlock(duplicate_keys=duplicates, entry=entry), close
        return entry, close

    def fields(self, pos: int) -> tuple[list[Field], int, set[str]]:
        """The fields from ``pos`` to the entry's closing ``}``, that ``}``'s index and the names set twice.

        The hot loop of a build (a hundred thousand fields in a large library): locals, no calls it can spare."""
        bib, match, count, escaped = self.bib, _FIELD.match, self.bib.count, self.escaped_newlines
        line, line_pos = self.line, self.pos_of_line
        fields: list[Field] = []
        names: list[str] = []
        while (found := match(bib, pos)) is not None:
            name, value = found.group(1, 2)
            value_start, pos = found.start(2), found.end()
            if "@" in value:
                self.check_no_block_start(value_start, value_start + len(value))
            if '"' in value and bib.find('{"}', value_start, pos + 1) != -1:
                raise _NotPlain('the {"} escape')  # (the splitter's rule also looks at the character after)
            newlines = count("\n", line_pos, value_start)  # the field's line is the line of its '='
            if newlines and escaped:
                newlines -= count("\\\n", line_pos - 1, value_start)
            line, line_pos = line + newlines, value_start
            name = name.strip()
            names.append(name)
            fields.append(Field(name, value.strip(), line))
        self.line, self.pos_of_line = line, line_pos
        close = _CLOSE.match(bib, pos)
        if close is None:
            raise _NotPlain("a field without '=' or an unclosed value")
        duplicates: set[str] = set()
        if len(set(names)) != len(names):
            duplicates = {name for i, name in enumerate(names) if name in names[:i]}
        return fields, close.end() - 1, duplicates

    def check_no_block_start(self, pos: int, end: int) -> None:
        """The splitter ends a block where another starts at the beginning of a line: leave that to it."""
        bib = self.bib
        at = bib.find("@", pos, end)
        while at != -1:
            if _BLOCK_START.match(bib, at) and _at_line_start(bib, at):
                raise _NotPlain("a block start inside a block")
            at = bib.find("@", at + 1, end)


def _end_of(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where ``pattern``, which matches the empty string too (so always matches), ends when matched at ``pos``."""
    found = pattern.match(text, pos)
    assert found is not None
    return found.end()


def _at_line_start(bib: str, pos: int) -> bool:
    """Only whitespace between the last newline before ``pos`` and ``pos`` (``bib`` starts with a newline).

    Looks back only over whitespace, as the splitter does: a long line of ``@x{}`` costs no more than a short one."""
    pos -= 1
    while bib[pos] != "\n" and bib[pos].isspace():
        pos -= 1
    return bib[pos] == "\n"


def _implicit_comment(text: str, line: int) -> ImplicitComment | None:
    """The text between blocks, as the splitter keeps it: blank lines around it dropped, its first line's number."""
    body = text.lstrip()
    if not body:
        return None
    body = body.rstrip()
    leading_newlines = text.count("\n", 0, len(text) - len(text.lstrip()))
    return ImplicitComment(start_line=line + leading_newlines, raw=body, comment=body)

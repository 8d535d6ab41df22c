"""Change field values of one BibTeX entry in a file's text, leaving every other byte as it was.

Used by ``atlas check-metadata --fix``: a field that exists gets its value replaced (macros and
``#`` concatenations included, by a braced value); a new field gets a line of its own, placed in
the atlas's field order and indented and aligned like its neighbours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.bibtex import FIELD_ORDER
from ingest.errors import AtlasError

_ENTRY_START = re.compile(r"@[ \t]*[A-Za-z]+[ \t]*([{(])\s*([^\s,{}()]+)\s*,")
_NAME = re.compile(r"[^\s=,{}()#\"]+")
_BARE = re.compile(r"[^\s,#{}()\"]+")


class BibEditError(AtlasError):
    """The entry or one of its values could not be found where it should be."""


@dataclass(frozen=True)
class _Field:
    name: str
    start: int  # where the field's name starts
    value_start: int
    value_end: int


def set_fields(text: str, key: str, values: dict[str, str]) -> str:
    """``text`` with the entry ``key``'s fields set to ``values`` (braced TeX, without the braces)."""
    for name, value in values.items():
        fields, end = _entry_fields(text, key)
        found = next((f for f in fields if f.name.lower() == name.lower()), None)
        if found is not None:
            text = text[: found.value_start] + "{" + value + "}" + text[found.value_end :]
        else:
            text = _insert(text, key, fields, end, name, value)
    return text


def _insert(text: str, key: str, fields: list[_Field], end: int, name: str, value: str) -> str:
    rank = FIELD_ORDER.index(name.lower()) if name.lower() in FIELD_ORDER else len(FIELD_ORDER)
    later = [f for f in fields if f.name.lower() in FIELD_ORDER and FIELD_ORDER.index(f.name.lower()) > rank]
    if later and _starts_line(text, later[0]):  # a line of its own just before the first field that follows it
        at = text.rfind("\n", 0, later[0].start) + 1
        return text[:at] + _line_like(text, later[0], name, value) + ",\n" + text[at:]
    if later:
        return text[: later[0].start] + f"{name} = {{{value}}}, " + text[later[0].start :]
    if not fields:
        raise BibEditError(f"entry '{key}' has no fields to place {name} after: add it by hand")
    last = fields[-1]
    after = last.value_end + len(text[last.value_end : end]) - len(text[last.value_end : end].lstrip())
    comma = text[after] == ","
    cut = after + 1 if comma else last.value_end
    return (
        text[:cut]
        + ("" if comma else ",")
        + "\n"
        + _line_like(text, last, name, value)
        + ("," if comma else "")
        + text[cut:]
    )


def _starts_line(text: str, field: _Field) -> bool:
    return not text[text.rfind("\n", 0, field.start) + 1 : field.start].strip()


def _line_like(text: str, model: _Field, name: str, value: str) -> str:
    """``name = {value}`` indented like ``model``'s line; its ``=`` in the same column when the entry aligns them."""
    if not _starts_line(text, model):
        return f"  {name} = {{{value}}}"
    indent = text[text.rfind("\n", 0, model.start) + 1 : model.start]
    padded = text[model.start : text.index("=", model.start)].rstrip(" \t")
    width = text.index("=", model.start) - model.start - 1
    aligned = width > len(padded)
    return f"{indent}{name.ljust(width) if aligned else name} = {{{value}}}"


def _entry_fields(text: str, key: str) -> tuple[list[_Field], int]:
    """The fields of entry ``key`` and the position of its closing delimiter."""
    for match in _ENTRY_START.finditer(text):
        if match.group(2).lower() == key.lower():
            return _scan_fields(text, match.end(), "}" if match.group(1) == "{" else ")", key)
    raise BibEditError(f"no entry '{key}' in the file: check the key")


def _scan_fields(text: str, pos: int, closer: str, key: str) -> tuple[list[_Field], int]:
    fields: list[_Field] = []
    while True:
        while pos < len(text) and (text[pos].isspace() or text[pos] == ","):
            pos += 1
        if pos >= len(text):
            raise BibEditError(f"entry '{key}' is not closed: fix its braces before fixing its fields")
        if text[pos] == closer:
            return fields, pos
        name = _NAME.match(text, pos)
        equals = re.compile(r"\s*=\s*").match(text, name.end()) if name else None
        if not name or not equals:
            raise BibEditError(
                f"entry '{key}' has a field that cannot be read near '{text[pos : pos + 30]}': fix it by hand"
            )
        start, end = equals.end(), _value_end(text, equals.end(), key)
        fields.append(_Field(name.group(), pos, start, end))
        pos = end


def _value_end(text: str, pos: int, key: str) -> int:
    """End of a value: braced, quoted or bare parts joined by ``#``."""
    while True:
        if text.startswith("{", pos):
            pos = _balanced(text, pos, key)
        elif text.startswith('"', pos):
            pos = _quoted(text, pos, key)
        else:
            bare = _BARE.match(text, pos)
            if not bare:
                raise BibEditError(f"entry '{key}' has an empty value near '{text[pos : pos + 30]}': fix it by hand")
            pos = bare.end()
        joined = re.compile(r"\s*#\s*").match(text, pos)
        if not joined:
            return pos
        pos = joined.end()


def _balanced(text: str, pos: int, key: str) -> int:
    depth = 0
    for i in range(pos, len(text)):
        if text[i] == "{" and text[i - 1] != "\\":
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i + 1
    raise BibEditError(f"entry '{key}' has an unclosed brace: fix it before fixing its fields")


def _quoted(text: str, pos: int, key: str) -> int:
    depth = 0
    for i in range(pos + 1, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
        elif text[i] == '"' and depth == 0 and text[i - 1] != "\\":
            return i + 1
    raise BibEditError(f"entry '{key}' has an unclosed quote: fix it before fixing its fields")

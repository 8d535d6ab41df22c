"""Read every ``.bib`` file of a data folder into evaluated, display-ready entries.

bibtexparser 2.x splits each file into blocks (``ingest.bibsplit`` finds the same blocks faster and hands any
file it is not sure of to bibtexparser's splitter); three steps, each over every entry in turn, then
evaluate the values (``@string`` macros from any file of the folder, ``#`` concatenation),
inherit ``crossref`` fields and normalise months; ``BibEntry`` prepares display text. Every block that
cannot become a paper is either reported as a Problem or accounted for (``@comment``,
``@preamble``, ``@string`` and crossref containers are not papers).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

from bibtexparser.library import Library
from bibtexparser.model import Block, DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry

from ingest import bibsplit, identifiers, latex
from ingest.citation_sources import venue_name
from ingest.problems import Problem, display_path

# bibtexparser logs every syntax error itself; we report them as Problems instead.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

MONTH_MACROS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}
_MONTH_NUMBERS = {name[:3].lower(): i for i, name in enumerate(MONTH_MACROS.values(), start=1)}
CONTAINER_TYPES = {"proceedings", "book", "collection", "mvproceedings", "mvbook", "mvcollection", "periodical"}
# Fields a child inherits from its crossref parent under a different name (biblatex convention).
_CROSSREF_RENAMES = {"title": "booktitle", "subtitle": "booksubtitle"}
_CROSSREF_NEVER = {
    "ids",
    "crossref",
    "xref",
    "entryset",
    "entrysubtype",
    "execute",
    "label",
    "options",
    "related",
    "key",
}
# The order fields are written in (data/papers/, atlas add, check-metadata --fix, BibTeX export); any
# other field follows these, alphabetically.
FIELD_ORDER = (
    "title",
    "author",
    "editor",
    "booktitle",
    "journal",
    "year",
    "month",
    "volume",
    "number",
    "pages",
    "publisher",
    "doi",
    "eprint",
    "archiveprefix",
    "primaryclass",
    "url",
    "note",
)
_NOT_AN_ENTRY = re.compile(r"\s*@\s*(?:string|comment|preamble)\s*[{(]", re.I)  # blocks that are never papers
_VENUE_FIELDS = ("journal", "booktitle", "journaltitle", "howpublished", "publisher", "school", "institution")


_T = TypeVar("_T")


class _computed_once(Generic[_T]):
    """``functools.cached_property`` without its lock: the value is computed on first read and stored in the
    instance's ``__dict__``, where later reads find it without calling this. In Python 3.11 the lock costs
    about as much as the look-up itself, and a build reads each of an entry's six properties once, for every
    entry of the library."""

    def __init__(self, func: Callable[[BibEntry], _T]):
        self.func, self.name = func, func.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, entry: BibEntry | None, owner: type | None = None) -> _T:
        if entry is None:
            return self  # type: ignore[return-value]  # read on the class, as cached_property does
        value = entry.__dict__[self.name] = self.func(entry)
        return value


@dataclass
class BibEntry:
    """One paper's BibTeX entry after evaluation, with display text decoded."""

    key: str
    entry_type: str
    fields: dict[str, str]  # evaluated TeX values without outer delimiters, in file order
    raw: str
    path: str
    line: int
    field_lines: dict[str, int] = field(default_factory=dict)

    @_computed_once
    def title(self) -> str:
        return latex.decode(self.fields.get("title", ""))

    @_computed_once
    def _names(self) -> list[tuple[str, str]]:
        """(display name, family name) of each author (editors when there are no authors)."""
        return [_display_and_family(n) for n in split_names(self.fields.get("author") or self.fields.get("editor", ""))]

    @property
    def authors(self) -> list[str]:
        return [display for display, _ in self._names]

    @property
    def author_families(self) -> list[str]:
        return [family for _, family in self._names]

    @_computed_once
    def year(self) -> int | None:
        match = re.search(r"\d{4}", self.fields.get("year", "") or self.fields.get("date", ""))
        return int(match.group()) if match else None

    @property
    def month(self) -> int | None:
        value = self.fields.get("month", "")
        return int(value) if value.isdigit() else None

    @_computed_once
    def venue(self) -> str | None:
        for name in _VENUE_FIELDS:
            if self.fields.get(name):
                return latex.decode(self.fields[name])
        return None

    @_computed_once
    def doi(self) -> str | None:
        return identifiers.normalise_doi(self.fields.get("doi"))

    @_computed_once
    def arxiv_id(self) -> str | None:
        return identifiers.arxiv_id_from_fields(self.fields)

    @_computed_once
    def published_in(self) -> str:
        """The booktitle or journal as written ('' for none, or for arXiv/CoRR): several checks ask, for every entry."""
        return venue_name(self.fields)

    @property
    def url(self) -> str | None:
        return self.fields.get("url") or None

    def line_of(self, field_name: str) -> int:
        return self.field_lines.get(field_name, self.line)


@dataclass
class BibReadResult:
    entries: list[BibEntry]
    problems: list[Problem]
    containers: list[str]  # keys of crossref parents merged into their children
    ignored_blocks: int  # @comment, @preamble and @string blocks
    rejected_keys: set[str] = field(default_factory=set)  # keys of entries reported as duplicates
    unparsed: int = 0  # entry blocks that never became entries (syntax errors, duplicate keys or fields)


# --- evaluation: the steps applied to every entry, in order ------------------------------


class _Record:
    """One entry while it is read: its fields as ``[name, value, line, lower-case name]`` lists in file order
    (names as written, lines counted from 0 as bibtexparser counts them) and the problems found in it.

    Plain lists rather than bibtexparser's ``Field`` objects, whose every read and write is a property call:
    a large library has a hundred thousand values, and the steps below read each of them several times.
    The values are evaluated as the record is made (``_Values``)."""

    __slots__ = ("entry", "path", "fields", "problems", "_by_name")

    def __init__(self, path: str, entry: Entry, values: _Values):
        self.entry, self.path = entry, path
        self.problems: list[tuple[int, str, str]] = []  # (line from 0, message, severity)
        self.fields: list[list] = []
        for fld in entry.fields:
            name, value, line = fld.key, fld.value, fld.start_line
            if (
                "#" not in value
                and len(value) > 1
                and (value[0] == "{" and value[-1] == "}" or value[0] == '"' == value[-1])
            ):
                value = value[1:-1]  # by far the most common value (evaluate's own first case, without the call)
            else:
                value = self._evaluated(name, value, line, values)
            self.fields.append([name, value, line, name.lower()])
        self._by_name: dict[str, list] | None = None

    def _evaluated(self, name: str, expression: str, line: int, values: _Values) -> str:
        try:
            return values.evaluate(expression)
        except UndefinedMacro as exc:
            if exc.reason:
                self.note(line, f"field '{name}' uses '{exc.name}', which {exc.reason}: shorten the value")
                return ""
            self.note(
                line,
                f"field '{name}' uses undefined @string macro '{exc.name}': "
                f"define it with @string{{{exc.name} = {{...}}}} or enclose the value in braces",
            )
            return expression

    def first(self, name: str) -> list | None:
        """The field called ``name`` (lower-case; the first of any case), or None. The index by name is built
        on first use and dropped when fields are added (``fields_changed``)."""
        if self._by_name is None:
            self._by_name = {}
            for fld in self.fields:
                self._by_name.setdefault(fld[3], fld)
        return self._by_name.get(name)

    def fields_changed(self) -> None:
        self._by_name = None

    def note(self, line: int, message: str, severity: str = "error") -> None:
        self.problems.append((line, message, severity))


class _Values:
    """Resolve @string macros (folder-wide, case-insensitive) and evaluate ``#`` concatenation.

    Values keep their inner TeX (``{LLaVA}`` protection, accents) and lose only the outer
    delimiters, so they can be written back to BibTeX unchanged. The same expressions recur across
    a library (``journal = j-TUGboat``, ``month = jan # "\\slash " # feb``): each is evaluated once.
    """

    def __init__(self, macros: dict[str, str]):
        self.macros = macros
        self.seen: dict[str, str] = {}

    def evaluate(self, expression: str) -> str:
        value = self.seen.get(expression)
        if value is None:
            value = self.seen[expression] = evaluate(expression, self.macros)
        return value


def inherit_crossref(record: _Record, parents: dict[str, _Record]) -> None:
    """Copy fields a child lacks from the entry its ``crossref`` names (BibTeX semantics)."""
    ref = record.first("crossref")
    if ref is None:
        return
    parent = parents.get(str(ref[1]).lower())
    if parent is None:
        record.note(
            ref[2],
            f"crossref '{ref[1]}' names no entry in the data folder: add that entry or remove the crossref field",
        )
        return
    present = {fld[0] for fld in record.fields}
    renames = _CROSSREF_RENAMES if parent.entry.entry_type.lower() in CONTAINER_TYPES else {}
    for name, value, line, _ in parent.fields:  # (the live list: an entry may name itself)
        target = renames.get(name, name)
        if name in _CROSSREF_NEVER or target in present:
            continue
        record.fields.append([target, value, line, target.lower()])
        present.add(target)
    record.fields_changed()


def normalise_month(record: _Record) -> None:
    """``jan``, ``January``, ``{Jan.}`` and ``1`` all become ``1``; anything else is reported."""
    fld = record.first("month")
    if fld is None or not fld[1]:
        return
    number = month_number(fld[1])
    if number is None:
        record.note(fld[2], f"month '{fld[1]}' is not a month: use jan..dec or 1..12", "warning")
    else:
        fld[1] = str(number)


# --- reading --------------------------------------------------------------------------


def read_bib_folder(
    data_dir: Path, files: list[Path] | None = None, extra: Sequence[tuple[str, str]] = ()
) -> BibReadResult:
    """Parse every .bib file under ``data_dir`` (or the given ``files``), plus ``extra`` in-memory
    files as (shown path, text); report every problem with its file and line."""
    files = sorted(Path(data_dir).rglob("*.bib")) if files is None else files
    problems: list[Problem] = []
    sources: list[tuple[str, str]] = []
    for path in files:
        shown = display_path(path)
        data = path.read_bytes()
        try:
            sources.append((shown, data.decode("utf-8")))
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    shown,
                    data.count(b"\n", 0, exc.start) + 1,
                    f"not valid UTF-8 ({exc.reason} at byte {exc.start}): save the file as UTF-8",
                )
            )
    return read_bib_texts([*sources, *extra], problems)


def parse_bibtex(text: str, origin: str) -> BibReadResult:
    """Parse BibTeX given as text (a pasted entry, an upload); problems name ``origin`` and the line."""
    return read_bib_texts([(origin, text)])


def read_bib_texts(sources: list[tuple[str, str]], problems: list[Problem] | None = None) -> BibReadResult:
    """Parse BibTeX sources given as (shown path, text), as one library: @string macros and
    crossrefs reach across them, as across the files of a data folder."""
    problems = list(problems or [])
    libraries: list[tuple[str, Library]] = []
    for shown, text in sources:
        libraries.append((shown, bibsplit.split(text)))

    macros = dict(MONTH_MACROS)
    string_exprs: dict[str, str] = {}
    ignored = 0
    for shown, library in libraries:
        ignored += len(library.blocks) - len(library.entries) - len(library.failed_blocks)
        for block in library.strings:
            string_exprs[block.key.lower()] = block.value
        problems.extend(_failed_block_problems(shown, library))
    problems.extend(_resolve_strings(string_exprs, macros, libraries))

    values = _Values(macros)
    records: dict[str, _Record] = {}  # by lower-case key, in file order
    duplicates_in_folder = 0
    rejected = {b.key for _, lib in libraries for b in lib.failed_blocks if isinstance(b, DuplicateBlockKeyBlock)}
    for shown, library in libraries:
        for entry in library.entries:
            seen = records.get(entry.key.lower())
            if seen is not None:
                problems.append(
                    Problem(
                        shown,
                        _line(entry),
                        f"duplicate key '{entry.key}': "
                        f"already used by '{seen.entry.key}' at {seen.path}:{_line(seen.entry)} "
                        "(keys are compared ignoring case): give one of them another key",
                    )
                )
                rejected.add(entry.key)
                duplicates_in_folder += 1
                continue
            records[entry.key.lower()] = _Record(shown, entry, values)

    # Each step over every entry before the next: a child inherits the values of its parent as evaluated.
    for record in records.values():
        inherit_crossref(record, records)
    for record in records.values():
        normalise_month(record)

    container_keys = {str(ref[1]).lower() for r in records.values() if (ref := r.first("crossref")) is not None}
    entries, containers = [], []
    for lower_key, record in records.items():
        for line, message, severity in record.problems:
            problems.append(Problem(record.path, line + 1, message, severity))
        if lower_key in container_keys and record.entry.entry_type.lower() in CONTAINER_TYPES:
            containers.append(record.entry.key)
            continue
        entries.append(_to_bib_entry(record))
    unparsed = sum(1 for _, lib in libraries for b in lib.failed_blocks if not _NOT_AN_ENTRY.match(b.raw or ""))
    unparsed += duplicates_in_folder
    return BibReadResult(entries, problems, containers, ignored, rejected, unparsed)


def _to_bib_entry(record: _Record) -> BibEntry:
    entry = record.entry
    default_line = _line(entry)
    # (a later field of the same name in another case wins, as in any dict)
    fields = {fld[3]: fld[1] for fld in record.fields}
    lines = {fld[3]: fld[2] + 1 if fld[2] else default_line for fld in record.fields}
    return BibEntry(
        key=entry.key,
        entry_type=entry.entry_type.lower(),
        fields=fields,
        raw=entry.raw or "",
        path=record.path,
        line=default_line,
        field_lines=lines,
    )


def _failed_block_problems(shown: str, library: Library) -> list[Problem]:
    problems = []
    for block in library.failed_blocks:
        if isinstance(block, DuplicateFieldKeyBlock) and isinstance(block.ignore_error_block, Entry):
            entry = block.ignore_error_block
            names = ", ".join(sorted(block.duplicate_keys))
            problems.append(
                Problem(
                    shown,
                    _line(block),
                    f"entry '{entry.key}' sets field(s) {names} twice: keep one value of each",
                )
            )
            continue
        if isinstance(block, DuplicateBlockKeyBlock):
            first = block.previous_block
            problems.append(
                Problem(
                    shown,
                    _line(block),
                    f"duplicate key '{block.key}': already used at {shown}:{_line(first)}: "
                    "give one of them another key",
                )
            )
            continue
        problems.append(
            Problem(
                shown,
                _line(block),
                f"BibTeX syntax error: {_error_text(block.error)}; check the braces, quotes and commas of this entry",
            )
        )
    return problems


def _line(block: Block) -> int:
    """The 1-based line a block starts on (bibtexparser counts from 0 and sets it on every block it reads)."""
    return (block.start_line or 0) + 1


def _error_text(error: Exception) -> str:
    reason = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error)
    return " ".join(str(reason).split()).rstrip(".") or type(error).__name__


def _resolve_strings(exprs: dict[str, str], macros: dict[str, str], libraries) -> list[Problem]:
    """Evaluate @string definitions, which may use each other, into ``macros``."""
    locations = {s.key.lower(): (shown, s.start_line + 1) for shown, lib in libraries for s in lib.strings}
    problems = []
    resolving: set[str] = set()

    def resolve(name: str) -> str:
        if name in macros:
            return macros[name]
        if name not in exprs or name in resolving:
            raise UndefinedMacro(name)
        if len(resolving) >= MAX_MACRO_DEPTH:
            raise UndefinedMacro(name, f"is nested more than {MAX_MACRO_DEPTH} @string definitions deep")
        resolving.add(name)
        try:
            macros[name] = evaluate(exprs[name], _LazyMacros(resolve))
        finally:
            resolving.discard(name)
        return macros[name]

    for name in exprs:
        try:
            resolve(name)
        except UndefinedMacro as exc:
            shown, line = locations[name]
            if exc.reason:
                message = f"@string '{name}' uses '{exc.name}', which {exc.reason}: write the value out in full"
            else:
                cause = "refers to itself" if exc.name == name else f"uses undefined macro '{exc.name}'"
                message = f"@string '{name}' {cause}: define it before use or enclose the value in braces"
            problems.append(Problem(shown, line, message))
    return problems


class _LazyMacros(dict):
    def __init__(self, resolve):
        super().__init__()
        self._resolve = resolve

    def __getitem__(self, name: str) -> str:
        return self._resolve(name)

    def get(self, name, default=None):
        try:
            return self._resolve(name)
        except UndefinedMacro as exc:
            if exc.reason:
                raise  # defined, but too long or too deep: say so rather than "undefined"
            return default


# --- values ---------------------------------------------------------------------------


MAX_VALUE_CHARS = 100_000  # a field value longer than this is an attack (macros doubling each other), not a paper
MAX_MACRO_DEPTH = 64  # @string definitions referring to each other this deep


class UndefinedMacro(KeyError):
    def __init__(self, name: str, reason: str | None = None):
        super().__init__(name)
        self.name = name
        self.reason = reason  # None: the macro is not defined


def evaluate(expression: str, macros: dict[str, str]) -> str:
    """Value of a BibTeX field expression: ``{a} # "b" # macro # 2020`` -> ``ab<macro>2020``.

    Raises UndefinedMacro for an unknown macro, or for a value over MAX_VALUE_CHARS.
    """
    expression = expression.strip()
    if "#" not in expression:
        first, last = expression[:1], expression[-1:]
        if (first == "{" and last == "}") or (first == last == '"' and len(expression) > 1):
            return expression[1:-1]  # by far the most common value: one braced or quoted string
        return _evaluate_part(expression, macros)
    value, parts = "", _split_concatenation(expression)
    for part in parts:
        value += _evaluate_part(part, macros)
        if len(value) > MAX_VALUE_CHARS:
            raise UndefinedMacro(part.strip(), f"makes the value longer than {MAX_VALUE_CHARS:,} characters")
    return value


def _evaluate_part(part: str, macros: dict[str, str]) -> str:
    part = part.strip()
    if len(part) >= 2 and ((part[0] == "{" and part[-1] == "}") or (part[0] == '"' and part[-1] == '"')):
        return part[1:-1]
    if part.isdigit() or part == "":
        return part
    value = macros.get(part.lower())
    if value is None:
        raise UndefinedMacro(part)
    return value


_CONCATENATION_MARKS = re.compile(r'[{}"#]')


def _split_concatenation(expression: str) -> list[str]:
    """The parts of ``a # "b" # {c}``: split at each ``#`` outside braces and quotes.

    Jumps from mark to mark (braces, quotes, ``#``): values are long (abstracts, URLs with ``#``
    anchors) and the marks few, so visiting every character would cost more than the parse."""
    parts, depth, in_quotes, start = [], 0, False, 0
    for match in _CONCATENATION_MARKS.finditer(expression):
        char, i = match.group(), match.start()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"':
            if depth == 0 and (i == 0 or expression[i - 1] != "\\"):
                in_quotes = not in_quotes
        elif depth == 0 and not in_quotes:
            parts.append(expression[start:i])
            start = i + 1
    parts.append(expression[start:])
    return parts


def month_number(value: str) -> int | None:
    text = value.strip().strip("{}").strip().rstrip(".").lower()
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return _MONTH_NUMBERS.get(text[:3]) if text in _MONTH_SPELLINGS else None


_MONTH_SPELLINGS = {n.lower() for n in MONTH_MACROS.values()} | set(MONTH_MACROS) | {"sept"}


# --- names ----------------------------------------------------------------------------

_AND_RE = re.compile(r"\s+and\s+", re.I)


_AND_OR_BRACE = re.compile(r"[{}]|\s+and\s+", re.I)


def split_names(value: str) -> list[str]:
    """Split an author field on top-level ``and`` (brace-protected ``and`` stays)."""
    if not value:
        return []
    if "{" not in value:
        return [n.strip() for n in _AND_RE.split(value.strip()) if n.strip()]
    names, depth, start = [], 0, 0
    for match in _AND_OR_BRACE.finditer(value):  # jump from brace to brace and "and" to "and"
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start : match.start()].strip())
            start = match.end()
    names.append(value[start:].strip())
    return [n for n in names if n]


def _name_parts(name: str) -> tuple[str, str, str, str]:
    """(first, von, last, jr) of a BibTeX name in any of its three forms."""
    parts = [p.strip() for p in _split_top_level(name, ",")]
    if not parts:  # only commas: no name at all
        return "", "", "", ""
    if len(parts) == 1:
        words = _split_top_level(parts[0], " ")
        if len(words) == 1:
            return "", "", words[0], ""
        von_start = next((i for i, w in enumerate(words[:-1]) if w[:1].islower()), None)
        if von_start is None:
            return " ".join(words[:-1]), "", words[-1], ""
        von_end = max(i for i, w in enumerate(words[:-1]) if w[:1].islower()) + 1
        return " ".join(words[:von_start]), " ".join(words[von_start:von_end]), " ".join(words[von_end:]), ""
    last_words = _split_top_level(parts[0], " ")
    von_end = max((i + 1 for i, w in enumerate(last_words[:-1]) if w[:1].islower()), default=0)
    von, last = " ".join(last_words[:von_end]), " ".join(last_words[von_end:])
    if len(parts) == 2:
        return parts[1], von, last, ""
    return parts[2], von, last, parts[1]


def _split_top_level(text: str, separator: str) -> list[str]:
    if "{" not in text:  # the common case: no protected groups, plain splitting is exact
        parts = text.split() if separator == " " else text.split(separator)
        return [p for p in (s.strip() for s in parts) if p]
    out: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == separator and depth == 0:
            out.append("".join(current))
            current = []
        elif not (separator == " " and char.isspace() and depth == 0):
            current.append(char)
        else:
            out.append("".join(current))
            current = []
    out.append("".join(current))
    return [p for p in (s.strip() for s in out) if p]


def display_name(name: str) -> str:
    """``Müller, Jörg`` -> ``Jörg Müller`` (LaTeX decoded)."""
    return _display_and_family(name)[0]


def family_name(name: str) -> str:
    """``van der Berg, Anna`` -> ``Berg`` (LaTeX decoded): the word a citation key starts with."""
    return _display_and_family(name)[1]


@lru_cache(maxsize=65536)
def _display_and_family(name: str) -> tuple[str, str]:
    first, von, last, jr = _name_parts(name)
    text = " ".join(p for p in (first, von, last) if p)
    return latex.decode(f"{text}, {jr}" if jr else text), latex.decode(last)

"""ingest.bibsplit finds exactly the blocks bibtexparser's splitter finds (the parser of record), or leaves the file
to it: compared block for block (type, line, raw text, key, fields with their lines, values, comments, duplicate
keys) on the real libraries of benchmarks/out/libraries (when fetched), every .bib of the fixtures and data/,
hostile cases written by hand and generated BibTeX."""

from __future__ import annotations

import logging
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.library import Library
from bibtexparser.model import Block, ParsingFailedBlock
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis_support import examples
from tests_paths import BUNDLED, FIXTURES, PROJECT

from ingest import bibsplit

logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
LIBRARIES = PROJECT / "benchmarks" / "out" / "libraries"  # fetched by benchmarks/bench_build.py --real


def described(block: Block) -> dict:
    """Everything a block holds, as plain values that compare equal when two splitters agree."""
    seen: dict = {"type": type(block).__name__, "line": block.start_line, "raw": block.raw}
    for attribute in ("key", "entry_type", "value", "comment", "duplicate_keys"):
        if hasattr(block, attribute):
            seen[attribute] = getattr(block, attribute)
    if hasattr(block, "fields"):
        seen["fields"] = [(f.key, f.value, f.start_line) for f in block.fields]
    if isinstance(block, ParsingFailedBlock):
        seen["error"] = str(block.error)
        if block.ignore_error_block is not None:
            seen["inner"] = described(block.ignore_error_block)
    return seen


def library_described(library: Library) -> list[dict]:
    return [described(block) for block in library.blocks]


def fast_path(text: str) -> list[dict] | None:
    """The blocks the fast path finds, or None where it leaves the file to bibtexparser."""
    try:
        return library_described(bibsplit._Split(text).library())
    except bibsplit._NotPlain:
        return None


def assert_same_blocks(text: str) -> bool:
    """The fast path agrees with bibtexparser's splitter, and split() with parse_string; True if it was taken."""
    expected = library_described(bibtexparser.parse_string(text, parse_stack=[]))
    fast = fast_path(text)
    assert fast is None or fast == expected
    assert library_described(bibsplit.split(text)) == expected
    return fast is not None


def bib_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.bib")) if folder.is_dir() else []


REAL = bib_files(LIBRARIES)


@pytest.mark.skipif(not REAL, reason="real libraries not fetched (benchmarks/bench_build.py --real)")
@pytest.mark.parametrize("path", REAL, ids=lambda p: str(p.relative_to(LIBRARIES)))
def test_real_libraries_split_the_same(path):
    text = path.read_bytes().decode("utf-8", "replace")
    taken = assert_same_blocks(text)
    if path.parent.parent == LIBRARIES:  # the benchmark's libraries: the fast path must serve them
        assert taken


@pytest.mark.parametrize("path", bib_files(FIXTURES) + bib_files(BUNDLED), ids=lambda p: str(p.relative_to(PROJECT)))
def test_fixtures_and_data_split_the_same(path):
    assert_same_blocks(path.read_bytes().decode("utf-8", "replace"))


PLAIN = [
    "@article{k, title = {A {B {C}} d}, year = 2020}",
    '@misc{k,\n  title = "quoted {with} braces, and a comma",\n  note = {a\\} escaped brace},\n}\n',
    '% a comment line\n@book{k,\n author = {A} # " and " # b,\n}\ntrailing text\n',
    '@string{acm = {ACM}}\n@preamble{"\\newcommand{\\x}{y}"}\n@comment{anything {here}}\n@Comment{x}',
    "@article{nofields}\n@article{k2,}\n@ARTICLE {k3 , a=1 , b = {2} }",
    "@article{k,\n  title = {line one \\\\\n line two},\n  note = {after an escaped newline}\n}",  # no line
    "@article{k, email = {me@example.org}, venue = {LeQua @ {CLEF}}}",
    "@article{k, title={x}, title={y}, TITLE={z}}",  # DuplicateFieldKeyBlock
    "@article{k, a={1}}\n@article{k, a={2}}",  # DuplicateBlockKeyBlock
    "@article{k,\r\n  title = {CRLF},\r\n  year = 2001\r\n}\r\n",
    "@article{k, title = {Ünïcödé \u00a0 naïve 数学}}\u00a0\n",
    "text @misc{inline, a = b} more",
    "@article{k, title = {" + "x @y{} " * 1000 + "}}",  # block starts, none at a line start, on one long line
]

NOT_PLAIN = [
    "@article(paren, title = {x})",
    "@article{k, title = {unclosed}\n@article{next, a = b}",
    "@article{k, title {no equals}}",
    '@article{k, title = "unclosed quote}',
    "@article{k, title = {x}, dangling}",
    '@article{k, title = "a {"} b"}',
    "@article{k, title = {a\n  @misc{inner, b = c}}}",
    "@article{k, title = {" + "{" * (bibsplit.MAX_BRACE_DEPTH + 1) + "}" * (bibsplit.MAX_BRACE_DEPTH + 1) + "}}",
    "@string{x}",
    "@article{k title = x}",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_cases_take_the_fast_path_and_agree(text):
    assert assert_same_blocks(text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_cases_it_is_not_sure_of_go_to_bibtexparser(text):
    assert not assert_same_blocks(text)


# Generated BibTeX: mostly well-formed blocks (so that the fast path is taken) built of pieces that each rule of the
# splitter is about, with malformed pieces mixed in (so that it is also left to bibtexparser).
TEXT_PIECES = st.sampled_from(
    ["a", "Bc", " ", "\t", "\n", "\r\n", ",", "=", '"', "#", "@", "@x{", "\n@misc{", "\\", "\\{", "\\}", '\\"']
    + ["\\\n", "\\\\", '{"}', "(", ")", "é", "\u00a0", "数", "%"]
    + ["\n@x{}", " @y{}", "\n @misc{k,a=b}"]  # block starts inside values: at a line start (abort) or not
)
WORDS = st.text(st.sampled_from("abcXYZ09_-:."), min_size=1, max_size=6)
SPACE = st.sampled_from(["", " ", "\n", "  ", "\t", "\r\n", "\u00a0"])


@st.composite
def braced(draw, depth: int = 0) -> str:
    parts = draw(st.lists(TEXT_PIECES.filter(lambda p: p not in ("\\", "\\\\")) | WORDS, max_size=5))
    if depth < 3 and draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), draw(braced(depth + 1)))
    text = "".join(parts)
    return "{" + text.replace("{", "").replace("}", "") + "}" if depth else "{" + text + "}"


@st.composite
def values(draw) -> str:
    quoted = st.builds(lambda s: '"' + s + '"', st.text(st.sampled_from('ab {}\n,=@\\"é'), max_size=8))
    piece = st.one_of(braced(), quoted, WORDS, st.text(st.sampled_from("0123456789"), min_size=1, max_size=4))
    return draw(SPACE) + " # ".join(draw(st.lists(piece, min_size=1, max_size=3))) + draw(SPACE)


@st.composite
def blocks(draw) -> str:
    kind = draw(st.sampled_from(["entry", "entry", "entry", "string", "comment", "preamble", "junk", "text"]))
    start = draw(st.sampled_from(["@", "@", "\n@", "\n  @", "x@"]))
    if kind == "entry":
        fields = [f"{draw(SPACE)}{draw(WORDS)}{draw(SPACE)}={draw(values())}" for _ in range(draw(st.integers(0, 4)))]
        body = ",".join([draw(WORDS), *fields]) + draw(st.sampled_from(["", ",", ", ", ",\n"]))
        return f"{start}{draw(st.sampled_from(['article', 'Misc', 'book ', '']))}{{{body}}}"
    if kind == "string":
        return f"{start}string{{{draw(WORDS)} = {draw(values())}}}"
    if kind in ("comment", "preamble"):
        return f"{start}{kind}{{{draw(values())}}}"
    if kind == "junk":
        return "".join(draw(st.lists(TEXT_PIECES, max_size=8)))
    return draw(st.text(st.sampled_from("ab %\n\t,="), max_size=12))


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(blocks(), max_size=6), st.lists(TEXT_PIECES, max_size=3), st.randoms(use_true_random=False))
def test_generated_bibtex_splits_the_same(parts, noise, random):
    text = "".join(parts)
    for piece in noise:  # a few stray characters anywhere
        at = random.randrange(len(text) + 1)
        text = text[:at] + piece + text[at:]
    note(repr(text))
    assert_same_blocks(text)


def test_generated_bibtex_mostly_takes_the_fast_path():
    """Guards the property above against only ever testing the fallback."""
    taken = []

    @settings(max_examples=100, database=None, derandomize=True, deadline=None)
    @given(st.lists(blocks(), min_size=1, max_size=6))
    def collect(parts):
        taken.append(fast_path("".join(parts)) is not None)

    collect()
    assert sum(taken) >= len(taken) // 3

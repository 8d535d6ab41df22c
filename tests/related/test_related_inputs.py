"""Any input gives a result or a clear message, never an exception: FTS5 syntax, Unicode, size, garbage.

Runs on the real fixture database (FTS5 included), from the library and from the command line.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from cli.main import main
from explorer import fts
from explorer.related import WEIGHTS, RelatedInputError, find_related

WORDS = (
    "attention sink visual tokens hallucination logit lens LLaVA CLIP neurons layers decoding benchmark "
    "sparse autoencoder probing causal tracing modality alignment"
).split()

HOSTILE_TEXT = [
    "",
    " ",
    "\n\t\r",
    '"',
    '""',
    "'",
    "''",
    '"attention',
    'attention"',
    '"a" "b" "',
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "AND OR NOT NEAR",
    "attention AND",
    "OR sink",
    "NOT attention",
    "NEAR(attention sink, 2)",
    "NEAR(attention",
    "attention NEAR/3 sink",
    "*",
    "**",
    "attention*",
    "*attention",
    "^attention",
    "+attention",
    "-attention",
    "attention -sink",
    "--",
    "title:attention",
    "summary : logit",
    "{title summary}: lens",
    ":",
    "a:b:c",
    "(",
    ")",
    "((attention",
    "attention))",
    "(a OR (b AND",
    "[",
    "]",
    "{",
    "}",
    "[[{{(",
    "\\",
    '\\"',
    "%_",
    "';",
    "'; DROP TABLE papers; --",
    "papers_fts MATCH 'x'",
    "rank:bm25",
    "x' OR '1'='1",
    "Müller",
    "Sehen und Verstehen über Layers",
    "ÜNÏCÖDÉ",
    "ﬁne-grained",
    "ＬＬａＶＡ",
    "视觉语言模型的注意力",
    "نموذج لغوي",
    "\u200f\u200eattention\u200d",
    "\u0301\u0301",
    "🙂",
    "🔥 attention 🔥",
    "👩‍👩‍👧‍👦",
    "🇪🇺",
    "\U0001f600" * 500,
    "\x00",
    "attention\x00sink",
    "\x1b[31mred\x1b[0m",
    "\ud800",
    "attention \udcff sink",
    "\ufeffattention",
    "\uffff",
    "a" * 10_000,
    "attention " * 20_000,
    "a",
    "ab",
    "12",
    "1.5",
    "LLaVA-1.5",
    "GPT-4V",
    "C++",
    "#1",
]


def assert_answered(result) -> None:
    assert result.papers or result.notes, "neither papers nor a message"
    for note in result.notes:
        assert isinstance(note, str) and note.strip()
    for paper in result.papers:
        assert paper.reasons and paper.score > 0


@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
def test_hostile_text_gives_a_result_or_a_message(session, text):
    assert_answered(find_related(session, text=text))


@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
def test_hostile_text_makes_a_valid_fts_query(session, text):
    expression = fts.match_expression(fts.content_words(text))
    if expression is not None:
        fts.search(session, expression, 10, WEIGHTS.bm25_columns)  # would raise on an FTS5 syntax error


def test_operator_words_are_words_not_syntax(session):
    # With operators honoured, "logit NOT lens" would drop every logit-lens paper; here it finds them.
    keys = {p.key for p in find_related(session, text="logit NOT lens").papers}
    assert {"neo2024interpreting", "nostalgebraist2020interpreting"} <= keys
    keys = {p.key for p in find_related(session, text='title:"logit lens"').papers}
    assert "nostalgebraist2020interpreting" in keys


def test_accents_and_case_fold_like_the_index(session):
    result = find_related(session, text="MULLER Joerg Garcia")  # authors Müller, García
    assert result.papers[0].key == "muller2024sehen"
    assert fts.tokenize("Jörg MÜLLER ﬁne") == ["jorg", "muller", "fine"]


def test_100_kb_of_text(session):
    rng = random.Random(5)
    text = " ".join(rng.choice(WORDS) for _ in range(14_000))[:100_000]
    assert len(text) >= 99_000
    result = find_related(session, text=text)
    assert result.papers


def test_text_longer_than_the_limit_is_cut_with_a_note(session):
    result = find_related(session, text="logit lens " * 30_000)
    assert result.papers and any("only the first" in n for n in result.notes)


def test_empty_and_stop_word_only_text_explain_themselves(session):
    for text in ("", "   ", "the and of", "🙂", "***"):
        result = find_related(session, text=text)
        assert result.papers == [] and "no words to search for" in result.message


def test_words_in_no_paper_say_so(session):
    result = find_related(session, text="zyxwvut qqqqq")
    assert result.papers == [] and "no paper matches" in result.message


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=300)
    | st.lists(
        st.sampled_from(WORDS + ["AND", "OR", "NOT", "NEAR", "*", "-", ":", "(", ")", '"', "^"]), max_size=12
    ).map(" ".join)
)
def test_any_text_at_all(session, text):
    assert_answered(find_related(session, text=text, k=3))
    expression = fts.match_expression(fts.content_words(text))
    if expression is not None:
        fts.search(session, expression, 3, WEIGHTS.bm25_columns)


@pytest.mark.parametrize(
    "key",
    [
        "",
        " ",
        "'",
        '"; DROP TABLE papers; --',
        "\ud800",
        "🙂",
        "x" * 5000,
        "\x00",
        "neo2024interpreting\n",
        "*",
        "10.",
        "arXiv:",
        "https://doi.org/",
    ],
)
def test_hostile_paper_keys_are_clear_errors(session, key):
    if key.strip() == "neo2024interpreting":
        assert find_related(session, paper=key).seeds == ["neo2024interpreting"]
        return
    with pytest.raises(RelatedInputError) as info:
        find_related(session, paper=key)
    message = str(info.value)
    message.encode("utf-8")  # printable: no lone surrogates
    assert "no paper with key" in message and len(message) < 400


@pytest.mark.parametrize(
    "bib",
    [
        b"",
        b"\x00\x01\x02\xff\xfe",
        bytes(range(256)) * 50,
        "@article{",
        "@article{x,",
        "@article{x, title = {",
        "{" * 50_000,
        "}" * 1000,
        "@misc{x}",
        "@misc{x, author = {and and and}}",
        r"@misc{x, title = {\"}",
        "@string{a = a}",
        "@misc{x, title = {🙂 \ud800 über}}",
        "@comment{nothing}",
        '@misc{x, title = "AND OR NOT" # undefined}',
        "@misc{x, title={logit lens}}\n" * 2000,
    ],
)
def test_hostile_bib_gives_a_result_or_a_message(session, bib):
    assert_answered(find_related(session, bib=bib))


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("text", ["", '"', "NEAR(", "a:b", "-x", "((", "🙂", "Müller", "\ud800", "AND OR"])
def test_cli_never_tracebacks(fixture_db, capsys, text):
    for fmt in ("table", "json", "bibtex"):
        code, out, err = run(capsys, "related", "--db", str(fixture_db), "--format", fmt, "--", text)
        assert code == 0 and "Traceback" not in err
        assert out or err.startswith("atlas: ")


def test_cli_reads_100_kb_from_stdin(fixture_db):
    text = ("logit lens attention " * 6000)[:100_000]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "related", "-", "--db", str(fixture_db), "--format", "json"],
        input=text,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "nostalgebraist2020interpreting" in proc.stdout


def test_cli_unknown_paper_and_bad_options_are_messages(fixture_db, capsys):
    code, _, err = run(capsys, "related", "--db", str(fixture_db), "--paper", "nope")
    assert code == 1 and err.startswith("atlas: error: no paper with key")
    code, _, err = run(capsys, "related", "--db", str(fixture_db), "x", "--category", "nope")
    assert code == 1 and "unknown taxonomy node 'nope'" in err
    code, _, err = run(capsys, "related", "--db", str(fixture_db), "--bib", "/no/such/file.bib")
    assert code == 1 and "cannot read" in err
    with pytest.raises(SystemExit) as info:
        main(["related", "--db", str(fixture_db), "x", "--k", "many"])
    assert info.value.code == 2

"""BibTeX reading: macros across files, concatenation, crossref, months, names, LaTeX decoding."""

from pathlib import Path

import pytest

from ingest.bibtex import display_name, evaluate, family_name, month_number, read_bib_folder, split_names
from ingest.latex import decode


def read(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return read_bib_folder(tmp_path)


def test_string_macros_from_another_file_and_concatenation(tmp_path):
    result = read(
        tmp_path,
        {
            "a_strings.bib": '@STRING{ ieee = "IEEE" }\n@string{conf = IEEE # " Conf. on " # {Vision}}\n',
            "b_paper.bib": '@inproceedings{x2020a, title = "A " # {{B}} # " C", '
            'booktitle = conf # ", " # 2020, year = 2020}\n',
        },
    )
    assert result.problems == []
    entry = result.entries[0]
    assert entry.fields["title"] == "A {B} C"
    assert entry.fields["booktitle"] == "IEEE Conf. on Vision, 2020"
    assert entry.title == "A B C"
    assert result.ignored_blocks == 2


def test_comments_and_preamble_are_not_papers(tmp_path):
    result = read(
        tmp_path,
        {
            "x.bib": '@comment{jabref-meta: databaseType:bibtex;}\n@preamble{"\\newcommand{\\x}{y}"}\nfree text\n'
            "@misc{k2020a, title={T}, year={2020}}\n"
        },
    )
    assert [e.key for e in result.entries] == ["k2020a"]
    assert result.problems == []


def test_crossref_inherits_missing_fields_only(tmp_path):
    result = read(
        tmp_path,
        {
            "x.bib": "@inproceedings{child2020a, title={Child}, crossref={parent2020}, year={2021}}\n"
            "@proceedings{parent2020, title={Proc. of Things}, year={2020}, publisher={ACM}, editor={Ed, It}}\n"
        },
    )
    assert result.containers == ["parent2020"]
    [child] = result.entries
    assert child.fields["booktitle"] == "Proc. of Things"
    assert child.fields["year"] == "2021"  # the child's own value wins
    assert child.fields["publisher"] == "ACM"
    assert child.fields["title"] == "Child"


def test_crossref_to_non_container_keeps_both_papers(tmp_path):
    result = read(
        tmp_path,
        {"x.bib": "@misc{a2020a, title={A}, crossref={b2020b}}\n@misc{b2020b, title={B}, year={2020}, note={n}}\n"},
    )
    assert sorted(e.key for e in result.entries) == ["a2020a", "b2020b"]
    assert next(e for e in result.entries if e.key == "a2020a").fields["year"] == "2020"


@pytest.mark.parametrize(
    "value,number", [("jan", 1), ("January", 1), ("{Jan.}", 1), ("9", 9), ("sep", 9), ("Sept", 9), ("dec", 12)]
)
def test_months(value, number):
    assert month_number(value) == number


def test_bad_month_is_a_warning(tmp_path):
    result = read(tmp_path, {"x.bib": "@misc{m2020a,\n  title={T},\n  month={Spring},\n  year={2020}}\n"})
    [problem] = result.problems
    assert (problem.line, problem.severity) == (3, "warning") and "month 'Spring' is not a month" in problem.message


def test_month_macro_normalised(tmp_path):
    result = read(tmp_path, {"x.bib": "@misc{m2020a, title={T}, month=mar, year={2020}}\n"})
    assert result.entries[0].month == 3


@pytest.mark.parametrize(
    "raw,display,family",
    [
        ('M{\\"u}ller, J{\\"o}rg', "Jörg Müller", "Müller"),
        ("Jörg Müller", "Jörg Müller", "Müller"),
        ("van der Berg, Anna", "Anna van der Berg", "Berg"),
        ("Anna van der Berg", "Anna van der Berg", "Berg"),
        ("Smith, Jr., John", "John Smith, Jr.", "Smith"),
        ("{Barnes and Noble}", "Barnes and Noble", "Barnes and Noble"),
        ("Garc{\\'\\i}a, Mar{\\'\\i}a", "María García", "García"),
        ("Plato", "Plato", "Plato"),
    ],
)
def test_names(raw, display, family):
    assert display_name(raw) == display
    assert family_name(raw) == family


@pytest.mark.parametrize("raw", [",", " , , "])
def test_a_name_of_only_commas_is_empty_not_a_crash(raw):
    """author = {,} raised IndexError in atlas add and atlas build (hypothesis drew author=',')."""
    assert display_name(raw) == family_name(raw) == ""


def test_split_names_respects_braces():
    assert split_names("A, B and {C and D} AND E F") == ["A, B", "{C and D}", "E F"]
    assert split_names("") == []


@pytest.mark.parametrize(
    "tex,text",
    [
        ("Caf\\'e", "Café"),
        ('\\"{U}ber', "Über"),
        ("\\v{S}imon", "Šimon"),
        ("Stra{\\ss}e", "Straße"),
        ("\\o{}sterg\\aa rd", "østergård"),
        ("pages 1--10", "pages 1–10"),
        ("a---b", "a—b"),
        ("The {LLaVA} Model", "The LLaVA Model"),
        ("50\\% \\& more", "50% & more"),
        ("\\textbf{Bold} move", "Bold move"),
        ("plain", "plain"),
        ("\\c{c}a", "ça"),
        # the text macros of real libraries (TUGboat, typesetting bibliographies), without pylatexenc
        ("The \\TeX book", "The TeXbook"),
        ("\\TeX{} and \\LaTeXe", "TeX and LaTeX2e"),
        ("{\\it Italic} text", "Italic text"),
        ("\\acro{TUG} meeting", "TUG meeting"),
        ("\\ConTeXt{} and \\LuaTeX\\ today", "ConTeXt and LuaTeX today"),
        ("A\\kern-.1em B", "A B"),
        ("x\\slash y", "x/y"),
        ("co\\-operate", "cooperate"),
        ("one\\Dash two", "one\u2014two"),
        ('Die {\\em Sch\\"onheit}', "Die Schönheit"),
        ("line\\\\break", "line break"),
        ("$x^2$ plus", "$x^2$ plus"),
    ],
)
def test_latex_decoding(tex, text):
    assert decode(tex) == text


def test_evaluate_undefined_macro():
    with pytest.raises(KeyError):
        evaluate("nosuchmacro # {x}", {})
    assert evaluate('"a" # {b}', {}) == "ab"


def test_non_utf8_file_is_reported(tmp_path):
    (tmp_path / "latin1.bib").write_bytes("@misc{a2020a, title={Caf\xe9}}".encode("latin-1"))
    result = read_bib_folder(tmp_path)
    assert "not valid UTF-8" in result.problems[0].message

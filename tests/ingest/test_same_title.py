"""A shared title is an error only for the same work: same first author's family name, years at most one apart.

Real pairs: "Human Memory" by Craik & Jennings (1992, a handbook chapter) and by Zacks, Hasher & Li (2000,
another handbook's chapter); "Deep learning" by LeCun, Bengio & Hinton (Nature, 2015) and by Goodfellow,
Bengio & Courville (MIT Press, 2016) are different works. The same paper as a preprint and as a
conference version (one first author, consecutive years) is one work.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from contribute_support import line_of, problems, write
from tests_paths import FIXTURE_DATA

from cli.main import main
from ingest import build, read_dataset

DIFFERENT_WORKS = [
    (
        "@incollection{craik1992human,\n  author = {Craik, Fergus I. M. and Jennings, Janine M.},\n"
        "  title = {Human Memory},\n  booktitle = {The Handbook of Aging and Cognition},\n  year = {1992},\n}\n",
        "@incollection{zacks2000human,\n  author = {Zacks, Rose T. and Hasher, Lynn and Li, Karen Z. H.},\n"
        "  title = {Human Memory},\n  booktitle = {The Handbook of Aging and Cognition},\n  edition = {2},\n"
        "  year = {2000},\n}\n",
    ),
    (
        "@article{lecun2015deep,\n  author = {LeCun, Yann and Bengio, Yoshua and Hinton, Geoffrey},\n"
        "  title = {Deep learning},\n  journal = {Nature},\n  year = {2015},\n  doi = {10.1038/nature14539},\n}\n",
        "@book{goodfellow2016deep,\n  author = {Goodfellow, Ian and Bengio, Yoshua and Courville, Aaron},\n"
        "  title = {Deep Learning},\n  publisher = {MIT Press},\n  year = {2016},\n}\n",
    ),
    # same first author, but a decade apart: a new edition or a different work
    (
        "@book{smith2000introduction,\n  author = {Smith, Ann},\n  title = {Introduction},\n  year = {2000},\n}\n",
        "@book{smith2010introduction,\n  author = {Smith, Ann},\n  title = {Introduction},\n  year = {2010},\n}\n",
    ),
]
SAME_WORK = [
    (
        "@misc{tong2024eyes,\n  author = {Tong, Shengbang and Liu, Zhuang},\n"
        "  title = {Eyes Wide Shut? Exploring the Visual Shortcomings of Multimodal {LLMs}},\n  year = {2024},\n}\n",
        "@inproceedings{tong2024eyescvpr,\n  author = {Shengbang Tong and Zhuang Liu},\n  title = {Eyes wide shut? "
        "Exploring the visual shortcomings of multimodal LLMs},\n  booktitle = {CVPR},\n  year = {2024},\n}\n",
    ),
    (
        '@misc{muller2023sehen,\n  author = {M{\\"u}ller, J{\\"o}rg},\n'
        "  title = {Sehen und Verstehen},\n  year = {2023},\n}\n",
        "@article{muller2024sehenj,\n  author = {Jörg Müller},\n  title = {Sehen und verstehen},\n  journal = {J},\n"
        "  year = {2024},\n}\n",
    ),
]


def _pair(data_dir: Path, first: str, second: str) -> tuple[Path, Path]:
    for path in (data_dir / "papers").glob("*"):
        path.unlink()
    return write(data_dir, "a.bib", first), write(data_dir, "b.bib", second)


@pytest.mark.parametrize("first, second", DIFFERENT_WORKS)
def test_same_title_by_other_authors_or_years_is_a_warning_naming_both(data_dir: Path, first: str, second: str):
    _, later = _pair(data_dir, first, second)
    found = [p for p in problems(data_dir) if "title" in p.message and "same" in p.message]
    assert [p.severity for p in found] == ["warning"]
    message = found[0].message
    first_key, second_key = first.split("{", 1)[1].split(",")[0], second.split("{", 1)[1].split(",")[0]
    assert f"'{second_key}'" in message and f"'{first_key}'" in message
    assert f"distinct_from: [{first_key}]" in message
    assert found[0].line == line_of(later, "title =")


@pytest.mark.parametrize("first, second", DIFFERENT_WORKS[:1])
def test_such_a_library_builds(data_dir: Path, tmp_path: Path, first: str, second: str):
    _pair(data_dir, first, second)
    result = build(data_dir, tmp_path / "kb.db")
    assert result.counts["papers"] == len(read_dataset(data_dir).entries) and len(result.warnings) >= 1


@pytest.mark.parametrize("first, second", SAME_WORK)
def test_same_title_same_first_author_close_years_is_an_error(data_dir: Path, tmp_path: Path, capsys, first, second):
    _pair(data_dir, first, second)
    found = [p for p in problems(data_dir) if "is the same paper as" in p.message]
    assert [p.severity for p in found] == ["error"] and "same title" in found[0].message
    assert main(["build", "--data", str(data_dir), "--db", str(tmp_path / "kb.db")]) == 1


def test_distinct_from_silences_the_same_title_warning(data_dir: Path):
    first, second = DIFFERENT_WORKS[0]
    _pair(data_dir, first, second)
    annotation = (FIXTURE_DATA / "papers" / "li2023evaluating.yaml").read_text()
    write(
        data_dir,
        "zacks2000human.yaml",
        annotation.replace("li2023evaluating", "zacks2000human") + "distinct_from:\n  - craik1992human\n",
    )
    assert not [p for p in problems(data_dir) if "same title" in p.message]

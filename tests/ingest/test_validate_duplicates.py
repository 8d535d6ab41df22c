"""The same paper twice: exact (DOI, arXiv id, title; errors) and near-identical titles (a warning)."""

from __future__ import annotations

import random

import pytest
from contribute_support import at, line_of, only, problems, write
from tests_paths import BUNDLED

from ingest import read_dataset
from ingest.duplicates import compare_titles, near_duplicate_pairs

NEO_TITLE = "Towards Interpreting Visual Information Processing in Vision-Language Models"


def add_paper(data_dir, key: str, title: str, extra: str = "") -> object:
    bib = write(
        data_dir,
        f"{key}.bib",
        f"@misc{{{key},\n  title = {{{title}}},\n  author = {{Doe, Jane}},\n  year = {{2024}},\n{extra}}}\n",
    )
    write(
        data_dir,
        f"{key}.yaml",
        (
            f"key: {key}\ncategories:\n  - id: model/token/visual-token\n    why: Looks at what visual tokens hold.\n"
            "modalities: [image, text]\nmodels: [llava]\ntechnique: [probing]\ngranularity: token\n"
            "summary: A paper added by a test to check duplicate detection.\ncode: null\n"
        ),
    )
    return bib


@pytest.mark.parametrize(
    "title",
    [
        "Interpreting Visual Information Processing in Vision-Language Models",  # "Towards" dropped
        "Towards Interpreting Visual Informaton Processing in Vision Language Models",  # typo, hyphen
        "Towards Interpreting Visual Information Processing in Vision-Language Model",  # singular
        "Towards Interpreting Visual Information Processing in Vision-Language Models: A Study",  # subtitle added
    ],
)
def test_near_identical_title_is_a_warning_naming_both(data_dir, title):
    """Reported at the paper added later (doe... has no `added` date, neo... was added 2026-11-01)."""
    path = add_paper(data_dir, "doe2024interpreting", title)
    problem = only(problems(data_dir), "may be the same paper as")
    assert at(problem, path, line_of(path, "title = "))
    assert problem.severity == "warning"
    neo = data_dir / "papers" / "neo2024interpreting.bib"
    assert problem.message.startswith("'doe2024interpreting' may be the same paper as 'neo2024interpreting' (")
    assert f"neo2024interpreting.bib:{line_of(neo, 'title')})" in problem.message
    assert problem.message.endswith(
        "if it is, keep one entry; if not, add distinct_from: [neo2024interpreting] to doe2024interpreting.yaml"
    )


def test_near_duplicate_fails_strict_validation(data_dir):
    add_paper(data_dir, "doe2024interpreting", "Interpreting Visual Information Processing in Vision-Language Models")
    dataset = read_dataset(data_dir)
    assert dataset.errors() == [] and len(dataset.errors(strict=True)) == 1


def test_distinct_from_silences_it(data_dir):
    add_paper(data_dir, "doe2024interpreting", "Interpreting Visual Information Processing in Vision-Language Models")
    yaml_path = data_dir / "papers" / "doe2024interpreting.yaml"
    yaml_path.write_text(yaml_path.read_text() + "distinct_from: [neo2024interpreting]\n")
    assert [str(p) for p in problems(data_dir)] == []


def test_distinct_from_unknown_key(data_dir):
    add_paper(data_dir, "doe2024interpreting", "Something Else Entirely About Sinks")
    yaml_path = data_dir / "papers" / "doe2024interpreting.yaml"
    yaml_path.write_text(yaml_path.read_text() + "distinct_from:\n  - nosuch2024paper\n")
    problem = only(problems(data_dir), "distinct_from")
    assert at(problem, yaml_path, line_of(yaml_path, "- nosuch2024paper"))
    assert (
        problem.message
        == "distinct_from names unknown key 'nosuch2024paper': use the key of a paper in data/ or remove it"
    )


def test_exact_duplicates_are_errors(data_dir):
    # (reported at the entry that comes later in file order: zed... after neo...)
    path = add_paper(
        data_dir,
        "zed2024same",
        "A Different Title Altogether",
        "  eprint = {2410.07149},\n  archivePrefix = {arXiv},\n",
    )
    problem = only(problems(data_dir), "is the same paper as")
    assert at(problem, path, line_of(path, "eprint"))
    assert problem.message.startswith("'zed2024same' is the same paper as 'neo2024interpreting' (")
    assert problem.message.endswith("same arXiv id '2410.07149'; keep one entry and delete the other")


@pytest.mark.parametrize(
    "a, b",
    [
        ("Visual Instruction Tuning 1.5", "Visual Instruction Tuning 2"),  # a number differs
        ("Vision Transformers Need Registers", "Vision Transformers Don't Need Trained Registers"),  # negation
        ("Concept Bottleneck Models", "Post-hoc Concept Bottleneck Models"),  # bundled: different papers
        (
            "Evaluating Object Hallucination in Large Vision-Language Models",  # bundled: the closest pair, 0.86
            "Analyzing and Mitigating Object Hallucination in Large Vision-Language Models",
        ),
        ("Attention", "Attention: a subtitle"),  # too short to call
    ],
)
def test_different_papers_are_not_near_duplicates(a, b):
    assert compare_titles(a, b) is None


def test_bundled_data_has_no_near_duplicates():
    entries = read_dataset(BUNDLED).entries
    assert near_duplicate_pairs((e.key, e.title) for e in entries) == []


def test_blocking_finds_what_comparing_every_pair_finds():
    """Candidate blocking must not lose pairs: bundled titles plus a perturbed copy of each."""
    rng = random.Random(3)
    titles = [(e.key, e.title) for e in read_dataset(BUNDLED).entries]

    def perturb(title: str) -> str:
        choice = rng.random()
        if choice < 0.35:
            i = rng.randrange(len(title))
            return title[:i] + title[i + 1 :]
        if choice < 0.7:
            return title + "s"
        words = title.split()
        return " ".join(words[1:]) if len(words) > 6 else title + " x"

    items = titles + [(key + "-copy", perturb(title)) for key, title in titles]
    brute = {frozenset((a[0], b[0])) for i, a in enumerate(items) for b in items[i + 1 :] if compare_titles(a[1], b[1])}
    blocked = {frozenset((a, b)) for a, b, _ in near_duplicate_pairs(items)}
    assert len(brute) > 200 and blocked == brute

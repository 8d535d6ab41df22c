"""The metadata rules: venue years, first_public, Anthology DOIs, arXiv identifiers, primary sources, notes.

Each problem is reported at path:line with the fix; the fixture papers start clean, and each test
breaks one fact the way the atlas's own data was broken before its review.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from contribute_support import at, edit, line_of, only, problems

from cli.main import main
from ingest.citation_sources import CitationSourcesError, anthology_id, load_citation_sources, venue_name, years_in_text

NEO_BOOKTITLE = 'booktitle     = iclr # " (ICLR)",'


def append(data_dir: Path, name: str, text: str) -> Path:
    path = data_dir / "papers" / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def verification(data_dir: Path, name: str, **fields) -> Path:
    """Append a verification block (values as YAML text) to a fixture annotation."""
    lines = "".join(f"  {key}: {value}\n" for key, value in fields.items())
    return append(data_dir, name, f"verification:\n{lines}")


# --- the venue's year ------------------------------------------------------------------


def test_a_year_in_the_venue_name_must_be_the_year(data_dir):
    path = edit(data_dir, "neo2024interpreting.bib", NEO_BOOKTITLE, "booktitle = {ICLR 2025},")
    problem = only(problems(data_dir), "a published paper's year is its venue's")
    assert at(problem, path, line_of(path, "year "))
    assert problem.message == (
        "'neo2024interpreting' has year 2024 but the venue 'ICLR 2025' names 2025: a published "
        "paper's year is its venue's, so write year = {2025}; keep the first public year 2024 "
        "as first_public: 2024 in neo2024interpreting.yaml"
    )


def test_a_venue_page_of_another_year_contradicts_the_year(data_dir):
    verification(
        data_dir,
        "neo2024interpreting.yaml",
        source="https://arxiv.org/abs/2410.07149",
        venue_source="https://iclr.cc/virtual/2025/poster/28765",
    )
    bib = data_dir / "papers" / "neo2024interpreting.bib"
    problem = only(problems(data_dir), "a published paper's year is its venue's")
    assert at(problem, bib, line_of(bib, "year "))
    assert (
        "but verification.venue_source https://iclr.cc/virtual/2025/poster/28765 is a page of the 2025 venue"
        in problem.message
    )


def test_an_anthology_doi_dates_the_proceedings(data_dir):
    path = edit(
        data_dir,
        "li2023evaluating.bib",
        "year      = {2023},",
        "year = {2023},\n  doi = {10.18653/v1/2024.emnlp-main.20},",
    )
    problem = only(problems(data_dir), "a published paper's year is its venue's")
    assert at(problem, path, line_of(path, "year = "))
    assert "but the DOI 10.18653/v1/2024.emnlp-main.20 is in the 2024 proceedings" in problem.message


def test_agreeing_years_pass(data_dir):
    edit(data_dir, "neo2024interpreting.bib", NEO_BOOKTITLE, "booktitle = {ICLR 2025},")
    edit(data_dir, "neo2024interpreting.bib", "year          = {2024},", "year = {2025},")
    append(data_dir, "neo2024interpreting.yaml", "first_public: 2024\n")
    verification(
        data_dir,
        "neo2024interpreting.yaml",
        source="https://openreview.net/forum?id=chanJGoa7f",
        venue_source="https://iclr.cc/virtual/2025/poster/28765",
    )
    assert [str(p) for p in problems(data_dir)] == []


def test_a_preprint_has_no_venue_year_to_agree_with(data_dir):
    edit(data_dir, "neo2024interpreting.bib", NEO_BOOKTITLE, "journal = {arXiv preprint arXiv:2410.07149},")
    assert not [p for p in problems(data_dir) if "venue's, so write" in p.message]


# --- first_public --------------------------------------------------------------------


def test_first_public_is_needed_when_the_venue_year_is_later(data_dir):
    path = edit(data_dir, "leng2024mitigating.yaml", "first_public: 2023\n", "")
    problem = only(problems(data_dir), "first public in")
    assert at(problem, path, line_of(path, "key:")) and problem.severity == "warning"  # a missing fact
    assert problem.message == (
        "'leng2024mitigating' has year 2024 (its venue's) but arXiv 2311.16922 was first "
        "public in 2023: add first_public: 2023 so timelines can use either year"
    )


@pytest.mark.parametrize(
    "first, reason",
    [
        (2025, "first_public 2025 is later than the paper's year 2024"),
        (
            2024,
            (
                "first_public 2024 is later than arXiv 2311.16922, whose id dates version 1 to 2023: write "
                "first_public: 2023"
            ),
        ),
    ],
)
def test_first_public_cannot_be_later_than_what_was_public(data_dir, first, reason):
    path = edit(data_dir, "leng2024mitigating.yaml", "first_public: 2023", f"first_public: {first}")
    problem = only(problems(data_dir), "first_public")
    assert at(problem, path, line_of(path, "first_public:")) and problem.severity == "error"  # a contradiction
    assert problem.message.startswith(reason)


# --- ACL Anthology DOIs ------------------------------------------------------------------


def test_an_anthology_paper_carries_its_doi(data_dir):
    path = edit(data_dir, "li2023evaluating.yaml", "  unconfirmed: [doi]\n", "")
    edit(
        data_dir,
        "li2023evaluating.bib",
        "year      = {2023},",
        "year = {2023},\n  url = {https://aclanthology.org/2023.emnlp-main.20},",
    )
    problem = only(problems(data_dir), "without a DOI")
    assert at(problem, data_dir / "papers" / "li2023evaluating.bib", 4)  # the booktitle line
    assert problem.severity == "warning"
    assert problem.message == (
        "'li2023evaluating' is an ACL Anthology paper (Anthology page 2023.emnlp-main.20) without a DOI: add "
        "doi = {10.18653/v1/2023.emnlp-main.20} as its Anthology page shows it; if the page shows none, list doi "
        "under verification.unconfirmed in li2023evaluating.yaml and say so in the notes"
    )
    assert path.exists()


def test_the_venue_alone_makes_an_anthology_paper(data_dir):
    edit(data_dir, "li2023evaluating.yaml", "  unconfirmed: [doi]\n", "")
    problem = only(problems(data_dir), "without a DOI")
    assert "(published at EMNLP) without a DOI: add doi = {10.18653/v1/<Anthology id>}" in problem.message


def test_the_doi_must_be_the_anthology_pages(data_dir):
    edit(data_dir, "li2023evaluating.yaml", "  unconfirmed: [doi]\n", "")
    path = edit(
        data_dir,
        "li2023evaluating.bib",
        "year      = {2023},",
        "year = {2023},\n  doi = {10.18653/v1/2023.emnlp-main.21},\n  url = {https://aclanthology.org/2023.emnlp-main.20/},",
    )
    problem = only(problems(data_dir), "is not the DOI of its Anthology page")
    assert at(problem, path, line_of(path, "doi = ")) and problem.severity == "error"
    assert problem.message.startswith(
        "'li2023evaluating': DOI 10.18653/v1/2023.emnlp-main.21 is not the DOI of its "
        "Anthology page 2023.emnlp-main.20 (10.18653/v1/2023.emnlp-main.20)"
    )


def test_a_waiver_is_dropped_once_the_fact_is_there(data_dir):
    path = data_dir / "papers" / "li2023evaluating.yaml"
    edit(
        data_dir,
        "li2023evaluating.bib",
        "year      = {2023},",
        "year = {2023},\n  doi = {10.18653/v1/2023.emnlp-main.20},",
    )
    problem = only(problems(data_dir), "verification/unconfirmed")
    assert at(problem, path, line_of(path, "unconfirmed:"))
    assert problem.message == "verification/unconfirmed lists doi, but the record has one: remove doi from the list"


def test_a_waiver_says_why_in_the_notes(data_dir):
    path = edit(data_dir, "li2023evaluating.yaml", "  notes: The fixture", "  changes: The fixture")
    problem = only(problems(data_dir), "verification/unconfirmed")
    assert at(problem, path, line_of(path, "unconfirmed:"))
    assert (
        problem.message == "verification/unconfirmed: say in verification.notes what the primary pages showed instead"
    )


# --- arXiv identifiers -----------------------------------------------------------------


def test_an_eprint_needs_its_archive_prefix(data_dir):
    path = edit(data_dir, "neo2024interpreting.bib", "  archivePrefix = {arXiv},\n", "")
    problem = only(problems(data_dir), "archivePrefix")
    assert at(problem, path, line_of(path, "eprint "))
    assert problem.message == "'neo2024interpreting' has an eprint without archivePrefix: add archivePrefix = {arXiv}"


def test_arxiv_is_not_a_venue(data_dir):
    path = edit(data_dir, "neo2024interpreting.bib", NEO_BOOKTITLE, "journal = {arXiv preprint arXiv:2410.07149},")
    problem = only(problems(data_dir), "is arXiv, not a venue")
    assert at(problem, path, line_of(path, "journal = "))
    assert problem.message.startswith(
        "'neo2024interpreting': journal 'arXiv preprint arXiv:2410.07149' is arXiv, not a "
        "venue: make the entry @misc with eprint = {2410.07149}"
    )


def test_an_arxiv_preprint_carries_eprint(data_dir):
    path = edit(data_dir, "neo2024interpreting.bib", NEO_BOOKTITLE + "\n", "")
    for line in ("  eprint        = {2410.07149},\n", "  archivePrefix = {arXiv},\n"):
        edit(data_dir, "neo2024interpreting.bib", line, "")
    problem = only(problems(data_dir), "is an arXiv preprint")
    assert at(problem, path, 1)
    assert problem.message == (
        "'neo2024interpreting' is an arXiv preprint (no venue) without eprint and archivePrefix: "
        "add eprint = {2410.07149} and archivePrefix = {arXiv}"
    )


def test_a_blog_post_is_not_an_arxiv_preprint(data_dir):
    assert [str(p) for p in problems(data_dir)] == []  # nostalgebraist2020interpreting: @misc, howpublished, no eprint


# --- primary sources -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, fix",
    [
        (
            "https://www.sciencestack.ai/paper/2410.07149",
            "cite the arXiv abstract page https://arxiv.org/abs/2410.07149",
        ),
        ("http://export.arxiv.org/abs/2410.07149", "cite the arXiv abstract page https://arxiv.org/abs/2410.07149"),
        (
            "https://preview.aclanthology.org/ingest-emnlp/2025.emnlp-main.74",
            "cite its ACL Anthology page https://aclanthology.org/2025.emnlp-main.74",
        ),
        (
            "https://dev.icml.cc/virtual/2025/poster/46195",
            "cite the same page on icml.cc: https://icml.cc/virtual/2025/poster/46195",
        ),
        (
            "https://dspace.mit.edu/handle/1721.1/124985",
            "cite the venue's own page (proceedings, OpenReview, ACL Anthology) or https://arxiv.org/abs/2410.07149",
        ),
    ],
)
def test_a_mirror_is_not_a_source(data_dir, url, fix):
    path = verification(data_dir, "neo2024interpreting.yaml", source=url)
    problem = only(problems(data_dir), "not a primary page")
    assert at(problem, path, line_of(path, "  source:"))
    assert problem.severity == "error"
    assert problem.message.startswith(f"verification/source: {url} is ") and problem.message.endswith(fix)


def test_an_unknown_host_is_a_warning(data_dir):
    path = verification(
        data_dir,
        "neo2024interpreting.yaml",
        source="https://arxiv.org/abs/2410.07149",
        venue_source="https://example.org/papers/neo",
    )
    problem = only(problems(data_dir), "is not a known primary page")
    assert at(problem, path, line_of(path, "venue_source:")) and problem.severity == "warning"
    assert problem.message.startswith("verification/venue_source: example.org is not a known primary page")


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2410.07149",
        "https://www.arxiv.org/html/2410.07149v2",
        "https://openreview.net/forum?id=chanJGoa7f",
        "https://github.com/clemneo/llava-interp",
        "https://doi.org/10.48550/arXiv.2410.07149",
    ],
)
def test_primary_pages_pass(data_dir, url):
    verification(data_dir, "neo2024interpreting.yaml", source=url)
    assert [str(p) for p in problems(data_dir)] == []


def test_a_verification_record_names_its_source(data_dir):
    path = verification(data_dir, "neo2024interpreting.yaml", checked="'2026-11-30'")
    problem = only(problems(data_dir), "verification has no source")
    assert at(problem, path, line_of(path, "verification:"))
    assert (
        "(e.g. https://arxiv.org/abs/2410.07149); if none could be read, list source under verification.unconfirmed"
        in problem.message
    )


def test_no_source_is_accepted_when_declared_with_notes(data_dir):
    verification(
        data_dir,
        "neo2024interpreting.yaml",
        unconfirmed="[source]",
        notes="Only third-party copies of the arXiv record could be read.",
    )
    assert [str(p) for p in problems(data_dir)] == []


# --- notes -----------------------------------------------------------------------------


def test_notes_naming_another_year_of_the_venue_contradict_the_record(data_dir):
    path = verification(
        data_dir,
        "neo2024interpreting.yaml",
        source="https://arxiv.org/abs/2410.07149",
        notes="Accepted at ICLR 2025 according to the OpenReview page.",
    )
    problem = only(problems(data_dir), "verification/notes")
    assert at(problem, path, line_of(path, "notes:"))
    assert problem.message == (
        "verification/notes say 'ICLR 2025' but the record has year 2024: correct whichever is "
        "wrong (a published paper's year is its venue's)"
    )


@pytest.mark.parametrize(
    "notes",
    [
        "An earlier version appeared at an ICLR 2023 workshop.",
        "Cited by a CVPR 2025 paper.",
        "Accepted at ICLR 2024 (main track).",
    ],
)
def test_notes_that_agree_or_name_other_things_pass(data_dir, notes):
    verification(data_dir, "neo2024interpreting.yaml", source="https://arxiv.org/abs/2410.07149", notes=f"'{notes}'")
    assert [str(p) for p in problems(data_dir)] == []


def test_the_command_prints_each_problem_at_its_place(data_dir, capsys):
    verification(data_dir, "neo2024interpreting.yaml", source="https://www.sciencestack.ai/paper/2410.07149")
    assert main(["validate", "--data", str(data_dir)]) == 1
    out = capsys.readouterr().out
    assert (
        f"neo2024interpreting.yaml:{line_of(data_dir / 'papers' / 'neo2024interpreting.yaml', '  source:')}: error: "
        "verification/source: https://www.sciencestack.ai/paper/2410.07149 is a third-party paper reader" in out
    )


# --- what the rules know: ingest/citation_sources.yaml ----------------------------------


@pytest.mark.parametrize(
    "url, year",
    [
        ("https://iclr.cc/virtual/2024/poster/18320", 2024),
        ("https://www.iclr.cc/virtual/2024/poster/17867", 2024),
        ("https://proceedings.iclr.cc/paper_files/paper/2025/hash/3d5b-Abstract-Conference.html", 2025),
        ("https://aclanthology.org/2024.naacl-long.23", 2024),
        ("https://aclanthology.org/D18-1437/", 2018),
        ("https://openaccess.thecvf.com/content/CVPR2024/html/X_CVPR_2024_paper.html", 2024),
        ("https://openaccess.thecvf.com/content_cvpr_2016/html/X_CVPR_2016_paper.html", 2016),
        ("https://openaccess.thecvf.com/content/CVPR2024W/XAI4CV/html/X.html", 2024),
        ("https://cvpr.thecvf.com/virtual/2023/poster/21606", 2023),
        ("https://iccv.thecvf.com/virtual/2025/poster/1166", 2025),
        ("https://papers.nips.cc/paper_files/paper/2024/hash/0dfe-Abstract-Conference.html", 2024),
        ("https://proceedings.neurips.cc/paper_files/paper/2019/file/adf7-Reviews.html", 2019),
        ("https://nips.cc/virtual/2024/poster/97845", 2024),
        ("https://icml.cc/virtual/2017/talk/1354", 2017),
        ("https://www.ecva.net/papers/eccv_2022/papers_ECCV/html/2576_ECCV_2022_paper.php", 2022),
        ("https://papers.miccai.org/miccai-2025/0553-Paper3267.html", 2025),
        ("https://doi.org/10.18653/v1/2024.findings-emnlp.960", 2024),
        ("https://openreview.net/forum?id=GPDcvoFGOL", None),
        ("https://proceedings.mlr.press/v235/huh24a.html", None),
        ("https://arxiv.org/abs/2310.05916", None),
        ("https://example.org/2024/paper", None),
    ],
)
def test_venue_years_in_page_addresses(url, year):
    assert load_citation_sources().url_year(url) == year


@pytest.mark.parametrize(
    "doi, year",
    [
        ("10.18653/v1/2024.findings-acl.937", 2024),
        ("10.18653/v1/D18-1437", 2018),
        ("10.1109/CVPR52733.2024.02553", 2024),
        ("10.1109/ICCV51070.2023.01092", 2023),
        ("10.1007/978-3-030-01216-8_35", None),
        (None, None),
    ],
)
def test_venue_years_in_dois(doi, year):
    assert load_citation_sources().doi_year(doi) == year


def test_hosts_venues_and_anthology_ids():
    sources = load_citation_sources()
    kind = lambda url: sources.host_of(url).kind if sources.host_of(url) else None  # noqa: E731
    assert kind("https://preview.aclanthology.org/x/2025.acl-long.82") == "mirror"  # the longest match wins
    assert kind("https://aclanthology.org/2025.acl-long.82") == "primary"
    assert kind("https://clemneo.github.io/") == "primary" and kind("https://example.org/") is None
    assert anthology_id("https://preview.aclanthology.org/ingestion-acl-25/2025.acl-long.82") == "2025.acl-long.82"
    assert anthology_id("https://aclanthology.org/people/c/chen-qian") is None
    assert [
        v.acronym for v in sources.venues_named("Findings of the Association for Computational Linguistics: EACL 2026")
    ] == ["EACL"]
    assert [
        v.acronym
        for v in sources.venues_named(
            "Proceedings of the Conference of the North American Chapter of "
            "the Association for Computational Linguistics"
        )
    ] == ["NAACL"]
    assert venue_name({"journal": "CoRR", "volume": "abs/2410.07149"}) == ""
    assert years_in_text("Proceedings of the 2025 Conference on Empirical Methods (EMNLP 2025), vol. 1.2024") == [
        2025,
        2025,
    ]


def test_a_broken_year_pattern_names_the_entry(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("primary:\n  - {host: example.org, what: Example, year: '/(\\d{4})/'}\n", encoding="utf-8")
    with pytest.raises(CitationSourcesError, match="the year pattern of example.org needs a group named year or yy"):
        load_citation_sources(path)

"""atlas check-metadata: arXiv, Crossref and DBLP answers (recorded, tests/fixtures/metadata) against the BibTeX."""

from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.error import HTTPError, URLError

import pytest
from tests_paths import BUNDLED, FIXTURES

import ingest.web as web
from cli.main import main
from ingest import arxiv, crossref, dblp, read_dataset
from ingest.bib_edit import BibEditError, set_fields
from ingest.metadata_check import apply_fixes, check_metadata
from ingest.web import PoliteFetcher

RECORDED = FIXTURES / "metadata"
ARXIV_RECORDED = FIXTURES / "arxiv"

GRAD_CAM_OLD = """\
@misc{selvaraju2016grad,
  title         = {{Grad-CAM}: Why Did You Say That?},
  author        = {Ramprasaath R. Selvaraju and Abhishek Das and Ramakrishna Vedantam and Dhruv Batra},
  year          = {2016},
  eprint        = {1610.02391},
  archivePrefix = {arXiv},
  url           = {https://arxiv.org/abs/1610.02391},
}
"""
CLIP_DECOMPOSITION = """\
@inproceedings{gandelsman2023interpreting,
  title         = {Interpreting {CLIP's} Image Representation via Text-Based Decomposition},
  author        = {Yossi Gandelsman and Alexei A. Efros and Jacob Steinhardt},
  booktitle     = {International Conference on Learning Representations (ICLR)},
  year          = {2023},
  eprint        = {2310.05916},
  archivePrefix = {arXiv},
  url           = {https://arxiv.org/abs/2310.05916},
}
"""
OBJECT_HALLUCINATION = """\
@inproceedings{rohrbach2018object,
  title         = {Object Hallucination in Image Captioning},
  author        = {Anna Rohrbach and Lisa Anne Hendricks and Kaylee Burns and Trevor Darrell and Kate Saenko},
  booktitle     = {Proceedings of the Conference on Empirical Methods in Natural Language Processing (EMNLP)},
  pages         = {4035--4045},
  year          = {2019},
  doi           = {10.18653/v1/D18-1437},
  eprint        = {1809.02156},
  archivePrefix = {arXiv},
  url           = {https://arxiv.org/abs/1809.02156},
}
"""
GRAD_CAM_TITLE = "Grad-CAM: Why Did You Say That?"
CLIP_TITLE = "Interpreting CLIP's Image Representation via Text-Based Decomposition"
HALLUCINATION_TITLE = "Object Hallucination in Image Captioning"
NOT_FOUND = object()  # the URL answers HTTP 404


class RecordedWeb:
    """A fetcher answering only the URLs it was given, from recorded files; it notes every URL asked."""

    def __init__(self, answers: dict[str, object]):
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, url: str, timeout: float) -> bytes:
        self.asked.append(url)
        assert url in self.answers, f"unexpected request {url}"
        answer = self.answers[url]
        if answer is NOT_FOUND:
            raise HTTPError(url, 404, "Not Found", {}, io.BytesIO(b"Resource not found."))
        if isinstance(answer, Exception):
            raise answer
        return answer.read_bytes() if isinstance(answer, Path) else answer


def papers(tmp_path: Path, *texts: str) -> Path:
    folder = tmp_path / "data" / "papers"
    folder.mkdir(parents=True)
    for text in texts:
        key = text.split("{", 1)[1].split(",", 1)[0]
        (folder / f"{key}.bib").write_text(text, encoding="utf-8")
    return tmp_path / "data"


def grad_cam_web() -> RecordedWeb:
    return RecordedWeb(
        {
            arxiv.batch_query_url(["1610.02391"]): RECORDED / "arxiv-1610.02391.xml",
            dblp.search_url(GRAD_CAM_TITLE): RECORDED / "dblp-no-hits.json",
            crossref.works_url("10.1007/s11263-019-01228-7"): RECORDED / "crossref-s11263-019-01228-7.json",
        }
    )


def two_papers_web() -> RecordedWeb:
    return RecordedWeb(
        {
            arxiv.batch_query_url(["1809.02156", "2310.05916"]): RECORDED / "arxiv-two-papers.xml",
            crossref.works_url("10.18653/v1/D18-1437"): RECORDED / "crossref-D18-1437.json",
            dblp.search_url(CLIP_TITLE): RECORDED / "dblp-clip-decomposition.json",
            dblp.search_url(HALLUCINATION_TITLE): RECORDED / "dblp-object-hallucination.json",
        }
    )


# --- what the services disagree with ----------------------------------------------------


def test_a_revised_preprint_gets_its_latest_title_and_authors(tmp_path):
    data = papers(tmp_path, GRAD_CAM_OLD)
    report = check_metadata(data, fetcher=grad_cam_web())
    bib = str(data / "papers" / "selvaraju2016grad.bib")
    found = {d.field: d for d in report.differences}
    assert sorted(found) == ["author", "title", "venue"] and report.failures == []
    assert str(found["title"]) == (
        f"{bib}:2: selvaraju2016grad: the title differs from the latest version on arXiv 1610.02391v4: 'Grad-CAM: "
        "Visual Explanations from Deep Networks via Gradient-based Localization': suggested title = "
        "{{Grad-CAM}: Visual Explanations from Deep Networks via Gradient-based Localization}"
    )
    assert found["author"].line == 3 and "(6 authors, the entry has 4)" in found["author"].message
    assert found["venue"].line == 1 and found["venue"].value is None
    assert found["venue"].message.startswith(
        "arXiv lists a published version (DOI 10.1007/s11263-019-01228-7): if so, "
        "make the entry @inproceedings/@article"
    )


def test_fix_rewrites_those_fields_and_nothing_else(tmp_path):
    data = papers(tmp_path, GRAD_CAM_OLD)
    changed = apply_fixes(check_metadata(data, fetcher=grad_cam_web()).differences)
    path = data / "papers" / "selvaraju2016grad.bib"
    assert changed == [path]
    assert path.read_text(encoding="utf-8") == GRAD_CAM_OLD.replace(
        "{{Grad-CAM}: Why Did You Say That?}",
        "{{Grad-CAM}: Visual Explanations from Deep Networks via Gradient-based Localization}",
    ).replace(
        "Ramprasaath R. Selvaraju and Abhishek Das and Ramakrishna Vedantam and Dhruv Batra",
        "Ramprasaath R. Selvaraju and Michael Cogswell and Abhishek Das and Ramakrishna Vedantam and Devi Parikh "
        "and Dhruv Batra",
    )


def test_a_published_papers_year_is_the_venues(tmp_path):
    data = papers(tmp_path, CLIP_DECOMPOSITION, OBJECT_HALLUCINATION)
    web_answers = two_papers_web()
    report = check_metadata(data, fetcher=web_answers)
    assert [str(d) for d in report.differences] == [
        f"{data}/papers/gandelsman2023interpreting.bib:5: gandelsman2023interpreting: year 2023 but DBLP dates "
        "its ICLR "
        "version 2024 (https://dblp.org/rec/conf/iclr/GandelsmanES24): suggested year = {2024}",
        f"{data}/papers/rohrbach2018object.bib:6: rohrbach2018object: year 2019 but Crossref's record of "
        "10.18653/v1/d18-1437 dates it 2018 (Proceedings of the 2018 Conference on Empirical Methods in Natural "
        "Language Processing): suggested year = {2018}",
    ]
    assert len(web_answers.asked) == 4  # one arXiv request for both papers, one Crossref, two DBLP


def test_after_a_year_fix_validate_asks_for_first_public(tmp_path):
    data = papers(tmp_path, CLIP_DECOMPOSITION)
    web_answers = RecordedWeb(
        {
            arxiv.batch_query_url(["2310.05916"]): RECORDED / "arxiv-two-papers.xml",
            dblp.search_url(CLIP_TITLE): RECORDED / "dblp-clip-decomposition.json",
        }
    )
    (data / "papers" / "gandelsman2023interpreting.yaml").write_text(
        (BUNDLED / "papers" / "gandelsman2023interpreting.yaml")
        .read_text(encoding="utf-8")
        .replace("first_public: 2023\n", ""),
        encoding="utf-8",
    )
    apply_fixes(check_metadata(data, fetcher=web_answers).differences)
    assert "  year          = {2024},\n" in (data / "papers" / "gandelsman2023interpreting.bib").read_text()
    messages = [p.message for p in read_dataset(data).problems]
    assert any("add first_public: 2023" in m for m in messages), messages


def test_a_doi_is_suggested_once_crossref_confirms_the_title(tmp_path):
    text = OBJECT_HALLUCINATION.replace("  doi           = {10.18653/v1/D18-1437},\n", "").replace("{2019}", "{2018}")
    text = text.replace("https://arxiv.org/abs/1809.02156", "https://aclanthology.org/D18-1437")
    data = papers(tmp_path, text)
    web_answers = RecordedWeb(
        {
            arxiv.batch_query_url(["1809.02156"]): ARXIV_RECORDED / "1809.02156.xml",
            dblp.search_url(HALLUCINATION_TITLE): RECORDED / "dblp-object-hallucination.json",
            crossref.works_url("10.18653/v1/D18-1437"): RECORDED / "crossref-D18-1437.json",
        }
    )
    [difference] = check_metadata(data, fetcher=web_answers).differences
    assert difference.field == "doi" and difference.value == "10.18653/v1/D18-1437" and difference.line == 1
    assert difference.message.startswith("no DOI, but Crossref's record of 10.18653/v1/D18-1437 has this title")
    apply_fixes([difference])
    assert (data / "papers" / "rohrbach2018object.bib").read_text() == text.replace(
        "  eprint        = {1809.02156},\n",
        "  doi           = {10.18653/v1/D18-1437},\n  eprint        = {1809.02156},\n",
    )


def test_a_doi_crossref_does_not_know(tmp_path):
    text = OBJECT_HALLUCINATION.replace("{2019}", "{2018}").replace("10.18653/v1/D18-1437", "10.18653/v1/D18-9999")
    data = papers(tmp_path, text)
    web_answers = RecordedWeb(
        {
            arxiv.batch_query_url(["1809.02156"]): ARXIV_RECORDED / "1809.02156.xml",
            dblp.search_url(HALLUCINATION_TITLE): RECORDED / "dblp-object-hallucination.json",
            crossref.works_url("10.18653/v1/D18-9999"): NOT_FOUND,
        }
    )
    [difference] = check_metadata(data, fetcher=web_answers).differences
    assert (difference.field, difference.line, difference.value) == ("doi", 7, None)
    assert difference.message == (
        "Crossref has no record of DOI 10.18653/v1/D18-9999: check that "
        "https://doi.org/10.18653/v1/D18-9999 leads to this paper"
    )


def test_a_service_that_fails_is_reported_and_the_others_still_answer(tmp_path):
    data = papers(tmp_path, OBJECT_HALLUCINATION)
    web_answers = RecordedWeb(
        {
            arxiv.batch_query_url(["1809.02156"]): ARXIV_RECORDED / "1809.02156.xml",
            crossref.works_url("10.18653/v1/D18-1437"): RECORDED / "crossref-D18-1437.json",
            dblp.search_url(HALLUCINATION_TITLE): URLError("[Errno -3] Temporary failure"),
        }
    )
    report = check_metadata(data, fetcher=web_answers)
    assert [d.field for d in report.differences] == ["year"]  # from Crossref
    assert report.failure_lines() == [
        "DBLP did not answer 1 question (rohrbach2018object): could not reach DBLP "
        "([Errno -3] Temporary failure): check the internet connection"
    ]


def test_only_the_papers_asked_for(tmp_path):
    data = papers(tmp_path, CLIP_DECOMPOSITION, OBJECT_HALLUCINATION)
    web_answers = RecordedWeb(
        {
            arxiv.batch_query_url(["2310.05916"]): RECORDED / "arxiv-two-papers.xml",
            dblp.search_url(CLIP_TITLE): RECORDED / "dblp-clip-decomposition.json",
        }
    )
    report = check_metadata(data, keys=["gandelsman2023interpreting"], fetcher=web_answers)
    assert report.checked == 1 and [d.key for d in report.differences] == ["gandelsman2023interpreting"]


# --- the command --------------------------------------------------------------------------


def test_command_prints_differences_and_fixes(tmp_path, monkeypatch, capsys):
    data = papers(tmp_path, OBJECT_HALLUCINATION)
    monkeypatch.setattr(
        web,
        "urllib_fetcher",
        RecordedWeb(
            {
                arxiv.batch_query_url(["1809.02156"]): ARXIV_RECORDED / "1809.02156.xml",
                crossref.works_url("10.18653/v1/D18-1437"): RECORDED / "crossref-D18-1437.json",
                dblp.search_url(HALLUCINATION_TITLE): RECORDED / "dblp-object-hallucination.json",
            }
        ),
    )
    assert main(["check-metadata", "--data", str(data), "--key", "rohrbach2018object"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(
        f"{data}/papers/rohrbach2018object.bib:6: rohrbach2018object: year 2019 but Crossref's record"
    )
    assert "checked 1 paper: 1 difference, 0 questions unanswered" in err
    assert main(["check-metadata", "--data", str(data), "--fix"]) == 0
    assert "fixed 1 field in 1 file; 0 differences to settle by hand" in capsys.readouterr().err
    assert "  year          = {2018},\n" in (data / "papers" / "rohrbach2018object.bib").read_text()


def test_command_offline(tmp_path, monkeypatch, capsys):
    data = papers(tmp_path, OBJECT_HALLUCINATION)
    asked = []

    def offline(url, timeout):
        asked.append(url)
        raise URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(web, "urllib_fetcher", offline)
    assert main(["check-metadata", "--data", str(data)]) == 1
    assert capsys.readouterr().err == (
        "atlas: error: no service answered: could not reach arXiv ([Errno -2] Name or "
        "service not known): check the internet connection\n"
    )
    assert len(asked) == 3  # arXiv, Crossref and DBLP once each, never twice


def test_command_unknown_key(tmp_path, capsys):
    data = papers(tmp_path, OBJECT_HALLUCINATION)
    assert main(["check-metadata", "--data", str(data), "--key", "nobody2020"]) == 1
    assert "no paper with key nobody2020 in the data folder" in capsys.readouterr().err


# --- politeness -----------------------------------------------------------------------------


def test_one_request_per_interval_per_host():
    times: dict[str, list[float]] = {}

    def note(url, timeout):
        times.setdefault(url.split("/")[2], []).append(time.monotonic())
        return b"{}"

    polite = PoliteFetcher(note, interval=0.2, intervals={"export.arxiv.org": 0.4})
    for url in (
        "https://dblp.org/a",
        "https://dblp.org/b",
        "https://api.crossref.org/x",
        "https://export.arxiv.org/q",
        "https://export.arxiv.org/r",
    ):
        polite(url, 1.0)
    assert times["dblp.org"][1] - times["dblp.org"][0] >= 0.2
    assert times["export.arxiv.org"][1] - times["export.arxiv.org"][0] >= 0.4
    assert times["api.crossref.org"][0] - times["dblp.org"][1] < 0.15  # another host does not wait


def test_timeouts_are_passed_and_reported():
    seen = []

    def slow(url, timeout):
        seen.append(timeout)
        raise URLError(TimeoutError("timed out"))

    with pytest.raises(web.WebError, match=r"DBLP did not answer within 7 s \(https://dblp.org/x\): try again later"):
        web.get("https://dblp.org/x", "DBLP", PoliteFetcher(slow), timeout=7)
    assert seen == [7]


# --- reading the answers ----------------------------------------------------------------------


def test_crossref_record():
    record = crossref.parse_work(
        (RECORDED / "crossref-s11263-019-01228-7.json").read_bytes(), "10.1007/s11263-019-01228-7"
    )
    assert record.year == 2020  # the print year, not the online-first 2019
    assert record.venue == "International Journal of Computer Vision" and record.kind == "journal-article"
    assert record.display_authors[0] == "Ramprasaath R. Selvaraju" and len(record.authors) == 6
    with pytest.raises(crossref.CrossrefError, match="is not JSON"):
        crossref.parse_work(b"<html>503</html>", "10.1/x")


def test_dblp_hits():
    hits = dblp.parse_search((RECORDED / "dblp-grad-cam.json").read_bytes(), "Grad-CAM")
    journal, preprint = hits
    assert journal.published and not preprint.published
    assert journal.authors[2] == "Abhishek Das" and journal.doi == "10.1007/s11263-019-01228-7"
    assert journal.title.endswith("Localization") and journal.year == 2020
    assert dblp.parse_search((RECORDED / "dblp-no-hits.json").read_bytes(), "x") == []
    with pytest.raises(dblp.DblpError, match="is not a search result"):
        dblp.parse_search(b'{"error": 1}', "x")


def test_arxiv_batch_answer():
    records, missing = arxiv.parse_batch(
        (RECORDED / "arxiv-two-papers.xml").read_bytes(), ["1809.02156", "2310.05916", "2501.99999"]
    )
    assert sorted(records) == ["1809.02156", "2310.05916"] and records["2310.05916"].version == 4
    assert missing == {"2501.99999": "arXiv's answer has no record of 2501.99999"}
    records, missing = arxiv.parse_batch((ARXIV_RECORDED / "error-bad-id.xml").read_bytes(), ["2413.00001"])
    assert records == {} and missing["2413.00001"].startswith("arXiv rejected")


# --- editing a .bib file in place ---------------------------------------------------------------


def test_set_fields_keeps_every_other_byte():
    text = (
        '% a comment\n@string{iclr = "ICLR"}\n@inproceedings{Neo2024,\n  title = "Old " # iclr,\n'
        "  author={A and B}, year = 2024\n}\n@misc{other, title={x}, url={u}}\n"
    )
    assert set_fields(text, "neo2024", {"title": "New {T}itle", "year": "2025"}) == text.replace(
        '"Old " # iclr', "{New {T}itle}"
    ).replace("year = 2024", "year = {2025}")
    assert set_fields(text, "other", {"doi": "10.1/x"}) == text.replace("url={u}", "doi = {10.1/x}, url={u}")
    aligned = "@misc{k,\n  title         = {T},\n  year          = {2024},\n}\n"
    assert set_fields(aligned, "k", {"doi": "10.1/x"}) == aligned.replace(
        "{2024},\n}", "{2024},\n  doi           = {10.1/x},\n}"
    )
    with pytest.raises(BibEditError, match="no entry 'missing' in the file"):
        set_fields(text, "missing", {"year": "2020"})

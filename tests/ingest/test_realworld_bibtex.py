"""Real-world BibTeX exports (Zotero, JabRef, BibDesk, DBLP, Google Scholar, Mendeley): every entry
is loaded or reported, none silently lost, including in a corpus of thousands of entries."""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from tests_paths import FIXTURES

from ingest import read_dataset
from ingest.builder import build
from ingest.problems import DataError

REALWORLD = FIXTURES / "realworld"
ENTRY_START = re.compile(r"^\s*@(?!string|comment|preamble)([a-z]+)\s*\{", re.I | re.M)


def entry_start_lines(path: Path) -> list[int]:
    text = path.read_text(encoding="utf-8")
    return [text.count("\n", 0, m.start()) + 1 + (m.group(0)[0] == "\n") for m in ENTRY_START.finditer(text)]


def test_every_export_style_loads(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REALWORLD, data)
    dataset = read_dataset(data)
    errors = [p for p in dataset.problems if p.severity == "error"]
    assert errors == []
    by_key = {e.key: e for e in dataset.entries}
    assert len(by_key) == 15 and dataset.containers == ["DBLP:conf/emnlp/2023"]

    assert (
        by_key["radfordLearningTransferableVisual2021"].title
        == "Learning Transferable Visual Models From Natural Language Supervision"
    )
    assert by_key["radfordLearningTransferableVisual2021"].year == 2021  # biblatex date field
    assert by_key["radfordLearningTransferableVisual2021"].arxiv_id == "2103.00020"  # eprinttype = arXiv
    assert by_key["Chefer2021"].arxiv_id == "2103.15679"  # from "arXiv preprint arXiv:..." journal
    assert by_key["Chefer2021"].month == 3
    assert by_key["Parekh:2024aa"].venue == "Advances in Neural Information Processing Systems"  # @string macro
    assert by_key["DBLP:conf/emnlp/LiDZZWW23"].venue.startswith(
        "Proceedings of the 2023 Conference on Empirical Methods"
    )
    assert by_key["DBLP:conf/emnlp/LiDZZWW23"].authors[-1] == "Ji-Rong Wen"
    assert by_key["DBLP:conf/cvpr/LengZCLLMB24"].title == (
        "Mitigating Object Hallucinations in Large Vision-Language Models through Visual Contrastive Decoding"
    )
    assert by_key["dang2024explainable"].arxiv_id == "2412.02104"
    assert by_key["dang2024explainable"].authors[-1] == "others"
    assert by_key["selvaraju2017grad"].fields["note"] == "In ICCV"
    muller = by_key["Muller2019"]
    assert muller.authors == ["Jörg Müller", "Dušan Šimonović", "María García-López", "Søren Østergaard"]
    assert muller.title.startswith("Über-attention in Multimodal Transformers")
    assert muller.venue == "Journal of Übermodels" and muller.month == 9
    # the same paper exported by two tools is caught
    assert any("same paper" in p.message for p in dataset.problems) is False  # distinct papers here


def test_same_paper_from_two_tools_is_reported(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REALWORLD / "dblp.bib", data / "a.bib")
    text = (REALWORLD / "google_scholar.bib").read_text()
    neo = (
        "\n@article{neo2024towards, "
        "title={Towards interpreting visual information processing in vision-language models}, "
        "author={Neo, Clement}, year={2024}}\n"
    )
    (data / "b.bib").write_text(text + neo)
    dataset = read_dataset(data)
    [problem] = [p for p in dataset.problems if "same paper" in p.message]
    assert "'neo2024towards' is the same paper as 'DBLP:journals/corr/abs-2410-07149'" in problem.message


def test_arxivs_doi_is_the_arxiv_id(tmp_path):
    """arXiv's own BibTeX (and DBLP's) gives doi = {10.48550/arXiv.ID}: that is the preprint's arXiv id, so the
    same paper with an eprint field elsewhere is caught even under another title."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.bib").write_text(
        "@misc{one2024a, title={A first title}, author={One, Ann}, year={2024}, eprint={2410.07149}, "
        "archivePrefix={arXiv}}\n"
        "@misc{two2024b, title={A wholly other title}, author={Two, Bo}, year={2024}, "
        "doi={10.48550/arXiv.2410.07149}}\n",
        encoding="utf-8",
    )
    dataset = read_dataset(data)
    [problem] = [p for p in dataset.problems if "same paper" in p.message]
    assert "'two2024b' is the same paper as 'one2024a'" in problem.message and "2410.07149" in problem.message


def _corpus(folder: Path, copies: int, seed: int = 7) -> tuple[int, set[tuple[str, int]]]:
    """Write ``copies`` variants of every real-world file, with ~2% of entries broken on purpose.

    Returns the number of entries written and the (file, line) of every entry start.
    """
    rng = random.Random(seed)
    sources = sorted(REALWORLD.glob("*.bib"))
    starts: set[tuple[str, int]] = set()
    total = 0
    for copy in range(copies):
        for source in sources:
            text = source.read_text(encoding="utf-8")
            # unique keys, titles and identifiers per copy so that copies are different papers
            text = re.sub(
                r"(@(?!string|comment|preamble)\w+\s*\{\s*)([^,\s]+),",
                lambda m, copy=copy: f"{m.group(1)}{m.group(2)}-c{copy},",
                text,
                flags=re.I,
            )
            text = re.sub(
                r"(crossref\s*=\s*\{)([^}]+)\}", lambda m, copy=copy: f"{m.group(1)}{m.group(2)}-c{copy}}}", text
            )
            text = re.sub(r"(\btitle\s*=\s*\{+)", lambda m, copy=copy: f"{m.group(1)}Copy {copy} of ", text, flags=re.I)
            text = re.sub(r"(doi\s*=\s*\{)([^}]+)\}", lambda m, copy=copy: f"{m.group(1)}{m.group(2)}.c{copy}}}", text)
            # a different, still well-formed arXiv id per copy (atlas validate rejects malformed ids)
            text = re.sub(
                r"(eprint\s*=\s*\{)(\d{4})\.(\d{5})\}",
                lambda m, copy=copy: f"{m.group(1)}{m.group(2)}.{(int(m.group(3)) + 7919 * copy) % 100000:05d}}}",
                text,
            )
            text = re.sub(r"arXiv:(\d{4}\.\d{5})", lambda m, copy=copy: f"arXiv:{m.group(1)}.c{copy}", text)
            text = re.sub(r"@string\{(\w+)", lambda m: f"@string{{{m.group(1)}", text)
            if rng.random() < 0.15:  # break one entry: drop its closing brace
                last = text.rstrip().rfind("}")
                text = text[:last] + text[last + 1 :]
            path = folder / f"c{copy:04d}_{source.name}"
            path.write_text(text, encoding="utf-8")
            lines = entry_start_lines(path)
            total += len(lines)
            starts |= {(path.name, line) for line in lines}
    return total, starts


@pytest.mark.slow
def test_thousands_of_entries_none_silently_lost(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    total, starts = _corpus(data, copies=150)
    assert total >= 2000
    db = tmp_path / "kb.db"
    with pytest.raises(DataError) as caught:
        build(data, db)  # some entries are broken on purpose
    reported = {(Path(p.path).name, p.line) for p in caught.value.problems if p.severity == "error"}
    assert reported, "the broken entries must be reported"
    assert not db.exists()

    # Loaded + containers + reported must account for every entry start in the files.
    dataset = read_dataset(data)
    loaded = {(Path(e.path).name, e.line) for e in dataset.entries}
    container_lines = set()
    for path in data.iterdir():
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^@proceedings\{", text, re.M):
            container_lines.add((path.name, text.count("\n", 0, m.start()) + 1))
    unaccounted = starts - loaded - reported - container_lines
    assert unaccounted == set(), (
        f"{len(unaccounted)} entries neither loaded nor reported, e.g. {sorted(unaccounted)[:3]}"
    )
    # And with the broken files removed the rest builds cleanly.
    for name in {name for name, _ in reported}:
        (data / name).unlink()
    result = build(data, db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == result.counts["papers"] > 1000

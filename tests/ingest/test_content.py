"""Invariants of the bundled knowledge base, so a pull request cannot silently break them."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from tests_paths import BUNDLED

from explorer.db import open_session
from explorer.stats import compute_stats
from ingest import read_dataset
from ingest.citation_sources import load_citation_sources
from ingest.identifiers import ascii_slug, make_key, normalise_title
from ingest.validate import check_first_public, check_notes_agree, check_venue_year

DATA = BUNDLED
MIN_PAPERS = 250


@pytest.fixture(scope="module")
def dataset():
    return read_dataset(DATA)


def test_no_errors_and_no_warnings(dataset):
    assert [str(p) for p in dataset.problems] == []


def test_every_leaf_at_its_minimum_and_total(bundled_db):
    with open_session(bundled_db) as session:
        stats = compute_stats(session)
    assert stats.papers >= MIN_PAPERS
    short = [(n.id, n.papers, n.minimum) for n in stats.nodes if n.is_leaf and n.papers < n.minimum]
    assert short == [], f"leaves below max(survey refs, 5): {short}"


def test_every_paper_has_identifier_summary_and_whys(dataset):
    for entry in dataset.entries:
        annotation = dataset.annotations[entry.key]
        assert entry.arxiv_id or entry.doi or entry.url, f"{entry.key}: no arXiv id, DOI or URL"
        assert len(annotation.data["summary"].split()) >= 8, f"{entry.key}: summary too short"
        for category in annotation.categories:
            assert len(category["why"].split()) >= 6, f"{entry.key}: why for {category['id']} too short"
        whys = [c["why"] for c in annotation.categories]
        assert len(set(whys)) == len(whys), f"{entry.key}: the same why is used for two categories"


def test_one_pair_of_files_per_paper_named_by_key(dataset):
    for entry in dataset.entries:
        assert Path(entry.path).name == f"{entry.key}.bib"
        assert (DATA / "papers" / f"{entry.key}.yaml").exists()


def test_keys_follow_the_convention(dataset):
    """<family><first public year><first significant title word>. Keys never change, so a paper whose
    title was revised after it was added keeps its key, and its verification record says so."""
    for entry in dataset.entries:
        data = dataset.annotations[entry.key].data
        year = data.get("first_public") or entry.year
        stem = make_key(entry.author_families[0], year, entry.title)
        if entry.key.startswith(stem):
            continue
        record = " ".join(str(v) for v in (data.get("verification") or {}).values()).lower()
        assert entry.key.startswith(ascii_slug(entry.author_families[0]) + str(year)) and "title" in record, (
            f"{entry.key} does not follow the convention (expected {stem}...)"
        )


def test_no_two_papers_share_an_identifier_or_title(dataset):
    for name, values in (
        ("doi", [e.doi for e in dataset.entries if e.doi]),
        ("arxiv", [e.arxiv_id for e in dataset.entries if e.arxiv_id]),
        ("title", [normalise_title(e.title) for e in dataset.entries]),
    ):
        repeated = [v for v, n in Counter(values).items() if n > 1]
        assert repeated == [], f"repeated {name}: {repeated}"


def test_bibtex_is_careful(dataset):
    for entry in dataset.entries:
        if entry.entry_type == "misc" and entry.arxiv_id:
            assert entry.fields.get("archiveprefix") == "arXiv" and entry.fields.get("eprint"), entry.key
        if entry.entry_type == "inproceedings":
            assert entry.fields.get("booktitle"), entry.key
        if entry.entry_type == "article":
            assert entry.fields.get("journal"), entry.key
        # well-known mixed-case names keep their capitals in any bibliography style
        for name in ("LLaVA", "CLIP", "GPT-4V", "MLLMs", "LVLMs"):
            if re.search(rf"(?<![{{\w]){re.escape(name)}(?![\w}}])", entry.fields["title"]):
                raise AssertionError(f"{entry.key}: protect {name} in the title with braces")


def test_no_venue_year_contradictions(dataset):
    """Venue names, venue pages, DOIs, first_public and notes all agree with each published paper's year."""
    sources = load_citation_sources()
    found = [
        str(p)
        for entry in dataset.entries
        for rule in (
            lambda e, a: check_venue_year(e, a, sources),
            check_first_public,
            lambda e, a: check_notes_agree(e, a, sources),
        )
        for p in rule(entry, dataset.annotations[entry.key])
    ]
    assert found == []


def test_every_verification_source_is_a_primary_page(dataset):
    """Each paper names the primary page its metadata was checked on, or says that none could be read."""
    sources = load_citation_sources()
    for entry in dataset.entries:
        record = dataset.annotations[entry.key].data.get("verification") or {}
        if "source" in record.get("unconfirmed", []):
            assert "source" not in record and record.get("notes"), entry.key
            continue
        host = sources.host_of(record.get("source", ""))
        assert host is not None and host.kind == "primary", f"{entry.key}: {record.get('source')}"


def test_summaries_are_not_copied_between_papers(bundled_db):
    with sqlite3.connect(bundled_db) as conn:
        summaries = [row[0] for row in conn.execute("SELECT summary FROM papers")]
    assert len(set(summaries)) == len(summaries)

"""explorer.graphs checks its caps before it makes edges: a paper with 10,000 authors (or 10,000 papers
sharing a technique) is refused in well under a second and a few megabytes, not after minutes and
gigabytes of pairs; and a team that writes many papers together is still drawn."""

from __future__ import annotations

import dataclasses
import time
import tracemalloc

import pytest

from explorer.db import open_session
from explorer.graphs import GraphSettings, GraphTooLarge, build_graph
from explorer.paper_catalog import PaperCatalog, load_paper_catalog

SECONDS = 2.0
PEAK_BYTES = 200 * 2**20


@pytest.fixture(scope="module")
def paper(fixture_db):
    """One real paper record of the fixture knowledge base, to copy with other authors or keys."""
    with open_session(fixture_db) as session:
        catalog = load_paper_catalog(session)
    return catalog, catalog.by_key["neo2024interpreting"]


def with_papers(catalog: PaperCatalog, papers) -> PaperCatalog:
    papers = tuple(papers)
    return dataclasses.replace(catalog, papers=papers, relations=(), by_key={p.key: p for p in papers})


def refused_quickly(catalog: PaperCatalog, settings: GraphSettings) -> GraphTooLarge:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(GraphTooLarge) as caught:
            build_graph(catalog, settings)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < SECONDS and peak < PEAK_BYTES, (seconds, peak)
    return caught.value


def test_one_paper_with_10000_authors_is_refused_before_pairing_them(paper):
    catalog, record = paper
    crowd = with_papers(catalog, [dataclasses.replace(record, authors=tuple(f"Author {i}" for i in range(10_000)))])
    error = refused_quickly(crowd, GraphSettings(kind="co-authors", min_papers=1))
    assert error.nodes == 10_000 and "raise the minimum papers" in str(error)
    # With the node cap out of the way, the 49,995,000 author pairs are refused as an upper bound.
    error = refused_quickly(crowd, GraphSettings(kind="co-authors", min_papers=1, max_nodes=20_000))
    assert error.edges == 49_995_000 and "up to 49,995,000 edges" in str(error)


@pytest.mark.parametrize("link_by", ["technique", "relation+broader"])
def test_10000_papers_sharing_a_technique_are_refused_before_pairing_them(paper, link_by):
    catalog, record = paper
    many = with_papers(catalog, [dataclasses.replace(record, key=f"paper{i}") for i in range(10_000)])
    error = refused_quickly(many, GraphSettings(kind="papers", link_by=link_by, max_nodes=20_000))
    assert error.edges == 49_995_000


def test_a_team_writing_many_papers_together_is_still_drawn(paper):
    """300 papers by the same 60 authors: 531,000 pairs to enumerate one paper at a time, but only
    1,770 edges, well under the cap."""
    catalog, record = paper
    team = tuple(f"Author {i}" for i in range(60))
    papers = with_papers(catalog, [dataclasses.replace(record, key=f"paper{i}", authors=team) for i in range(300)])
    result = build_graph(papers, GraphSettings(kind="co-authors", min_papers=1))
    assert result.graph.number_of_nodes() == 60 and result.graph.number_of_edges() == 1770
    assert result.graph.edges["author:Author 0", "author:Author 1"]["tooltip"] == "<b>300 papers together</b>"

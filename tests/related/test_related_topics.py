"""Topics in related work: which papers are about a topic (their own text names it), and a question that describes
a topic bringing those papers with a reason that names the topic."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from explorer.related import find_related, store
from explorer.related.concepts import Concepts
from explorer.related.index import load_index
from explorer.related.parts import TEXT_FIELDS, text_index_parts
from explorer.related.textindex import TextIndex
from explorer.related.topics import TOPIC_KIND, topic_papers
from explorer.related.weights import WEIGHTS
from kb.fts import FTS_COLUMNS, FTS_TABLE, FTS_TOKENIZER
from taxonomy.vocabulary import load_vocabulary

KNOWLEDGE_BASE = "bundled_db"


def word_index(papers: list[dict[str, str]]) -> TextIndex:
    """The word index of a few papers given as {field: text}, stored and read back as a build and a query do."""
    rows = [tuple(paper.get(name, "") for name in TEXT_FIELDS) for paper in papers]
    parts = text_index_parts("text", rows, len(rows), len(TEXT_FIELDS))
    arrays = {}
    for name, data in parts.items():
        if not name.endswith(".json"):  # a one-line JSON header (dtype, shape), then the bytes (parts.array_part)
            end = data.index(b"\n")
            header = json.loads(data[:end])
            arrays[name] = np.frombuffer(data, dtype=header["dtype"], offset=end + 1).reshape(header["shape"])
    return TextIndex.from_arrays(parts, arrays, "text")


def about(papers: list[dict[str, str]], spellings: list[str]) -> list[int]:
    text = word_index(papers)
    concepts = Concepts(labels=["the topic"], names=[spellings], text=text, kinds=[TOPIC_KIND])
    return topic_papers(concepts, text, 0).tolist()


def test_a_paper_is_about_a_topic_when_one_of_its_texts_holds_every_word_of_a_spelling():
    papers = [
        {"title": "Spatial reasoning in vision-language models"},  # the name, in the title
        {"summary": "Models often fail at questions about spatial relations between objects."},  # an alias, stemmed
        {"why": "It studies where attention goes when reasoning about what is spatial"},  # both words in one why
        {"title": "A spatial attention map", "summary": "Reasoning chains in captions."},  # words in two texts
        {"technique": "spatial reasoning probe"},  # a technique name is no text of the paper's own
        {"title": "Reasoning about counting"},  # one word only
    ]
    assert about(papers, ["Spatial reasoning", "spatial relation"]) == [0, 1, 2]


def about_near(papers: list[dict[str, str]], spellings: list[str]) -> list[int]:
    """As ``about``, read from a real SQLite full-text index of the papers made as the loader makes it."""
    conn = sqlite3.connect(":memory:")
    conn.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(key UNINDEXED, {', '.join(FTS_COLUMNS)}, "
        f"tokenize = '{FTS_TOKENIZER}')"
    )
    keys = [f"p{i}" for i in range(len(papers))]
    for key, paper in zip(keys, papers, strict=True):
        values = [paper.get(name, "") for name in FTS_COLUMNS]
        conn.execute(f"INSERT INTO {FTS_TABLE} VALUES ({', '.join('?' * (len(FTS_COLUMNS) + 1))})", (key, *values))
    text = word_index(papers)
    concepts = Concepts(labels=["the topic"], names=[spellings], text=text, kinds=[TOPIC_KIND])
    return topic_papers(concepts, text, 0, conn, {key: i for i, key in enumerate(keys)}).tolist()


def test_with_a_full_text_index_the_words_of_a_spelling_must_stand_close_together():
    far = " ".join(["filler"] * (WEIGHTS.topic_words_apart + 1))
    papers = [
        {"summary": "We study several images given at once."},  # adjacent, stemmed
        {"summary": f"Several {' '.join(['filler'] * WEIGHTS.topic_words_apart)} images."},  # as far apart as allowed
        {"summary": f"Several {far} images."},  # one word too far
        {"title": "Several layers", "summary": "images"},  # in two texts
        {"technique": "several images"},  # a technique name is no text of the paper's own
        {"why": "It compares images across several settings"},  # both words, in the other order, close
    ]
    assert about_near(papers, ["several images"]) == [0, 1, 5]
    assert about(papers, ["several images"]) == [0, 1, 2, 5]  # the word index alone has no positions


def test_a_spelling_with_a_word_no_paper_has_finds_nothing_and_stop_words_are_ignored():
    papers = [{"title": "Hallucinated objects in captions"}, {"summary": "Objects in the image"}]
    assert about(papers, ["hallucination of objects"]) == [0]  # "of" is no word; "hallucination" is "hallucinated"
    assert about(papers, ["confabulation"]) == []
    assert about(papers, []) == []


def test_every_topic_names_several_papers_of_the_atlas_and_none_names_most(session):
    """A topic whose spellings no paper uses is dead weight; one most papers match (spellings of common words that
    meet by chance, such as "generated images") would reward nearly every paper."""
    index = load_index(session)
    topics = [c for c, kind in enumerate(index.concepts.kinds) if kind == TOPIC_KIND]
    assert len(topics) == len(load_vocabulary().topics) >= 30
    sizes = {index.concepts.names[c][0]: topic_papers(index.concepts, index.text, c).size for c in topics}
    assert min(sizes.values()) >= 2, sizes
    assert max(sizes.values()) <= index.size * 0.4, sizes


def test_a_broader_topic_holds_the_papers_of_its_narrower_ones(session):
    index = load_index(session)
    by_name = {index.concepts.names[c][0]: c for c, kind in enumerate(index.concepts.kinds) if kind == TOPIC_KIND}
    papers = {name: set(topic_papers(index.concepts, index.text, c).tolist()) for name, c in by_name.items()}
    assert papers["Object hallucination"] < papers["Hallucination"] < papers["Trustworthiness"]
    assert papers["Safety and jailbreaks"] < papers["Trustworthiness"]
    assert index.position["chen2024halc"] in papers["Object hallucination"]  # "Object Hallucination Reduction ..."
    assert index.position["belrose2023eliciting"] not in papers["Hallucination"]  # the tuned lens


def test_a_topic_read_from_the_full_text_index_leaves_out_papers_whose_words_only_meet_by_chance(session):
    """The bundled database has the full-text index: "several" and "images" sentences apart in a summary do not make
    a paper about several images at once."""
    index = load_index(session)
    by_name = {index.concepts.names[c][0]: c for c, kind in enumerate(index.concepts.kinds) if kind == TOPIC_KIND}
    conn = store.dbapi(session)
    near = topic_papers(index.concepts, index.text, by_name["Several images at once"], conn, index.position).tolist()
    anywhere = topic_papers(index.concepts, index.text, by_name["Several images at once"]).tolist()
    assert index.position["das2026more"] in near  # "More Images, More Problems? ... multi-image"
    assert index.position["bi2024unveiling"] in anywhere and index.position["bi2024unveiling"] not in near
    assert set(near) < set(anywhere)


@pytest.mark.parametrize(
    "question, topic, paper",
    [
        (
            "models that treat men and women differently when describing photos of people",
            "social bias",
            "an2026interpretable",
        ),
        (
            "getting the assistant to give forbidden answers through a picture",
            "safety and jailbreaks",
            "hu2024vlsbench",
        ),
    ],
)
def test_a_question_that_describes_a_topic_brings_its_papers_and_says_so(session, question, topic, paper):
    result = find_related(session, text=question, k=10)
    found = {p.key: p for p in result.papers}
    assert paper in found, list(found)
    assert found[paper].components.get("topic", 0) > 0
    assert any(
        r.startswith(f"It is about {topic}") and "which your question describes" in r for r in found[paper].reasons
    )


def test_a_question_in_the_papers_own_words_gets_no_topic_points(session):
    """The best match already has every word: the question is answered as asked (like the other added meaning)."""
    result = find_related(session, text="object hallucination", k=10)
    assert result.papers and all("topic" not in p.components for p in result.papers)

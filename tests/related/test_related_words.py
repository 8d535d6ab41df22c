"""Words as both indexes see them: Porter stems identical to SQLite FTS5's porter tokenizer, accents folded, the
same words at build and at query time, and research words weighed by their spread rather than listed."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from tests_paths import BUNDLED

from explorer import fts
from explorer.db import connect_read_only, open_session
from explorer.porter import stem
from explorer.related.index import load_index
from kb.fts import FTS_TOKENIZER


def sqlite_stems(words: list[str]) -> list[str]:
    """What SQLite's own FTS5 tokenizer makes of each word (its fts5vocab 'instance' table, in order)."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize = '{FTS_TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    conn.execute("INSERT INTO t(x) VALUES (?)", (" ".join(words),))
    by_offset = dict(conn.execute("SELECT offset, term FROM v"))
    conn.close()
    return [by_offset.get(i) for i in range(len(words))]


def test_stems_are_sqlites_on_every_word_of_the_data():
    words = sorted({w for path in BUNDLED.rglob("*.*") for w in fts.tokenize(path.read_text(encoding="utf-8"))})
    assert len(words) > 3000
    # and the endings the algorithm treats, on a sample of the atlas's words
    words += [
        w + suffix
        for w in words[::7]
        for suffix in (
            "s",
            "es",
            "ed",
            "ing",
            "ies",
            "ational",
            "ization",
            "fulness",
            "iveness",
            "ly",
            "ity",
            "ement",
            "ism",
        )
    ]
    words += [
        "caresses",
        "ponies",
        "feed",
        "agreed",
        "hopping",
        "filing",
        "sky",
        "rational",
        "electriciti",
        "controll",
        "naïve",
        "zoë",
        "ab",
        "x" * 70,
        "yyy",
        "syzygy",
        "日本語のs",
    ]
    tokens = [t for w in words for t in fts.tokenize(w)]
    expected = sqlite_stems(tokens)
    different = [(t, e, stem(t)) for t, e in zip(tokens, expected, strict=True) if e != stem(t)]
    assert not different, different[:20]


def test_the_full_text_table_stems_and_folds(bundled_db):
    conn = sqlite3.connect(bundled_db)
    try:

        def match(query):
            return {k for (k,) in conn.execute("SELECT key FROM papers_fts WHERE papers_fts MATCH ?", (query,))}

        assert "gandelsman2024interpreting" in match("polysemantic")  # its summary says "polysemanticity"
        assert match("hallucinating") == match("hallucinations") != set()
        assert match("reasons") >= match("reason")  # the why column is indexed
    finally:
        conn.close()


def test_build_and_query_reduce_words_alike(bundled_db):
    with open_session(bundled_db) as session:
        index = load_index(session).text
    for spelling in ("Polysemantic", "polysemanticity", "POLYSÉMANTIC"):
        assert fts.index_terms(spelling) == ["polysemant"] and "polysemant" in index.term_id


def test_common_research_words_count_little_by_their_spread(bundled_db):
    for word in ("model", "models", "method", "analysis", "probe", "compare", "propose", "study", "novel"):
        assert word not in fts.STOP_WORDS  # no hand list of research words ...
    with open_session(bundled_db) as session:
        index = load_index(session).text
    idf = {w: index.idf[index.term_id[fts.stem_word(w)]] for w in ("model", "analysis", "probe", "polysemanticity")}
    # ... their weight follows how many papers use them
    assert idf["model"] < idf["analysis"] < idf["polysemanticity"]
    assert idf["model"] < idf["probe"] < idf["polysemanticity"]
    assert idf["model"] < 0.5 * idf["polysemanticity"]


def test_everyday_words_count_less_than_the_papers_own_terms(bundled_db):
    # "picture", "photo" and "thing" are rarer in the papers than "neurons", so by their spread alone they would be
    # a question's most telling words; the vocabulary's plain descriptions use them often, so they weigh less
    from explorer.related.concepts import everyday_weights
    from explorer.related.textindex import query_words
    from explorer.related.weights import WEIGHTS

    with open_session(bundled_db) as session:
        index = load_index(session)
    asked = query_words(index.text, "a picture or photo of a thing: neurons and hallucination", 64, 10**9)
    before = {w.word: w.weight * float(index.text.idf[w.term]) for w in asked}
    after = {
        w.word: w.weight * float(index.text.idf[w.term])
        for w in everyday_weights(index.concepts, index.text, asked, WEIGHTS.everyday)
    }
    assert min(before["picture"], before["photo"], before["thing"]) > before["neurons"]
    assert all(after[word] < 0.6 * before[word] for word in ("picture", "photo", "thing"))
    assert max(after["picture"], after["thing"]) < after["neurons"]
    assert after["neurons"] == before["neurons"] and after["hallucination"] == before["hallucination"]
    assert everyday_weights(index.concepts, index.text, asked, 0.0) == asked


def test_a_question_that_spells_out_a_name_names_that_concept(bundled_db):
    # "word order" is an alias of the compositionality topic; its two words, each met in other descriptions
    # (contrastive fine-tuning, models trained on captions), would not make that topic the closest without the rule
    from dataclasses import replace

    from explorer.related.concepts import closest_concepts, named_concepts
    from explorer.related.weights import WEIGHTS

    with open_session(bundled_db) as session:
        concepts = load_index(session).concepts
    question = "does a text encoder care about word order in a caption"
    labels = [concepts.labels[c] for c, _ in named_concepts(concepts, question)]
    assert labels == ["the topic “Compositionality and binding”"]
    assert named_concepts(concepts, "the order of the words") == []  # the words must come in the name's order
    assert named_concepts(concepts, "ignores the word order") != []  # function words between them are skipped
    # a word that one concept's names alone use names it; one that several names share, or a modality's, does not
    polysemantic = [concepts.labels[c] for c, _ in named_concepts(concepts, "are these units polysemantic")]
    assert polysemantic == ["the topic “Polysemanticity and superposition”"]
    assert named_concepts(concepts, "attention") == [] and named_concepts(concepts, "a picture of a sound") == []
    closest = [concepts.labels[c] for c, _ in closest_concepts(concepts, question, WEIGHTS)]
    assert closest[0] == labels[0]
    unnamed = [concepts.labels[c] for c, _ in closest_concepts(concepts, question, replace(WEIGHTS, concept_named=0))]
    assert labels[0] not in unnamed


@pytest.mark.parametrize("text", ["Sparse autoencoders", "sparse AUTOENCODER", "spärse autoencoders"])
def test_spelling_does_not_change_the_answer(bundled_db, text):
    from explorer.related import find_related

    with open_session(bundled_db) as session:
        base = [p.key for p in find_related(session, text="sparse autoencoder", k=5).papers]
        assert [p.key for p in find_related(session, text=text, k=5).papers] == base


@pytest.mark.parametrize("db", ["fixture_db", "bundled_db"])
def test_the_build_stores_what_the_written_tables_give(db, request):
    # the build computes the index from the rows it writes, without reading them back: byte for byte the same
    from explorer.related.index import build_index, to_parts
    from explorer.related.store import stored_parts

    path = request.getfixturevalue(db)
    with open_session(path) as session:
        from_tables = to_parts(build_index(session.connection()))
    with closing(connect_read_only(path)) as conn:
        stored = stored_parts(conn)
    assert stored.keys() == from_tables.keys()
    assert [name for name in stored if stored[name] != from_tables[name]] == []


def test_the_stored_index_is_what_the_tables_give(bundled_db):
    from explorer.related.index import build_index, from_parts, to_parts

    with open_session(bundled_db) as session:
        built = build_index(session.connection())
    restored = from_parts(to_parts(built))
    assert restored.keys == built.keys and restored.text.terms == built.text.terms
    assert (restored.text.tf == built.text.tf).all() and (restored.text.docs == built.text.docs).all()
    assert list(restored.titles) == list(built.titles) and restored.concepts.labels == built.concepts.labels
    assert [restored.paper_leaves[i] for i in range(5)] == [built.paper_leaves[i] for i in range(5)]

"""Related work: rank the papers of the knowledge base against free text, papers of the atlas or a .bib file.

One function, ``find_related``, serves the CLI (``atlas related``), the website's Related work page and
the "Related papers" section of every paper page. It returns plain data (``RelatedResult``): the top k
papers, each with its score, the score's parts and the **reasons** that produced them.

How a paper is scored
---------------------
The query is first turned into a *profile* (``profile``): the papers it is made of (the seed paper, or the atlas
papers a .bib file cites), their taxonomy leaves, models, techniques, modalities and authors, and a piece of text.
Every paper of the knowledge base then gets the sum of these parts (``scoring``; the numbers are ``Weights`` in
``weights``, the only place they are set; ``explain_ranking`` says the same in plain words for the website):

``text``
    BM25F relevance (``textindex``) of the paper's title, summary, category whys, techniques, models and authors
    (field weights ``bm25_columns``) to the query's most telling words (at most ``text_concepts``, whose papers add
    up to ``text_row_budget``), stemmed as FTS5's porter tokenizer stems (``explorer.porter``), each word weighed
    by its spread across the atlas (for free text, an everyday word, rarer among the papers than among the
    vocabulary's descriptions, is weighed down further: ``everyday``, ``concepts.everyday_weights``); the best of
    the ``text_candidates`` hits gets ``text``, the others their
    share. For free text the words are expanded (``concepts``, ``textmatch``): the concepts the question
    describes best (vocabulary entries, methods; technique phrases when there is no vocabulary; the words of a
    name that the question spells out count ``concept_named`` more for its concept: ``concepts.named_concepts``)
    add their names at ``expansion`` times their match strength, then words shared by the best first matches add
    ``feedback``; both are scaled by the share of the question's words its best match lacks, so a question in
    the papers' own words is answered as asked.
    For a seed paper the text is its title, summary and techniques; for a .bib file, every entry's title (and
    abstract/keywords when present) plus the matched papers' text.
``taxonomy``
    The closest pair of leaves: ``same_leaf`` > ``sibling_leaf`` (same parent) > ``same_perspective`` (same
    root), plus ``extra_same_leaf`` for each further leaf in common. For free text the leaves are those of the
    best text matches (``inferred_leaf_share`` of their relevance at least), and only the same leaf counts,
    at ``inferred_leaf`` of the weight; a paper must then also match the words or a model/technique they name.
``model``, ``technique``, ``modality``, ``author``
    For each shared value: its weight times the value's rarity (``idf``: ln((N+1)/(df+1)) / ln(N+1), so a
    model every paper studies counts for almost nothing), capped per part. Models of the same family
    (LLaVA, LLaVA-1.5, LLaVA-NeXT) count ``model_family`` as much as the same model. Names are compared
    case-, punctuation- and plural-insensitively (``names``). For free text, models and techniques named in the
    text (by name or vocabulary alias, longest name first) count ``named`` times as much, and the techniques
    holding ``inferred_technique_share`` of the best text matches' relevance count for their other papers at
    ``inferred_technique`` times their share (without ``named``). A vocabulary technique among the concepts the
    question describes best counts for its papers at ``described_technique`` times its match strength (scaled
    like the added words; without ``named``), and its narrower techniques at ``described_narrower`` of that; the
    vocabulary's ``plain`` and ``informal`` texts are what a paraphrase is matched against.
``topic``
    Free text only (``topics``): a topic of the vocabulary (``taxonomy/vocabulary/topics.yaml``: hallucination,
    spatial reasoning, social bias, ...) among the concepts the question describes best counts for the papers
    whose own text names it (title, summary or category whys holding every word of one of its spellings, at most
    ``topic_words_apart`` words apart, its narrower topics' included), at ``topic`` times the topic's rarity times
    the match strength (scaled like the added words), at most ``topic_cap``. Annotations name no topic.
``relation``
    ``relation`` for each typed link (builds-on, extends, uses, ...) between the paper and a seed, either way.

With several seeds (a .bib file), each leaf/model/technique/... is weighted by how many of the seeds have it,
relative to the most common one. Seeds themselves are never returned. Papers under ``min_score`` are left out;
ties are broken by key, so the same question always gets the same answer. Each result's reasons (``reasons``)
say in plain sentences what earned its points and how many.

Speed: every paper's features and words are computed once per database build, stored in the database
(``index``: table ``related_index``, written by ``ingest.load``) and read into compact arrays on the first query,
so a query costs a few vectorised sums over the papers and the first one does not re-read every paper. A query
reads through the plain sqlite3 connection (``store``; a SQLAlchemy session is accepted too), so `atlas related`
imports neither SQLAlchemy nor the loader.

Any text is accepted: it is reduced to words (``explorer.fts``) first, so quotes, operators, brackets, emoji or
100 KB of text give a result or a note saying why there is none, never an exception. Input that cannot be
answered (an unknown paper key or taxonomy node, an empty year range) raises ``RelatedInputError`` with a message
that names the problem and the fix. Output formats: ``rendering``; inputs (keys, nodes, filters, .bib files):
``inputs``; judged questions and their metrics: ``judged``.

The names below are imported on first use (PEP 562), so that a build, which needs only ``index`` to store the
index, does not import the query side (scoring, inputs, rendering and what they import).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from explorer.related.explain import explain_ranking
    from explorer.related.index import Index, load_index
    from explorer.related.inputs import check_url, match_entry, read_user_bib, resolve_category, resolve_paper
    from explorer.related.rendering import FORMATS, bibtex_for, input_summary, render, to_json, to_table
    from explorer.related.results import BibMatch, CandidateFilters, RelatedInputError, RelatedPaper, RelatedResult
    from explorer.related.scoring import find_related, related_to_paper
    from explorer.related.weights import COMPONENTS, MAX_K, MAX_TEXT_CHARS, WEIGHTS, Weights, weight_table

_HOMES = {
    "explain_ranking": "explorer.related.explain",
    "Index": "explorer.related.index",
    "load_index": "explorer.related.index",
    "check_url": "explorer.related.inputs",
    "match_entry": "explorer.related.inputs",
    "read_user_bib": "explorer.related.inputs",
    "resolve_category": "explorer.related.inputs",
    "resolve_paper": "explorer.related.inputs",
    "FORMATS": "explorer.related.rendering",
    "bibtex_for": "explorer.related.rendering",
    "input_summary": "explorer.related.rendering",
    "render": "explorer.related.rendering",
    "to_json": "explorer.related.rendering",
    "to_table": "explorer.related.rendering",
    "BibMatch": "explorer.related.results",
    "CandidateFilters": "explorer.related.results",
    "RelatedInputError": "explorer.related.results",
    "RelatedPaper": "explorer.related.results",
    "RelatedResult": "explorer.related.results",
    "find_related": "explorer.related.scoring",
    "related_to_paper": "explorer.related.scoring",
    "COMPONENTS": "explorer.related.weights",
    "MAX_K": "explorer.related.weights",
    "MAX_TEXT_CHARS": "explorer.related.weights",
    "WEIGHTS": "explorer.related.weights",
    "Weights": "explorer.related.weights",
    "weight_table": "explorer.related.weights",
}


__all__ = [
    "BibMatch",
    "COMPONENTS",
    "FORMATS",
    "explain_ranking",
    "CandidateFilters",
    "Index",
    "MAX_K",
    "MAX_TEXT_CHARS",
    "RelatedInputError",
    "RelatedPaper",
    "RelatedResult",
    "WEIGHTS",
    "Weights",
    "bibtex_for",
    "check_url",
    "find_related",
    "input_summary",
    "load_index",
    "match_entry",
    "read_user_bib",
    "related_to_paper",
    "render",
    "resolve_category",
    "resolve_paper",
    "to_json",
    "to_table",
    "weight_table",
]


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'explorer.related' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)

"""Related work: rank the papers of the knowledge base against free text, papers of the atlas or a .bib file.

One function, ``find_related``, serves the CLI (``atlas related``), the website's Related work page and
the "Related papers" section of every paper page. It returns plain data (``RelatedResult``): the top k
papers, each with its score, the score's parts and the **reasons** that produced them.

How a paper is scored
---------------------
The query is first turned into a *profile*: the papers it is made of (the seed paper, or the atlas papers a
.bib file cites), their taxonomy leaves, models, techniques, modalities and authors, and a piece of text.
Every paper of the knowledge base then gets the sum of these parts (the weights are ``WEIGHTS`` below, the
only place they are set):

``text``
    FTS5 BM25 relevance of the paper (title, summary, technique, models, authors; column weights ``bm25_columns``)
    to the query's most telling words, divided by the best hit's, times ``text``. The words are the rarest ones
    (at most ``text_concepts``) whose papers add up to ``text_row_budget``, which bounds the work at any size;
    only the ``text_candidates`` best hits count. For a seed paper the text is its title, summary and techniques;
    for a .bib file, every entry's title (and abstract/keywords when present) plus the matched papers' text.
``taxonomy``
    The closest pair of leaves: ``same_leaf`` > ``sibling_leaf`` (same parent) > ``same_perspective`` (same
    root), plus ``extra_same_leaf`` for each further leaf in common. For free text the leaves are those of the
    best text matches (``inferred_leaf_share`` of their relevance at least), and only the same leaf counts,
    at ``inferred_leaf`` of the weight; a paper must then also match the words or a model/technique they name.
``model``, ``technique``, ``modality``, ``author``
    For each shared value: its weight times the value's rarity (``idf``: ln((N+1)/(df+1)) / ln(N+1), so a
    model every paper studies counts for almost nothing), capped per part. Models of the same family
    (LLaVA, LLaVA-1.5, LLaVA-NeXT) count ``model_family`` as much as the same model. Names are compared
    case-, punctuation- and plural-insensitively. For free text, models and techniques named in the text count.
``relation``
    ``relation`` for each typed link (builds-on, extends, uses, ...) between the paper and a seed, either way.

With several seeds (a .bib file), each leaf/model/technique/... is weighted by how many of the seeds have it,
relative to the most common one. Seeds themselves are never returned. Papers under ``min_score`` are left out;
ties are broken by key, so the same question always gets the same answer.

Speed: the features of every paper are read once per database build into compact arrays (``load_index``), so a
query costs one bounded FTS5 search plus a few vectorised sums over the papers.

Any text is accepted: it is reduced to words (``explorer.fts``) before it reaches FTS5, so quotes, operators,
brackets, emoji or 100 KB of text give a result or a note saying why there is none, never an exception.
Input that cannot be answered (an unknown paper key or taxonomy node, an empty year range) raises
``RelatedInputError`` with a message that names the problem and the fix.
"""

from __future__ import annotations

import math
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from explorer import fts
from ingest.errors import InvalidInput
from ingest.bibtex import BibEntry, read_bib_folder
from ingest.identifiers import normalise_arxiv_id, normalise_doi, normalise_title
from ingest.load import author_name_key
from ingest import models as m


# --- the weights: the one place they are set ---------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    """Every number the ranking uses. See the module docstring for how they combine."""

    text: float = 3.0  # BM25 relevance relative to the best hit (the best hit gets all of it)
    same_leaf: float = 3.0  # shares a taxonomy leaf
    sibling_leaf: float = 1.5  # its leaf has the same parent as a query leaf
    same_perspective: float = 0.5  # its leaf is under the same perspective (Data, Model, Training & Inference)
    extra_same_leaf: float = 0.5  # each further leaf in common
    # Free text: fraction of same_leaf for the leaves of the best text matches. Kept small, so it reorders papers
    # that match the text about equally well but never lifts a one-word match over a fuller one.
    inferred_leaf: float = 0.2
    inferred_leaf_share: float = 0.25  # ... a leaf counts when it holds this share of their relevance
    inferred_from_top: int = 10  # ... among this many best text matches
    model: float = 1.5  # per shared model, times its rarity
    model_family: float = 0.5  # fraction of `model` for a model of the same family (LLaVA ~ LLaVA-1.5)
    model_cap: float = 3.0
    technique: float = 1.5  # per shared technique, times its rarity
    technique_cap: float = 3.0
    modality: float = 1.0  # per shared modality, times its rarity (image and text are nearly free)
    modality_cap: float = 1.0
    author: float = 1.0  # per shared author, times its rarity
    author_cap: float = 2.0
    # Per typed link with a seed paper, either direction. A link a curator wrote down is the surest sign of
    # related work, so it outweighs a shared leaf plus a good text match.
    relation: float = 5.0
    relation_cap: float = 8.0
    # How the BM25 part weighs the indexed columns: title, summary, technique, models, authors.
    bm25_columns: tuple[float, float, float, float, float] = (3.0, 1.0, 2.0, 2.0, 1.0)
    text_candidates: int = 300  # best BM25 hits that get a text score
    text_concepts: int = 24  # most telling query words searched for ...
    text_row_budget: int = 1000  # ... while the papers containing them add up to at most this (see explorer.fts)
    min_reason: float = 0.05  # parts smaller than this are not listed as reasons
    min_score: float = 0.05  # papers scoring less are not returned (a match on a word nearly every paper has)


WEIGHTS = Weights()

MAX_K = 200
MAX_TEXT_CHARS = 200_000  # longer text is cut (with a note); 100 KB abstracts fit
MAX_MENTION_WORDS = 5_000  # model/technique names are looked for in the first words of free text
COMPONENTS = ("relation", "taxonomy", "text", "model", "technique", "author", "modality")
_FEATURE_KINDS = ("model", "technique", "modality", "author")

# How a typed link reads from the candidate's side: (candidate -> seed, seed -> candidate).
_RELATION_VERBS = {
    "builds-on": ("builds on", "built on by"),
    "extends": ("extends", "extended by"),
    "evaluates": ("evaluates", "evaluated by"),
    "compares-with": ("compares with", "compared with by"),
    "critiques": ("critiques", "critiqued by"),
    "uses": ("uses", "used by"),
}


class RelatedInputError(InvalidInput):
    """The question cannot be answered as asked; the message names the problem and the fix."""


# --- plain results -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    category: str | None = None  # taxonomy node id (or name); inner nodes include their leaves
    year_from: int | None = None
    year_to: int | None = None
    has_code: bool = False


@dataclass
class RelatedPaper:
    key: str
    title: str
    year: int | None
    authors: list[str]
    venue: str | None
    url: str | None
    code_url: str | None
    categories: list[str]
    score: float
    reasons: list[str]
    components: dict[str, float]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class BibMatch:
    bib_key: str
    key: str  # the atlas paper it is
    by: str  # "DOI", "arXiv id" or "title"


@dataclass
class RelatedResult:
    kind: str  # "text", "paper", "papers" or "bib"
    papers: list[RelatedPaper]
    notes: list[str] = field(default_factory=list)  # what the user should know (why nothing came back, ...)
    seeds: list[str] = field(default_factory=list)  # atlas keys the query was made of; never returned
    matched: list[BibMatch] = field(default_factory=list)  # .bib entries recognised in the atlas
    unmatched: list[str] = field(default_factory=list)  # .bib entries that are not in the atlas (their keys)

    @property
    def message(self) -> str | None:
        """Why the result is empty, or None when there are papers."""
        if self.papers:
            return None
        return self.notes[-1] if self.notes else "no related papers found"

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "papers": [p.as_dict() for p in self.papers],
            "notes": list(self.notes),
            "seeds": list(self.seeds),
            "matched": [asdict(x) for x in self.matched],
            "unmatched": list(self.unmatched),
        }


# --- entry points --------------------------------------------------------------------------------------------


def find_related(session: Session, *, text: str | None = None, paper: str | None = None,
                 papers: Iterable[str] | None = None, bib: str | bytes | Path | None = None,
                 k: int = 10, filters: Filters | None = None, weights: Weights = WEIGHTS) -> RelatedResult:
    """The ``k`` papers most related to exactly one of: free ``text``, a ``paper`` (key, DOI or arXiv id),
    several ``papers`` (keys), or ``bib`` (a .bib file's path, or its content as str/bytes)."""
    given = [name for name, value in (("text", text), ("paper", paper), ("papers", papers), ("bib", bib))
             if value is not None]
    if len(given) != 1:
        raise RelatedInputError("give exactly one of: free text, a paper key, or a BibTeX file"
                                + (f" (got {', '.join(given)})" if given else ""))
    k, notes = _check_k(k)
    filters = filters or Filters()
    index = load_index(session)
    mask = _filter_mask(index, filters)
    if text is not None:
        result = _related_to_text(session, index, text, k, mask, weights)
    elif paper is not None:
        seed = resolve_paper(index, paper)
        result = _related_to_seeds(session, index, "paper", [seed], k, mask, weights)
    elif papers is not None:
        keys = [p for p in (papers if not isinstance(papers, str) else [papers])]
        seeds = list(dict.fromkeys(resolve_paper(index, key) for key in keys))
        if not seeds:
            raise RelatedInputError("no paper keys given: name at least one paper of the atlas")
        result = _related_to_seeds(session, index, "papers", seeds, k, mask, weights)
    else:
        result = _related_to_bib(session, index, bib, k, mask, weights)
    result.notes[:0] = notes
    if not result.papers and not result.notes:
        result.notes.append("no paper passes the filters" if not mask.all() else "no related papers found")
    elif not result.papers and not mask.all() and not mask.any():
        result.notes.append("no paper passes the filters: widen the category or year range, or drop --has-code")
    return result


def related_to_paper(session: Session, key: str, k: int = 10, filters: Filters | None = None) -> RelatedResult:
    """Papers related to one paper of the atlas (the paper page's "Related papers" section)."""
    return find_related(session, paper=key, k=k, filters=filters)


def resolve_paper(index: _Index, identifier: str) -> int:
    """Index of the paper named by a key (any case), a DOI or an arXiv id; RelatedInputError otherwise."""
    ident = str(identifier).strip()
    if ident in index.position:
        return index.position[ident]
    lowered = ident.lower()
    if lowered in index.position_lower:
        return index.position_lower[lowered]
    for table, norm in ((index.by_doi, normalise_doi), (index.by_arxiv, normalise_arxiv_id)):
        try:
            value = norm(ident)
        except Exception:  # noqa: BLE001 - a malformed identifier is simply not found
            value = None
        if value and value.lower() in table:
            return table[value.lower()]
    close = _close_keys(index, lowered)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `atlas export --format csv` lists every key"
    shown = ident if len(ident) <= 80 else ident[:77] + "..."
    raise RelatedInputError(f"no paper with key, DOI or arXiv id '{_printable(shown)}' in the knowledge base{hint}")


def bibtex_for(session: Session, result: RelatedResult) -> str:
    """The result's papers as BibTeX entries, in rank order, ready to paste into a paper."""
    from explorer.export import to_bibtex
    from explorer.papers import get_papers

    order = {p.key: i for i, p in enumerate(result.papers)}
    found = sorted(get_papers(session, keys=list(order)), key=lambda p: order[p.key])
    return to_bibtex(found)


# --- the in-memory index: features of every paper, built once per database -------------------------------------


class _Rows:
    """Compressed rows: ``table[i]`` is the slice of ``values`` for row ``i`` (CSR layout)."""

    __slots__ = ("ptr", "values")

    def __init__(self, ptr: np.ndarray, values: np.ndarray):
        self.ptr, self.values = ptr, values

    def __getitem__(self, i) -> np.ndarray:
        return self.values[self.ptr[i]:self.ptr[i + 1]]

    def __len__(self) -> int:
        return len(self.ptr) - 1


@dataclass
class _Vocabulary:
    """One kind of feature (models, techniques, modalities or authors) as sets of paper positions."""

    names: list[str]  # feature id -> display name
    members: _Rows  # feature id -> paper positions
    by_paper: _Rows  # paper position -> feature ids (authors in author order)
    idf: np.ndarray
    by_name: dict[str, int]  # normalised name -> feature id
    family: list[str | None]  # feature id -> family (models only)
    family_ids: dict[str, list[int]]  # family -> feature ids
    max_words: int  # longest normalised name, in words (for finding names in text)
    family_cache: dict = field(default_factory=dict)  # family -> (paper positions, rarities), filled on use


@dataclass
class _Index:
    keys: list[str]  # sorted, so a paper's position is also its tie-break order
    position: dict[str, int]
    position_lower: dict[str, int]
    years: np.ndarray
    has_code: np.ndarray
    by_doi: dict[str, int]
    by_arxiv: dict[str, int]
    node_names: dict[str, str]
    node_parent: dict[str, str | None]
    leaves: list[str]
    leaf_members: dict[str, np.ndarray]
    paper_leaves: list[tuple[str, ...]]
    vocab: dict[str, _Vocabulary]
    out_links: dict[int, list[tuple[int, str]]]
    in_links: dict[int, list[tuple[int, str]]]
    has_fts: bool
    term_docs: dict[str, int]  # indexed word -> papers containing it (empty without the FTS5 index)
    titles: list[str]  # display titles
    by_title: dict[str, int]  # normalised title -> paper position, for matching .bib entries

    @property
    def size(self) -> int:
        return len(self.keys)

    def root(self, node_id: str) -> str:
        while self.node_parent.get(node_id):
            node_id = self.node_parent[node_id]
        return node_id

    def proximity(self, a: str, b: str) -> str | None:
        if a == b:
            return "same_leaf"
        if self.node_parent.get(a) is not None and self.node_parent.get(a) == self.node_parent.get(b):
            return "sibling_leaf"
        if self.root(a) == self.root(b):
            return "same_perspective"
        return None

    def leaves_under(self, node_id: str) -> set[str]:
        return {leaf for leaf in self.leaves if leaf == node_id or leaf.startswith(node_id + "/")}


_index_cache: dict[tuple, _Index] = {}
_index_lock = threading.Lock()


def load_index(session: Session) -> _Index:
    """The features of every paper, read once per database build and kept in memory."""
    conn = session.connection()
    info = conn.execute(select(m.BuildInfo.source_hash, m.BuildInfo.built_at).where(m.BuildInfo.id == 1)).first()
    stamp = (str(conn.engine.url), tuple(info) if info else None)
    with _index_lock:
        cached = _index_cache.get(stamp)
        if cached is None:
            cached = _build_index(session, session.connection())
            if len(_index_cache) >= 4:
                _index_cache.pop(next(iter(_index_cache)))
            _index_cache[stamp] = cached
    return cached


def _fetch(conn, statement) -> list[tuple]:
    """All rows of a SELECT as plain tuples: SQLAlchemy writes the SQL, the DB-API cursor fetches it
    (SQLAlchemy's per-row objects would cost more than the query on a million link rows)."""
    sql_text = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql_text)
        return cursor.fetchall()
    finally:
        cursor.close()


def _build_index(session: Session, conn) -> _Index:
    rows = _fetch(conn, select(m.Paper.key, m.Paper.year, m.Paper.code_url, m.Paper.doi, m.Paper.arxiv_id,
                               m.Paper.title).order_by(m.Paper.key))
    keys, years, codes, dois, arxiv_ids, titles = (list(column) for column in zip(*rows)) if rows else ([],) * 6
    position = {key: i for i, key in enumerate(keys)}
    position_lower: dict[str, int] = {}
    for i, key in enumerate(keys):
        position_lower.setdefault(key.lower(), i)
    years = np.array([y if y is not None else -1 for y in years], dtype=np.int32)
    has_code = np.array([bool(c) for c in codes], dtype=bool)
    by_doi = {d.lower(): i for i, d in enumerate(dois) if d}
    by_arxiv = {a.lower(): i for i, a in enumerate(arxiv_ids) if a}

    nodes = _fetch(conn, select(m.TaxonomyNode.id, m.TaxonomyNode.name, m.TaxonomyNode.parent_id,
                                m.TaxonomyNode.is_leaf).order_by(m.TaxonomyNode.position))
    leaves = [node_id for node_id, _, _, is_leaf in nodes if is_leaf]
    categories = _fetch(conn, select(m.PaperCategory.paper_key, m.PaperCategory.node_id)
                        .order_by(m.PaperCategory.paper_key, m.PaperCategory.node_id))
    cat_pos = _positions(position, [c[0] for c in categories])
    cat_nodes = [c[1] for c in categories]
    paper_leaves: list[tuple[str, ...]] = [()] * len(keys)
    leaf_members: dict[str, np.ndarray] = {}
    node_array = np.array(cat_nodes, dtype=object)
    for node_id in dict.fromkeys([*leaves, *cat_nodes]):
        leaf_members[node_id] = cat_pos[(node_array == node_id) & (cat_pos >= 0)]
    for i, node_id in zip(cat_pos.tolist(), cat_nodes):
        if i >= 0:
            paper_leaves[i] = (*paper_leaves[i], node_id)

    pm, pt, pmod = m.paper_models.c, m.paper_techniques.c, m.paper_modalities.c
    vocab = {
        "model": _vocabulary(position, _fetch(conn, select(pm.paper_key, pm.model_id)),
                             dict(_fetch(conn, select(m.Model.id, m.Model.name))), _model_key, _model_family),
        "technique": _vocabulary(position, _fetch(conn, select(pt.paper_key, pt.technique_id)),
                                 dict(_fetch(conn, select(m.Technique.id, m.Technique.name))), _technique_key),
        "modality": _vocabulary(position, _fetch(conn, select(pmod.paper_key, pmod.modality)),
                                {name: name for (name,) in _fetch(conn, select(m.Modality.name))}, _model_key),
        "author": _vocabulary(position, _fetch(conn, 
            select(m.PaperAuthor.paper_key, m.PaperAuthor.author_id)
            .order_by(m.PaperAuthor.paper_key, m.PaperAuthor.position)),
            {i: (name, key) for i, name, key in _fetch(conn, select(m.Author.id, m.Author.name, m.Author.name_key))},
            None),
    }
    has_fts = fts.fts_available(session)
    out_links: dict[int, list[tuple[int, str]]] = defaultdict(list)
    in_links: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for source, target, kind in _fetch(conn, select(m.Relation.source_key, m.Relation.target_key, m.Relation.type)
                                       .order_by(m.Relation.source_key, m.Relation.target_key, m.Relation.type)):
        if source in position and target in position and source != target:
            out_links[position[source]].append((position[target], kind))
            in_links[position[target]].append((position[source], kind))
    return _Index(
        keys=keys, position=position, position_lower=position_lower, years=years, has_code=has_code,
        by_doi=by_doi, by_arxiv=by_arxiv,
        node_names={n[0]: n[1] for n in nodes}, node_parent={n[0]: n[2] for n in nodes},
        leaves=leaves, leaf_members=leaf_members, paper_leaves=paper_leaves, vocab=vocab,
        out_links=dict(out_links), in_links=dict(in_links), has_fts=has_fts,
        term_docs=fts.document_frequencies(session) if has_fts else {}, titles=titles,
        by_title=_title_table(titles),
    )


def _title_table(titles: list[str]) -> dict[str, int]:
    table: dict[str, int] = {}
    for i, title in enumerate(titles):
        table.setdefault(normalise_title(title or ""), i)
    table.pop("", None)
    return table


def _vocabulary(position: dict[str, int], links, names: dict, normalise, family=None) -> _Vocabulary:
    """Features from (paper key, value id) link rows and {value id: name}; equal normalised names are one feature.

    ``names`` values may be (name, identity) pairs when the identity is already normalised (authors' name keys).
    Feature ids follow the sorted normalised names, and a feature shows its alphabetically first spelling, so
    nothing depends on the order the database returns rows in (except a paper's own order, kept for authors).
    """
    norm_of: dict = {}
    display: dict[str, str] = {}
    for value_id, name in names.items():
        name, ident = name if isinstance(name, tuple) else (name, None)
        if not name:
            continue
        norm = ident or normalise(name) or name.casefold()
        norm_of[value_id] = norm
        display[norm] = min(display.get(norm, name), name)
    ordered = sorted(display)
    fid_of_norm = {norm: fid for fid, norm in enumerate(ordered)}
    fid_of_value = {value_id: fid_of_norm[norm] for value_id, norm in norm_of.items()}
    link_keys = [row[0] for row in links]
    link_values = [row[1] for row in links]
    pos = _positions(position, link_keys)
    value_ids = list(fid_of_value)
    if value_ids and all(isinstance(v, int) for v in value_ids):
        lookup = np.full(max(value_ids) + 1, -1, dtype=np.int64)
        lookup[value_ids] = [fid_of_value[v] for v in value_ids]
        raw = np.array(link_values, dtype=np.int64) if link_values else np.zeros(0, dtype=np.int64)
        inside = (raw >= 0) & (raw < lookup.size)
        fids = np.where(inside, lookup[np.clip(raw, 0, lookup.size - 1)], -1)
    else:
        fids = np.array([fid_of_value.get(v, -1) for v in link_values], dtype=np.int64)
    keep = (pos >= 0) & (fids >= 0)
    pos, fids = pos[keep], fids[keep]
    n, count = len(position), len(ordered)
    if pos.size:  # one row per (paper, feature), first occurrence kept in place
        _, first = np.unique(pos * max(count, 1) + fids, return_index=True)
        first.sort()
        pos, fids = pos[first], fids[first]
    by_paper_order = np.argsort(pos, kind="stable")
    by_fid_order = np.lexsort((pos, fids))
    paper_ptr = np.concatenate(([0], np.cumsum(np.bincount(pos, minlength=n)))).astype(np.int64)
    fid_ptr = np.concatenate(([0], np.cumsum(np.bincount(fids, minlength=count)))).astype(np.int64)
    df = np.diff(fid_ptr).astype(np.float64)
    idf = np.log((n + 1) / (df + 1)) / math.log(n + 1) if n else np.zeros(count)
    families = [family(norm) if family else None for norm in ordered]
    family_ids: dict[str, list[int]] = {}
    for fid, fam in enumerate(families):
        if fam:
            family_ids.setdefault(fam, []).append(fid)
    return _Vocabulary(
        names=[display[norm] for norm in ordered], members=_Rows(fid_ptr, pos[by_fid_order]),
        by_paper=_Rows(paper_ptr, fids[by_paper_order]), idf=idf, by_name=fid_of_norm, family=families,
        family_ids=family_ids, max_words=max((len(norm.split()) for norm in ordered), default=0),
    )


def _positions(position: dict[str, int], keys: list[str]) -> np.ndarray:
    """Paper positions of many keys at once (-1 for a key that is not a paper)."""
    if not keys:
        return np.zeros(0, dtype=np.int64)
    get = position.get
    return np.fromiter((get(k, -1) for k in keys), dtype=np.int64, count=len(keys))


def _model_key(name: str) -> str:
    return " ".join(fts.tokenize(name))


def _technique_key(name: str) -> str:
    return " ".join(_singular(w) for w in fts.tokenize(name))


def _singular(word: str) -> str:
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _model_family(norm: str) -> str | None:
    """'llava 1 5' -> 'llava', 'qwen2 vl' -> 'qwen', 'gpt 4v' -> 'gpt'; None when too short to mean anything."""
    first = norm.split(" ", 1)[0] if norm else ""
    stem = first.rstrip("0123456789")
    return stem if len(stem) >= 3 and stem.isalpha() else None


# --- profiles: what the query is about --------------------------------------------------------------------------


@dataclass
class _Profile:
    seeds: list[int] = field(default_factory=list)
    leaves: dict[str, float] = field(default_factory=dict)  # leaf -> weight in (0, 1]
    leaf_counts: dict[str, int] = field(default_factory=dict)
    inferred_leaves: bool = False  # leaves come from the best text matches, not from seed papers
    features: dict[str, dict[int, float]] = field(default_factory=lambda: {k: {} for k in _FEATURE_KINDS})
    feature_counts: dict[str, dict[int, int]] = field(default_factory=lambda: {k: {} for k in _FEATURE_KINDS})
    from_text: bool = False  # models/techniques were named in free text
    text: str = ""
    many: bool = False  # several seeds: reasons say "N of your papers"


def _profile_from_seeds(index: _Index, seeds: list[int], author_keys: Iterable[str] = ()) -> _Profile:
    profile = _Profile(seeds=list(seeds), many=len(seeds) > 1)
    leaf_counts = Counter(leaf for s in seeds for leaf in index.paper_leaves[s])
    profile.leaf_counts = dict(leaf_counts)
    profile.leaves = _relative(leaf_counts)
    for kind in _FEATURE_KINDS:
        counts = Counter(fid for s in seeds for fid in index.vocab[kind].by_paper[s])
        if kind == "author":
            authors = index.vocab["author"].by_name
            for name_key in set(author_keys):
                fid = authors.get(name_key)
                if fid is not None and fid not in counts:
                    counts[fid] = 1
        profile.feature_counts[kind] = dict(counts)
        profile.features[kind] = _relative(counts)
    return profile


def _relative(counts: Counter) -> dict:
    top = max(counts.values(), default=0)
    return {k: c / top for k, c in sorted(counts.items())} if top else {}


def _find_mentions(index: _Index, words: list[str]) -> dict[str, dict[int, float]]:
    """Models and techniques whose names appear in the text (as whole words)."""
    found: dict[str, dict[int, float]] = {"model": {}, "technique": {}}
    for kind, transform in (("model", lambda w: w), ("technique", _singular)):
        vocab = index.vocab[kind]
        if not vocab.by_name:
            continue
        tokens = [transform(w) for w in words]
        longest = min(vocab.max_words, 8)
        for n in range(1, longest + 1):
            for start in range(0, len(tokens) - n + 1):
                fid = vocab.by_name.get(" ".join(tokens[start:start + n]))
                if fid is not None:
                    found[kind][fid] = 1.0
    return found


# --- scoring ------------------------------------------------------------------------------------------------------


def _related_to_text(session: Session, index: _Index, text: str, k: int, mask: np.ndarray,
                     weights: Weights) -> RelatedResult:
    result = RelatedResult("text", [])
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_TEXT_CHARS:
        result.notes.append(f"the text is {len(text):,} characters long; only the first {MAX_TEXT_CHARS:,} were used")
        text = text[:MAX_TEXT_CHARS]
    words = fts.tokenize(text)
    if not any(len(w) > 1 and w not in fts.STOP_WORDS for w in words):
        result.notes.append("no words to search for: type a few keywords, a title or an abstract "
                            "(punctuation, symbols and words such as 'and' or 'the' are ignored)")
        return result
    profile = _Profile(text=text, from_text=True)
    for kind, found in _find_mentions(index, words[:MAX_MENTION_WORDS]).items():
        profile.features[kind] = found
        profile.feature_counts[kind] = {fid: 1 for fid in found}
    return _rank(session, index, profile, result, k, mask, weights)


def _related_to_seeds(session: Session, index: _Index, kind: str, seeds: list[int], k: int, mask: np.ndarray,
                      weights: Weights) -> RelatedResult:
    profile = _profile_from_seeds(index, seeds)
    profile.text = _seed_text(session, index, seeds)
    result = RelatedResult(kind, [], seeds=[index.keys[s] for s in seeds])
    return _rank(session, index, profile, result, k, mask, weights)


def _seed_text(session: Session, index: _Index, seeds: list[int]) -> str:
    keys = [index.keys[s] for s in seeds]
    parts = []
    for start in range(0, len(keys), 500):
        rows = session.connection().execute(_SEED_TEXT, {"keys": keys[start:start + 500]})
        for _, title, summary in rows:
            parts.extend([title or "", summary or ""])
    techniques = index.vocab["technique"]
    parts.extend(techniques.names[fid] for s in seeds for fid in techniques.by_paper[s])
    return "\n".join(parts)


def _related_to_bib(session: Session, index: _Index, bib, k: int, mask: np.ndarray, weights: Weights) -> RelatedResult:
    result = RelatedResult("bib", [])
    entries, problems, label = read_user_bib(bib)
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        result.notes.append(f"{label}: {len(problems)} problem(s) skipped: {shown}")
    if not entries:
        result.notes.append(f"{label} holds no BibTeX entries: give a .bib file with entries such as "
                            "@article{key, title = {...}, author = {...}}")
        return result
    seeds: list[int] = []
    texts: list[str] = []
    author_keys: list[str] = []
    for entry in entries:
        hit = match_entry(index, entry)
        if hit is None:
            result.unmatched.append(entry.key)
        else:
            i, by = hit
            result.matched.append(BibMatch(entry.key, index.keys[i], by))
            if i not in seeds:
                seeds.append(i)
        texts.extend(entry.fields.get(name, "") for name in ("title", "abstract", "keywords"))
        try:
            author_keys.extend(author_name_key(name) for name in entry.authors)
        except Exception:  # noqa: BLE001 - odd author fields only lose the shared-author signal
            pass
    profile = _profile_from_seeds(index, seeds, author_keys)
    profile.many = True
    profile.text = "\n".join(texts) + ("\n" + _seed_text(session, index, seeds) if seeds else "")
    if len(profile.text) > MAX_TEXT_CHARS:
        profile.text = profile.text[:MAX_TEXT_CHARS]
    result.seeds = [index.keys[s] for s in seeds]
    if not seeds:
        result.notes.append(f"none of the {len(entries)} entries of {label} is in the atlas (matched by DOI, "
                            "arXiv id or title); ranking by their titles and authors only")
    return _rank(session, index, profile, result, k, mask, weights)


def read_user_bib(bib) -> tuple[list[BibEntry], list[str], str]:
    """Entries of a user's .bib (path, str or bytes content) with the problems found, as plain messages."""
    label = "the BibTeX file"
    if isinstance(bib, Path):
        label = bib.name
        try:
            data = bib.read_bytes()
        except OSError as exc:
            raise RelatedInputError(f"cannot read {bib}: {exc.strerror or exc}; check the path") from None
    elif isinstance(bib, (bytes, bytearray)):
        data = bytes(bib)
    else:
        data = str(bib).encode("utf-8", "surrogatepass")
    notes = []
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = data.decode("latin-1")
        notes.append("not UTF-8, read as Latin-1")
    content = content.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")
    with tempfile.TemporaryDirectory(prefix="atlas-related-") as folder:
        path = Path(folder) / "references.bib"
        path.write_text(content, encoding="utf-8")
        try:
            parsed = read_bib_folder(Path(folder), [path])
        except Exception as exc:  # noqa: BLE001 - a parser crash on hostile input is a message, not a traceback
            return [], [f"could not parse the file ({type(exc).__name__})"], label
    problems = notes + [f"line {p.line}: {p.message}" for p in parsed.problems if p.severity == "error"]
    return parsed.entries, problems, label


def match_entry(index: _Index, entry: BibEntry) -> tuple[int, str] | None:
    """The atlas paper a user's entry is, by DOI, then arXiv id, then normalised title."""
    try:
        doi, arxiv_id, title = entry.doi, entry.arxiv_id, normalise_title(entry.title)
    except Exception:  # noqa: BLE001 - malformed fields: no match rather than a crash
        return None
    if doi and doi.lower() in index.by_doi:
        return index.by_doi[doi.lower()], "DOI"
    if arxiv_id and arxiv_id.lower() in index.by_arxiv:
        return index.by_arxiv[arxiv_id.lower()], "arXiv id"
    if title and title in index.by_title:
        return index.by_title[title], "title"
    return None


def _rank(session: Session, index: _Index, profile: _Profile, result: RelatedResult, k: int, mask: np.ndarray,
          weights: Weights) -> RelatedResult:
    n = index.size
    parts = {name: np.zeros(n) for name in COMPONENTS}
    excluded = np.zeros(n, dtype=bool)
    excluded[profile.seeds] = True

    match = _text_hits(session, index, profile, result, excluded, weights)
    hits = match.hits
    if hits:
        best = min(score for _, score in hits)
        for i, score in hits:
            parts["text"][i] = weights.text * (score / best if best < 0 else 1.0)
        if profile.from_text:
            _infer_leaves(index, profile, hits, weights)
    elif profile.from_text and not any(profile.features.values()):
        if not result.notes:
            result.notes.append("no paper matches these words: try other or fewer keywords")
        return result

    _taxonomy_part(index, profile, parts["taxonomy"], weights)
    for kind in _FEATURE_KINDS:
        _feature_part(index, profile, kind, parts[kind], weights)
    for s in profile.seeds:
        for t, _ in index.out_links.get(s, ()):
            parts["relation"][t] += weights.relation
        for t, _ in index.in_links.get(s, ()):
            parts["relation"][t] += weights.relation
    np.minimum(parts["relation"], weights.relation_cap, out=parts["relation"])

    total = np.zeros(n)
    for name in COMPONENTS:
        total += parts[name]
    total = np.round(total, 6)
    eligible = mask & ~excluded & (total >= weights.min_score)
    if profile.from_text:  # free text: a paper must match the words or a model/technique named in them
        eligible &= (parts["text"] > 0) | (parts["model"] > 0) | (parts["technique"] > 0)
    candidates = np.flatnonzero(eligible)
    if candidates.size == 0:
        if not result.notes:
            result.notes.append("no paper passes the filters" if not mask.all()
                                else "no related papers found")
        return result
    scores = total[candidates]
    if candidates.size > 4 * k:
        cut = np.partition(scores, scores.size - k)[scores.size - k]
        keep = scores >= cut
        candidates, scores = candidates[keep], scores[keep]
    order = np.lexsort((candidates, -scores))[:k]
    top = [int(candidates[j]) for j in order]

    matched_words = _matched_words(session, match, top)
    details = _paper_details(session, index, top)
    for i in top:
        components = {name: round(float(parts[name][i]), 4) for name in COMPONENTS if parts[name][i] > 0}
        reasons = _reasons(index, profile, i, components, matched_words.get(i, []), weights)
        result.papers.append(RelatedPaper(score=round(float(total[i]), 4), reasons=reasons, components=components,
                                          **details[i]))
    return result


def _text_hits(session, index: _Index, profile: _Profile, result: RelatedResult, excluded: np.ndarray,
               weights: Weights) -> _TextMatch:
    """The best BM25 matches of the profile's text, seeds left out."""
    if not profile.text.strip():
        return _TextMatch()
    if not index.has_fts:
        result.notes.append("this knowledge base has no full-text index (built by `atlas build` on SQLite); "
                            "ranked without text relevance")
        return _TextMatch()
    query = fts.build_text_query(profile.text, index.term_docs, index.size, weights.text_concepts,
                                 weights.text_row_budget)
    limit = weights.text_candidates + len(profile.seeds)
    try:
        raw = fts.search(session, query.expression, limit, weights.bm25_columns) if query.expression else []
        while not raw and query.all_required and len(query.concepts) > 1:
            # no paper has all the (common) words: loosen by dropping the least telling one
            query = replace(query, concepts=query.concepts[:-1])
            raw = fts.search(session, query.expression, limit, weights.bm25_columns)
    except DBAPIError as exc:  # should not happen (the expression is quoted words); degrade, never crash
        result.notes.append(f"full-text search failed ({type(exc.orig).__name__}); ranked without text relevance")
        return _TextMatch()
    hits, rowids = [], {}
    for hit in raw:
        i = index.position.get(hit.key)
        if i is None or excluded[i]:
            continue
        hits.append((i, hit.bm25))
        rowids[i] = hit.rowid
    return _TextMatch(query, hits[:weights.text_candidates], rowids)


@dataclass
class _TextMatch:
    query: fts.TextQuery | None = None
    hits: list[tuple[int, float]] = field(default_factory=list)  # (paper position, bm25), best first
    rowids: dict[int, int] = field(default_factory=dict)  # paper position -> row of the full-text index


def _matched_words(session: Session, match: _TextMatch, top: list[int]) -> dict[int, list[str]]:
    """For each top paper that matched the text, the query words it contains, most telling first."""
    if match.query is None or not match.hits:
        return {}
    rowids = {i: match.rowids[i] for i in top if i in match.rowids}
    texts = fts.indexed_text(session, rowids.values())
    form_to_concept = {form: c for c in match.query.concepts for form in c.forms}
    out = {}
    for i, rowid in rowids.items():
        present = set(fts.tokenize(texts.get(rowid, "")))
        concepts = {form_to_concept[f] for f in present if f in form_to_concept}
        out[i] = [c.word for c in sorted(concepts, key=lambda c: (-c.weight, c.word))]
    return out


def _infer_leaves(index: _Index, profile: _Profile, hits: list[tuple[int, float]], weights: Weights) -> None:
    """Free text: the leaves holding a good share of the best text matches' relevance."""
    top = sorted(hits, key=lambda h: (h[1], h[0]))[:weights.inferred_from_top]
    mass: Counter = Counter()
    for i, score in top:
        leaves = index.paper_leaves[i]
        for leaf in leaves:
            mass[leaf] += -score / len(leaves)
    total = sum(mass.values())
    if total <= 0:
        return
    shares = {leaf: v / total for leaf, v in mass.items() if v / total >= weights.inferred_leaf_share}
    profile.leaves = _relative(Counter(shares)) if shares else {}
    profile.inferred_leaves = True


def _taxonomy_part(index: _Index, profile: _Profile, out: np.ndarray, weights: Weights) -> None:
    if not profile.leaves:
        return
    same = np.zeros(index.size)
    factor = weights.inferred_leaf if profile.inferred_leaves else 1.0
    for leaf, w in profile.leaves.items():
        for other in index.leaves:
            level = index.proximity(leaf, other)
            if level is None or (profile.inferred_leaves and level != "same_leaf"):
                continue
            members = index.leaf_members.get(other)
            if members is None or members.size == 0:
                continue
            out[members] = np.maximum(out[members], getattr(weights, level) * w * factor)
            if level == "same_leaf":
                same[members] += w
    out += weights.extra_same_leaf * factor * np.maximum(same - 1.0, 0.0)


def _feature_part(index: _Index, profile: _Profile, kind: str, out: np.ndarray, weights: Weights) -> None:
    wanted = profile.features[kind]
    if not wanted:
        return
    vocab = index.vocab[kind]
    unit = getattr(weights, kind)
    for fid, w in wanted.items():
        out[vocab.members[fid]] += unit * vocab.idf[fid] * w
    if kind == "model":
        # Papers that have a wanted model already scored; the rest get the family's members at model_family.
        family = np.zeros(index.size)
        for fam, w in _family_weights(vocab, wanted).items():
            papers, rarity = _family_members(vocab, fam)
            family += unit * weights.model_family * w * np.bincount(papers, weights=rarity, minlength=index.size)
        out += np.where(out > 0, 0.0, family)
    np.minimum(out, getattr(weights, f"{kind}_cap"), out=out)


def _family_members(vocab: _Vocabulary, fam: str) -> tuple[np.ndarray, np.ndarray]:
    """(paper positions, rarity of the model there) for every model of a family, computed once per family."""
    cached = vocab.family_cache.get(fam)
    if cached is None:
        fids = vocab.family_ids.get(fam, [])
        papers = [vocab.members[fid] for fid in fids]
        rarity = [np.full(len(x), vocab.idf[fid]) for fid, x in zip(fids, papers)]
        cached = (np.concatenate(papers) if papers else np.zeros(0, dtype=np.int64),
                  np.concatenate(rarity) if rarity else np.zeros(0))
        vocab.family_cache[fam] = cached
    return cached


def _family_weights(vocab: _Vocabulary, wanted: dict[int, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for fid, w in wanted.items():
        fam = vocab.family[fid]
        if fam:
            out[fam] = max(out.get(fam, 0.0), w)
    return out


# --- reasons ------------------------------------------------------------------------------------------------------


def _reasons(index: _Index, profile: _Profile, i: int, components: dict[str, float], words: list[str],
             weights: Weights) -> list[str]:
    by_part: dict[str, list[str]] = {}
    if components.get("relation"):
        by_part["relation"] = _relation_reasons(index, profile, i)
    if components.get("taxonomy"):
        by_part["taxonomy"] = _taxonomy_reasons(index, profile, i, weights)
    if components.get("text") and words:
        shown = ", ".join(f'"{w}"' for w in words[:6]) + (f" (+{len(words) - 6} more)" if len(words) > 6 else "")
        by_part["text"] = [f"text match: {shown}"]
    for kind in _FEATURE_KINDS:
        if components.get(kind, 0) >= weights.min_reason or (components.get(kind) and not by_part):
            by_part[kind] = _feature_reasons(index, profile, kind, i)
    order = sorted(by_part, key=lambda name: (-components.get(name, 0), COMPONENTS.index(name)))
    return [reason for name in order for reason in by_part[name]]


def _relation_reasons(index: _Index, profile: _Profile, i: int) -> list[str]:
    out = []
    for s in profile.seeds:
        for t, kind in index.out_links.get(s, ()):
            if t == i:
                out.append(f"{_RELATION_VERBS.get(kind, (kind, kind + ' (by)'))[1]}: {index.keys[s]}")
        for t, kind in index.in_links.get(s, ()):
            if t == i:
                out.append(f"{_RELATION_VERBS.get(kind, (kind, kind))[0]}: {index.keys[s]}")
    return out


def _taxonomy_reasons(index: _Index, profile: _Profile, i: int, weights: Weights) -> list[str]:
    mine = index.paper_leaves[i]
    same = sorted((leaf for leaf in mine if leaf in profile.leaves),
                  key=lambda leaf: (-profile.leaves[leaf], index.leaves.index(leaf)))
    if same:
        names = [(index.node_names[leaf], profile.leaf_counts.get(leaf, 1)) for leaf in same]
        if profile.inferred_leaves:
            return [f"same leaf as the best text matches: {_listing(names)}"]
        if profile.many:
            return [_with_counts("same leaf as", names)]
        return [f"same leaf: {_listing(names)}"]
    best, best_value = None, 0.0
    for leaf in mine:
        for query_leaf, w in profile.leaves.items():
            level = index.proximity(query_leaf, leaf)
            value = getattr(weights, level) * w if level else 0.0
            if value > best_value:
                best, best_value = (level, leaf), value
    if best is None:
        return []
    level, leaf = best
    if level == "sibling_leaf":
        return [f"sibling leaf: {index.node_names[leaf]}"]
    return [f"same perspective: {index.node_names[index.root(leaf)]}"]


_FEATURE_LABELS = {  # kind -> (one seed, several seeds, named in free text)
    "model": ("shares model", "shares model with", "model named in your text"),
    "technique": ("shares technique", "shares technique with", "technique named in your text"),
    "modality": ("shares modality", "shares modality with", "modality named in your text"),
    "author": ("shared author", "shared author with", "author named in your text"),
}


def _feature_reasons(index: _Index, profile: _Profile, kind: str, i: int) -> list[str]:
    vocab = index.vocab[kind]
    wanted = profile.features[kind]
    mine = vocab.by_paper[i]
    shared = sorted((fid for fid in mine if fid in wanted), key=lambda f: (-vocab.idf[f] * wanted[f], vocab.names[f]))
    one, many, named = _FEATURE_LABELS[kind]
    if shared:
        names = [(vocab.names[fid], profile.feature_counts[kind].get(fid, 1)) for fid in shared]
        if profile.from_text:
            return [f"{named}: {_listing(names)}"]
        if profile.many:
            return [_with_counts(many, names)]
        return [f"{one}: {_listing(names)}"]
    if kind == "model":
        families = _family_weights(vocab, wanted)
        related = [(vocab.names[fid], 1) for fid in mine if vocab.family[fid] in families]
        if related:
            return [f"same model family: {_listing(related)}"]
    return []


def _listing(names: list[tuple[str, int]], limit: int = 4, counts: bool = False) -> str:
    """'A, B, C' (with '(n)' after each name when ``counts``), '+N more' past ``limit``."""
    shown = [f"{name} ({n})" if counts else name for name, n in names[:limit]]
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(shown) + more


def _with_counts(label: str, names: list[tuple[str, int]]) -> str:
    """'same leaf as 3 of your papers: Visual Token', or with counts per name when there are several."""
    if len(names) == 1:
        name, n = names[0]
        return f"{label} {n} of your papers: {name}"
    return f"{label} your papers: {_listing(names, counts=True)}"


# --- filters, details, helpers ---------------------------------------------------------------------------------


def _check_k(k) -> tuple[int, list[str]]:
    try:
        value = int(k)
    except (TypeError, ValueError):
        raise RelatedInputError(f"k must be a whole number of papers, got '{_printable(str(k))[:40]}'") from None
    if value < 1:
        raise RelatedInputError(f"k must be at least 1 (got {value}): ask for 1 to {MAX_K} papers")
    if value > MAX_K:
        return MAX_K, [f"k={value} is more than {MAX_K}; showing the best {MAX_K}"]
    return value, []


def resolve_category(index: _Index, category: str) -> str:
    """A taxonomy node id from its id or its name (any case); RelatedInputError naming the known ones."""
    wanted = str(category).strip().strip("/")
    if wanted in index.node_names:
        return wanted
    lowered = wanted.casefold()
    for node_id, name in index.node_names.items():
        if node_id.casefold() == lowered or name.casefold() == lowered:
            return node_id
    known = ", ".join(index.node_names)
    raise RelatedInputError(f"unknown taxonomy node '{_printable(wanted)[:80]}': use one of {known}")


def _filter_mask(index: _Index, filters: Filters) -> np.ndarray:
    mask = np.ones(index.size, dtype=bool)
    if filters.category:
        node = resolve_category(index, filters.category)
        inside = np.zeros(index.size, dtype=bool)
        for leaf in index.leaves_under(node):
            inside[index.leaf_members.get(leaf, np.zeros(0, dtype=np.int64))] = True
        mask &= inside
    year_from, year_to = _year(filters.year_from, "year from"), _year(filters.year_to, "year to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise RelatedInputError(f"the year range {year_from}-{year_to} is empty: the first year must not be after the last")
    if year_from is not None:
        mask &= index.years >= year_from
    if year_to is not None:
        mask &= (index.years <= year_to) & (index.years >= 0)
    if filters.has_code:
        mask &= index.has_code
    return mask


def _year(value, label: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise RelatedInputError(f"{label} must be a year such as 2023, got '{_printable(str(value))[:40]}'") from None
    if not 1000 <= year <= 9999:
        raise RelatedInputError(f"{label} must be a four-digit year such as 2023, got {year}")
    return year


_DETAILS = select(m.Paper.key, m.Paper.venue, m.Paper.url, m.Paper.code_url).where(
    m.Paper.key.in_(bindparam("keys", expanding=True)))
_SEED_TEXT = select(m.Paper.key, m.Paper.title, m.Paper.summary).where(
    m.Paper.key.in_(bindparam("keys", expanding=True))).order_by(m.Paper.key)


def _paper_details(session: Session, index: _Index, top: list[int]) -> dict[int, dict]:
    """What a result shows about each paper: from the index, plus venue and links from the database."""
    rows = {row.key: row for row in session.connection().execute(_DETAILS, {"keys": [index.keys[i] for i in top]})}
    authors = index.vocab["author"]
    out = {}
    for i in top:
        key = index.keys[i]
        row = rows.get(key)
        out[i] = {"key": key, "title": index.titles[i], "year": int(index.years[i]) if index.years[i] >= 0 else None,
                  "authors": [authors.names[fid] for fid in authors.by_paper[i]],
                  "venue": row.venue if row else None, "url": row.url if row else None,
                  "code_url": row.code_url if row else None, "categories": sorted(index.paper_leaves[i])}
    return out


def _close_keys(index: _Index, wanted: str, limit: int = 3) -> list[str]:
    if not wanted:
        return []
    import difflib

    pool = [k for k in index.keys if k[:3] == wanted[:3]] or index.keys[:20_000]
    return difflib.get_close_matches(wanted, pool, n=limit, cutoff=0.75)


def _printable(text: str) -> str:
    """Text safe to print on any terminal: lone surrogates and control characters replaced."""
    cleaned = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(ch if ch.isprintable() else "?" for ch in cleaned)


def weight_table(weights: Weights = WEIGHTS) -> list[dict]:
    """The weights as rows (name, value), for documentation and the website."""
    return [{"weight": f.name, "value": getattr(weights, f.name)} for f in fields(weights)]


# --- output formats (CLI and downloads) ---------------------------------------------------------------------------

FORMATS = ("table", "json", "bibtex")


def to_json(result: RelatedResult) -> str:
    """An array of papers: key, title, year, authors, ..., score, reasons (list of strings), components."""
    import json

    return json.dumps([p.as_dict() for p in result.papers], ensure_ascii=False, indent=2) + "\n"


def to_table(result: RelatedResult, width: int = 100) -> str:
    """Rank, score, year, key and title on one line, then one indented line per reason."""
    if not result.papers:
        return ""
    key_width = max(len(p.key) for p in result.papers)
    lines = [f"{'#':>3}  {'score':>6}  {'year':4}  {'key':<{key_width}}  title"]
    for rank, paper in enumerate(result.papers, start=1):
        head = f"{rank:>3}  {paper.score:>6.2f}  {paper.year or '':<4}  {paper.key:<{key_width}}  "
        title = paper.title if len(head) + len(paper.title) <= width else paper.title[:max(width - len(head) - 1, 20)] + "…"
        lines.append(head + title)
        lines.extend(" " * 15 + "- " + reason for reason in paper.reasons)
    return "\n".join(lines) + "\n"


def render(session: Session, result: RelatedResult, fmt: str) -> str:
    """The result in one of FORMATS."""
    if fmt == "json":
        return to_json(result)
    if fmt == "bibtex":
        return bibtex_for(session, result)
    if fmt == "table":
        return to_table(result)
    raise RelatedInputError(f"unknown format '{_printable(str(fmt))[:20]}': use one of {', '.join(FORMATS)}")


def input_summary(result: RelatedResult) -> list[str]:
    """What the query was made of, for a human reading the output (the .bib entries recognised, the seeds)."""
    if result.kind != "bib":
        return []
    total = len(result.matched) + len(result.unmatched)
    if not result.matched:
        return [f"none of the {total} entries is in the atlas"] if total else []
    shown = ", ".join(f"{x.bib_key} = {x.key} ({x.by})" if x.bib_key != x.key else f"{x.key} ({x.by})"
                      for x in result.matched[:10])
    more = f" and {len(result.matched) - 10} more" if len(result.matched) > 10 else ""
    return [f"{len(result.matched)} of {total} entries are in the atlas and left out of the results: {shown}{more}"]

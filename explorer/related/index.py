"""The in-memory index: the features of every paper as compact arrays, read once per database build."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from explorer import fts
from explorer.related.names import model_family, model_key, technique_key
from ingest import models as m
from ingest.identifiers import normalise_title


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
class FeatureTable:
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
class Index:
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
    vocab: dict[str, FeatureTable]
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


_index_cache: dict[tuple, Index] = {}
_index_lock = threading.Lock()


def load_index(session: Session) -> Index:
    """The features of every paper, read once per database build and kept in memory."""
    conn = session.connection()
    info = conn.execute(select(m.BuildInfo.source_hash, m.BuildInfo.built_at).where(m.BuildInfo.id == 1)).first()
    stamp = (str(conn.engine.url), tuple(info) if info else None)
    with _index_lock:
        cached = _index_cache.get(stamp)
        if cached is None:
            cached = build_index(session, session.connection())
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


def build_index(session: Session, conn) -> Index:
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
    cat_pos = positions(position, [c[0] for c in categories])
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
                             dict(_fetch(conn, select(m.Model.id, m.Model.name))), model_key, model_family),
        "technique": _vocabulary(position, _fetch(conn, select(pt.paper_key, pt.technique_id)),
                                 dict(_fetch(conn, select(m.Technique.id, m.Technique.name))), technique_key),
        "modality": _vocabulary(position, _fetch(conn, select(pmod.paper_key, pmod.modality)),
                                {name: name for (name,) in _fetch(conn, select(m.Modality.name))}, model_key),
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
    return Index(
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


def _vocabulary(position: dict[str, int], links, names: dict, normalise, family=None) -> FeatureTable:
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
    pos = positions(position, link_keys)
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
    return FeatureTable(
        names=[display[norm] for norm in ordered], members=_Rows(fid_ptr, pos[by_fid_order]),
        by_paper=_Rows(paper_ptr, fids[by_paper_order]), idf=idf, by_name=fid_of_norm, family=families,
        family_ids=family_ids, max_words=max((len(norm.split()) for norm in ordered), default=0),
    )


def positions(position: dict[str, int], keys: list[str]) -> np.ndarray:
    """Paper positions of many keys at once (-1 for a key that is not a paper)."""
    if not keys:
        return np.zeros(0, dtype=np.int64)
    get = position.get
    return np.fromiter((get(k, -1) for k in keys), dtype=np.int64, count=len(keys))


def family_members(vocab: FeatureTable, fam: str) -> tuple[np.ndarray, np.ndarray]:
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


def family_weights(vocab: FeatureTable, wanted: dict[int, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for fid, w in wanted.items():
        fam = vocab.family[fid]
        if fam:
            out[fam] = max(out.get(fam, 0.0), w)
    return out

"""The index of related work: every paper's features and words as compact arrays.

``index_from`` computes it from the knowledge base's rows (``Tables``): ``ingest.load`` passes the rows it has
just written and stores the result in the database as parts (``index_parts``: table ``related_index``, one row
per array), so that ``load_index`` only has to read those rows: the first query against 100,000 papers costs a
fraction of a second instead of re-reading every paper. A database without the parts (built by an older atlas)
is indexed from its tables (``build_index``: ``read_tables``, then ``index_from``).
Lookups derived from the stored arrays (keys to positions, DOIs, titles, links) are computed on first use.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from explorer.related import store
from explorer.related.concepts import Concepts
from explorer.related.concepts import from_parts as concepts_from_parts
from explorer.related.concepts import to_parts as concepts_to_parts
from explorer.related.parts import FORMAT, Tables, array_part, index_parts
from explorer.related.textindex import TextIndex
from explorer.related.weights import FEATURE_KINDS
from ingest.identifiers import normalise_title


class Ragged:
    """Rows of different lengths: ``table[i]`` is the slice of ``values`` for row ``i`` (CSR layout)."""

    __slots__ = ("ptr", "values")

    def __init__(self, ptr: np.ndarray, values: np.ndarray):
        self.ptr, self.values = ptr, values

    def __getitem__(self, i) -> np.ndarray:
        return self.values[self.ptr[i] : self.ptr[i + 1]]

    def __len__(self) -> int:
        return len(self.ptr) - 1


class PaperLeaves:
    """The leaves of one paper at a time, from the stored rows: building them for 100,000 papers up front would
    cost more than a whole query."""

    __slots__ = ("rows", "names")

    def __init__(self, rows: Ragged, names: list[str]):
        self.rows, self.names = rows, names

    def __getitem__(self, i) -> tuple[str, ...]:
        return tuple(self.names[c] for c in self.rows[i].tolist())

    def __len__(self) -> int:
        return len(self.rows)


class JsonList:
    """A list stored as JSON, decoded on first use (titles, DOIs and arXiv ids: a text query needs none of them)."""

    __slots__ = ("_data", "_items")

    def __init__(self, data: bytes):
        self._data = data
        self._items: list | None = None

    @property
    def items(self) -> list:
        if self._items is None:
            self._items = json.loads(self._data)
        return self._items

    def __getitem__(self, i):
        return self.items[i]

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class FeatureTable:
    """One kind of feature (models, techniques, modalities or authors) as sets of paper positions."""

    names: list[str]  # feature id -> display name
    norms: list[str]  # feature id -> normalised name (sorted: feature ids follow it)
    members: Ragged  # feature id -> paper positions
    by_paper: Ragged  # paper position -> feature ids (authors in author order)
    idf: np.ndarray
    family: list[str | None]  # feature id -> family (models only)
    aliases: dict[str, int] = field(default_factory=dict)  # normalised other name (vocabulary alias) -> feature id
    family_cache: dict = field(default_factory=dict)  # family -> (paper positions, rarities), filled on use

    @cached_property
    def by_name(self) -> dict[str, int]:
        return {norm: fid for fid, norm in enumerate(self.norms)}

    @cached_property
    def family_ids(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for fid, fam in enumerate(self.family):
            if fam:
                out.setdefault(fam, []).append(fid)
        return out

    @cached_property
    def names_and_aliases(self) -> dict[str, int]:
        """Normalised name or alias -> feature id: how a question may name a feature (a name wins over an alias)."""
        return {**self.aliases, **self.by_name}

    @cached_property
    def max_words(self) -> int:
        """The longest normalised name or alias, in words (for finding names in text)."""
        return max((len(norm.split()) for norm in self.names_and_aliases), default=0)


@dataclass
class Index:
    keys: list[str]  # sorted, so a paper's position is also its tie-break order
    years: np.ndarray  # -1 for no year
    has_code: np.ndarray
    dois: list[str | None] | JsonList
    arxiv_ids: list[str | None] | JsonList
    titles: list[str] | JsonList  # display titles
    nodes: list[tuple[str, str, str | None, bool]]  # taxonomy: (id, name, parent id, is leaf), in display order
    categories: list[str]  # node id of each category number used in ``paper_categories``
    paper_categories: Ragged  # paper position -> category numbers, ascending node id
    vocab: dict[str, FeatureTable]
    links: tuple[np.ndarray, np.ndarray, np.ndarray]  # (source, target, kind number) of every typed link
    link_kinds: list[str]
    text: TextIndex  # every paper's words
    concepts: Concepts  # named things a question may describe (explorer.related.concepts)

    @property
    def size(self) -> int:
        return len(self.keys)

    @cached_property
    def position(self) -> dict[str, int]:
        return {key: i for i, key in enumerate(self.keys)}

    @cached_property
    def position_lower(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i, key in enumerate(self.keys):
            out.setdefault(key.lower(), i)
        return out

    @cached_property
    def by_doi(self) -> dict[str, int]:
        return {d.lower(): i for i, d in enumerate(self.dois) if d}

    @cached_property
    def by_arxiv(self) -> dict[str, int]:
        return {a.lower(): i for i, a in enumerate(self.arxiv_ids) if a}

    @cached_property
    def by_title(self) -> dict[str, int]:
        """Normalised title -> paper position, for matching .bib entries."""
        table: dict[str, int] = {}
        for i, title in enumerate(self.titles):
            table.setdefault(normalise_title(title or ""), i)
        table.pop("", None)
        return table

    @cached_property
    def node_names(self) -> dict[str, str]:
        return {node_id: name for node_id, name, _, _ in self.nodes}

    @cached_property
    def node_parent(self) -> dict[str, str | None]:
        return {node_id: parent for node_id, _, parent, _ in self.nodes}

    @cached_property
    def leaves(self) -> list[str]:
        return [node_id for node_id, _, _, is_leaf in self.nodes if is_leaf]

    @cached_property
    def paper_leaves(self) -> PaperLeaves:
        """``paper_leaves[i]``: the node ids paper i is filed under, ascending (computed per paper when asked)."""
        return PaperLeaves(self.paper_categories, self.categories)

    @cached_property
    def leaf_members(self) -> dict[str, np.ndarray]:
        counts = np.diff(self.paper_categories.ptr)
        owners = np.repeat(np.arange(self.size, dtype=np.int64), counts)
        values = self.paper_categories.values
        out = {leaf: np.zeros(0, dtype=np.int64) for leaf in self.leaves}
        for c, node_id in enumerate(self.categories):
            out[node_id] = owners[values == c]
        return out

    @cached_property
    def out_links(self) -> dict[int, list[tuple[int, str]]]:
        return self._links_by(0)

    @cached_property
    def in_links(self) -> dict[int, list[tuple[int, str]]]:
        return self._links_by(1)

    def _links_by(self, side: int) -> dict[int, list[tuple[int, str]]]:
        source, target, kind = (a.tolist() for a in self.links)
        ends = (source, target) if side == 0 else (target, source)
        out: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for a, b, k in zip(*ends, kind, strict=True):
            out[a].append((b, self.link_kinds[k]))
        return dict(out)

    def root(self, node_id: str) -> str:
        parent = self.node_parent.get(node_id)
        while parent:
            node_id, parent = parent, self.node_parent.get(parent)
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


# --- reading: the stored parts when there are, the tables otherwise ------------------------------------------------

_index_cache: dict[tuple, Index] = {}
_index_lock = threading.Lock()


def load_index(source) -> Index:
    """The index of the database behind ``source`` (a SQLAlchemy session or a sqlite3 connection), read once
    per database build and kept in memory."""
    conn = store.dbapi(source)
    stamp = store.build_stamp(conn)
    with _index_lock:
        cached = _index_cache.get(stamp)
        if cached is None:
            parts = store.stored_parts(conn)
            cached = from_parts(parts) if parts.get("format") == FORMAT else _index_from_tables(source)
            if len(_index_cache) >= 4:
                _index_cache.pop(next(iter(_index_cache)))
            _index_cache[stamp] = cached
    return cached


def _index_from_tables(source) -> Index:
    """A database built before the parts were stored (or with parts of another format): index its tables."""
    if hasattr(source, "connection"):  # a SQLAlchemy session or connection
        return build_index(source.connection() if callable(source.connection) else source)
    from sqlalchemy import create_engine  # a bare sqlite3 connection: SQLAlchemy reads the tables through it

    with create_engine("sqlite://", creator=lambda: source).connect() as conn:
        return build_index(conn)


def _fetch(conn, statement) -> list[tuple]:
    """All rows of a SELECT as plain tuples: SQLAlchemy writes the SQL, the DB-API cursor fetches it
    (SQLAlchemy's per-row objects would cost more than the query on a million link rows)."""
    sql_text = str(statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    return store.rows(store.dbapi(conn), sql_text)


def build_index(conn) -> Index:
    """The index computed from the knowledge base's tables (``conn``: a SQLAlchemy connection)."""
    return index_from(read_tables(conn))


def read_tables(conn) -> Tables:
    """The rows the index needs, read from the knowledge base behind ``conn`` (a SQLAlchemy connection)."""
    from sqlalchemy import inspect, select  # the build side only: a query reads the stored parts (store)

    from kb import schema as m

    pm, pt, pmod = m.paper_models.c, m.paper_techniques.c, m.paper_modalities.c
    # A database built before methods kept their description (INGEST_VERSION < 4) has names only.
    has_description = any(c["name"] == "description" for c in inspect(conn).get_columns(m.Method.__tablename__))
    return Tables(
        papers=_fetch(
            conn,
            select(
                m.Paper.key,
                m.Paper.year,
                m.Paper.code_url,
                m.Paper.doi,
                m.Paper.arxiv_id,
                m.Paper.title,
                m.Paper.summary,
            ).order_by(m.Paper.key),
        ),
        nodes=[
            tuple(n)
            for n in _fetch(
                conn,
                select(
                    m.TaxonomyNode.id, m.TaxonomyNode.name, m.TaxonomyNode.parent_id, m.TaxonomyNode.is_leaf
                ).order_by(m.TaxonomyNode.position),
            )
        ],
        categories=_fetch(
            conn,
            select(m.PaperCategory.paper_key, m.PaperCategory.node_id, m.PaperCategory.why).order_by(
                m.PaperCategory.paper_key, m.PaperCategory.node_id
            ),
        ),
        model_links=_fetch(conn, select(pm.paper_key, pm.model_id)),
        model_names=dict(_fetch(conn, select(m.Model.id, m.Model.name))),
        technique_links=_fetch(conn, select(pt.paper_key, pt.technique_id)),
        technique_names=dict(_fetch(conn, select(m.Technique.id, m.Technique.name))),
        modality_links=_fetch(conn, select(pmod.paper_key, pmod.modality)),
        modalities=[name for (name,) in _fetch(conn, select(m.Modality.name))],
        author_links=_fetch(
            conn,
            select(m.PaperAuthor.paper_key, m.PaperAuthor.author_id).order_by(
                m.PaperAuthor.paper_key, m.PaperAuthor.position
            ),
        ),
        author_names={
            i: (name, key) for i, name, key in _fetch(conn, select(m.Author.id, m.Author.name, m.Author.name_key))
        },
        model_aliases=_fetch(conn, select(m.Model.name, m.Model.aliases)),
        technique_aliases=_fetch(conn, select(m.Technique.name, m.Technique.aliases)),
        relations=_fetch(
            conn,
            select(m.Relation.source_key, m.Relation.target_key, m.Relation.type).order_by(
                m.Relation.source_key, m.Relation.target_key, m.Relation.type
            ),
        ),
        methods=_fetch(
            conn,
            select(m.Method.id, m.Method.name, m.Method.description if has_description else m.Method.name).order_by(
                m.Method.id
            ),
        ),
        method_links=_fetch(conn, select(m.paper_methods.c.paper_key, m.paper_methods.c.method_id)),
    )


def index_from(tables: Tables) -> Index:
    """The index computed from the rows of the knowledge base (through its stored form: one way to compute it)."""
    return from_parts(index_parts(tables))


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
        rarity = [np.full(len(x), vocab.idf[fid]) for fid, x in zip(fids, papers, strict=True)]
        cached = (
            np.concatenate(papers) if papers else np.zeros(0, dtype=np.int64),
            np.concatenate(rarity) if rarity else np.zeros(0),
        )
        vocab.family_cache[fam] = cached
    return cached


def family_weights(vocab: FeatureTable, wanted: dict[int, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for fid, w in wanted.items():
        fam = vocab.family[fid]
        if fam:
            out[fam] = max(out.get(fam, 0.0), w)
    return out


# --- storing: the index as named byte strings ------------------------------------------------------------------


def to_parts(index: Index) -> dict[str, bytes]:
    """Named byte strings: JSON for lists of names (parts ending in .json), raw arrays for the rest."""
    parts: dict[str, object] = {
        "papers.json": {
            "keys": index.keys,
            "nodes": index.nodes,
            "categories": index.categories,
            "link_kinds": index.link_kinds,
        },
        "titles.json": list(index.titles),
        "dois.json": list(index.dois),
        "arxiv_ids.json": list(index.arxiv_ids),
        "years": index.years,
        "has_code": index.has_code,
        "categories.ptr": index.paper_categories.ptr,
        "categories.values": index.paper_categories.values,
        "links.source": index.links[0],
        "links.target": index.links[1],
        "links.kind": index.links[2],
        **index.text.arrays("text"),
        **concepts_to_parts(index.concepts, "concepts"),
    }
    for kind, table in index.vocab.items():
        parts.update(
            {
                f"{kind}.json": {
                    "names": table.names,
                    "norms": table.norms,
                    "family": table.family,
                    "aliases": table.aliases,
                },
                f"{kind}.members.ptr": table.members.ptr,
                f"{kind}.members.values": table.members.values,
                f"{kind}.by_paper.ptr": table.by_paper.ptr,
                f"{kind}.by_paper.values": table.by_paper.values,
                f"{kind}.idf": table.idf,
            }
        )
    out = {"format": FORMAT}
    for name, value in parts.items():
        if isinstance(value, np.ndarray):
            out[name] = _array_bytes(value)
        else:
            out[name] = value if isinstance(value, bytes) else _json(value)
    return out


def from_parts(parts: dict[str, bytes]) -> Index:
    arrays = {
        name: _bytes_array(data) for name, data in parts.items() if name != "format" and not name.endswith(".json")
    }
    papers = json.loads(parts["papers.json"])
    vocab = {}
    for kind in FEATURE_KINDS:
        meta = json.loads(parts[f"{kind}.json"])
        vocab[kind] = FeatureTable(
            names=meta["names"],
            norms=meta["norms"],
            family=meta["family"],
            aliases=meta.get("aliases", {}),
            idf=arrays[f"{kind}.idf"],
            members=Ragged(arrays[f"{kind}.members.ptr"], arrays[f"{kind}.members.values"]),
            by_paper=Ragged(arrays[f"{kind}.by_paper.ptr"], arrays[f"{kind}.by_paper.values"]),
        )
    return Index(
        keys=papers["keys"],
        years=arrays["years"],
        has_code=arrays["has_code"],
        dois=JsonList(parts["dois.json"]),
        arxiv_ids=JsonList(parts["arxiv_ids.json"]),
        titles=JsonList(parts["titles.json"]),
        nodes=[tuple(node) for node in papers["nodes"]],
        categories=papers["categories"],
        paper_categories=Ragged(arrays["categories.ptr"], arrays["categories.values"]),
        vocab=vocab,
        links=(arrays["links.source"], arrays["links.target"], arrays["links.kind"]),
        link_kinds=papers["link_kinds"],
        text=TextIndex.from_arrays(parts, arrays, "text"),
        concepts=concepts_from_parts(parts, arrays, "concepts"),
    )


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _array_bytes(array: np.ndarray) -> bytes:
    array = np.ascontiguousarray(array)
    return array_part(array.dtype.str, array.shape, array.tobytes())


def _bytes_array(data: bytes) -> np.ndarray:
    end = data.index(b"\n")
    header = json.loads(data[:end])
    return np.frombuffer(data, dtype=np.dtype(header["dtype"]), offset=end + 1).reshape(header["shape"])

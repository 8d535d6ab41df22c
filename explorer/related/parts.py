"""The related-work index computed from the knowledge base's rows, as the named byte strings the build stores (table
related_index) and a query reads (``explorer.related.index.from_parts``, with numpy).

Plain lists and ``array`` only: every `atlas build` runs this, and importing numpy alone would cost it about a
tenth of a CPU second, more than computing the index of a library of a thousand entries. The arrays are written as
``array_part`` lays them out (a one-line JSON header with numpy's dtype and shape, then the little-endian bytes).
"""

from __future__ import annotations

import json
import math
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from explorer import fts
from explorer.related.names import model_family, model_key, technique_key

FORMAT = b"related-index 4"  # bump when the parts change; older parts are then ignored and the tables read
MIN_PAPERS = 3  # a technique phrase becomes a concept when this many papers use it
MAX_PHRASE_WORDS = 3
MAX_EXAMPLE_PAPERS = 12  # papers whose text describes a concept (the first by key)
MAX_CONCEPTS = 2000  # the most used technique phrases, at most (bounds the build at 100,000 papers)
TEXT_FIELDS = ("title", "summary", "why", "technique", "models", "authors")  # a paper's, in the word index
CONCEPT_FIELDS = ("names", "definition", "papers")
_TYPECODES = {"<i8": "q", "<i4": "i", "|u1": "B", "|b1": "B", "<f4": "f", "<f8": "d"}  # numpy dtype -> array's


@dataclass
class Tables:
    """The knowledge base's rows the index is computed from, in the orders ``read_tables`` reads them. The build
    passes the rows it has just written (``ingest.load``) instead of reading them back from the file."""

    papers: list[tuple]  # (key, year, code_url, doi, arxiv_id, title, summary), by key
    nodes: list[tuple]  # (id, name, parent id, is leaf), in display order
    categories: list[tuple]  # (paper key, node id, why), by paper key, then node id
    model_links: list[tuple]  # (paper key, model id), in table order
    model_names: dict  # model id -> name
    technique_links: list[tuple]  # (paper key, technique id), in table order
    technique_names: dict  # technique id -> name
    modality_links: list[tuple]  # (paper key, modality), in table order
    modalities: list[str]
    author_links: list[tuple]  # (paper key, author id), by paper key, then position
    author_names: dict  # author id -> (name, name key)
    model_aliases: list[tuple]  # (name, aliases as a JSON list) of every model
    technique_aliases: list[tuple]  # (name, aliases as a JSON list) of every technique
    relations: list[tuple]  # (source key, target key, type), sorted
    methods: list[tuple]  # (id, name, description), by id
    method_links: list[tuple]  # (paper key, method id)


def array_part(dtype: str, shape: Sequence[int], data: bytes) -> bytes:
    """One stored array: a one-line JSON header (numpy's dtype string and the shape), a newline, the bytes."""
    header = json.dumps({"dtype": dtype, "shape": list(shape)}).encode("ascii")
    return header + b"\n" + data


def _part(dtype: str, values: Iterable, shape: Sequence[int] | None = None) -> bytes:
    typed = array(_TYPECODES[dtype], values)
    if sys.byteorder == "big":
        typed.byteswap()
    return array_part(dtype, [len(typed)] if shape is None else shape, typed.tobytes())


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class _Features:
    """One kind of feature as lists (``explorer.related.index.FeatureTable`` holds the same, as numpy arrays)."""

    names: list[str]
    norms: list[str]
    members: list[list[int]]  # feature id -> paper positions, ascending
    by_paper: list[list[int]]  # paper position -> feature ids, in link order
    idf: list[float]
    family: list[str | None]
    aliases: dict[str, int]

    def by_name(self) -> dict[str, int]:
        return {norm: fid for fid, norm in enumerate(self.norms)}

    def parts(self, kind: str) -> dict[str, bytes]:
        meta = {"names": self.names, "norms": self.norms, "family": self.family, "aliases": self.aliases}
        return {
            f"{kind}.json": _json(meta),
            **_ragged_parts(f"{kind}.members", self.members, "<i8"),
            **_ragged_parts(f"{kind}.by_paper", self.by_paper, "<i8"),
            f"{kind}.idf": _part("<f8", self.idf),
        }


def _ragged_parts(name: str, rows: list[list[int]], dtype: str) -> dict[str, bytes]:
    """Rows of different lengths in CSR layout: ``ptr`` (int64, one more than the rows) and ``values``."""
    ptr = [0]
    for row in rows:
        ptr.append(ptr[-1] + len(row))
    return {f"{name}.ptr": _part("<i8", ptr), f"{name}.values": _part(dtype, (v for row in rows for v in row))}


def index_parts(tables: Tables) -> dict[str, bytes]:
    """The index of the knowledge base's rows, as the parts ``ingest.load`` stores in table related_index."""
    rows = tables.papers
    keys, years, codes, dois, arxiv_ids, titles, summaries = (
        (list(column) for column in zip(*rows, strict=True)) if rows else ([],) * 7
    )
    position = {key: i for i, key in enumerate(keys)}
    size = len(keys)
    category_rows = tables.categories
    categories = list(dict.fromkeys([*(n[0] for n in tables.nodes if n[3]), *(c[1] for c in category_rows)]))
    number = {node_id: c for c, node_id in enumerate(categories)}
    paper_categories: list[list[int]] = [[] for _ in range(size)]
    for key, node_id, _ in category_rows:
        if key in position:
            paper_categories[position[key]].append(number[node_id])

    vocab = {
        "model": _features(position, tables.model_links, tables.model_names, model_key, model_family),
        "technique": _features(position, tables.technique_links, tables.technique_names, technique_key),
        "modality": _features(position, tables.modality_links, {name: name for name in tables.modalities}, model_key),
        "author": _features(position, tables.author_links, tables.author_names, None),
    }
    for kind, aliases, normalise in (
        ("model", tables.model_aliases, model_key),
        ("technique", tables.technique_aliases, technique_key),
    ):
        vocab[kind].aliases = _aliases(vocab[kind], aliases, normalise)

    link_rows = [
        (position[s], position[t], kind)
        for s, t, kind in tables.relations
        if s in position and t in position and s != t
    ]
    link_kinds = sorted({kind for _, _, kind in link_rows})
    kind_number = {kind: i for i, kind in enumerate(link_kinds)}

    fields = list(
        _paper_fields(
            position,
            titles,
            summaries,
            category_rows,
            ((tables.technique_links, tables.technique_names), (tables.model_links, tables.model_names)),
            tables.author_links,
            tables.author_names,
        )
    )
    parts = {
        "format": FORMAT,
        "papers.json": _json({"keys": keys, "nodes": tables.nodes, "categories": categories, "link_kinds": link_kinds}),
        "titles.json": _json(titles),
        "dois.json": _json(dois),
        "arxiv_ids.json": _json(arxiv_ids),
        "years": _part("<i4", (y if y is not None else -1 for y in years)),
        "has_code": _part("|b1", (bool(c) for c in codes)),
        **_ragged_parts("categories", paper_categories, "<i4"),
        "links.source": _part("<i4", (r[0] for r in link_rows)),
        "links.target": _part("<i4", (r[1] for r in link_rows)),
        "links.kind": _part("<i4", (kind_number[r[2]] for r in link_rows)),
        **text_index_parts("text", fields, size, len(TEXT_FIELDS)),
        **_concept_parts(_concept_sources(tables, vocab, position), fields),
    }
    for kind, table in vocab.items():
        parts.update(table.parts(kind))
    return parts


def _concept_sources(tables: Tables, vocab: dict[str, _Features], position: dict[str, int]) -> list[Source]:
    method_members: dict[str, list[int]] = defaultdict(list)
    for key, method_id in tables.method_links:
        if key in position:
            method_members[method_id].append(position[key])
    described = vocabulary_sources(lambda kind, names: _named_members(vocab, kind, names))
    techniques = vocab["technique"]
    # The vocabulary's techniques, with their definitions, make the technique phrases of the annotations redundant
    # (they would be the same names twice); the phrases stand in when there is no vocabulary to read.
    phrases = [] if described else technique_sources(techniques.names, techniques.members)
    return [*described, *method_sources(tables.methods, method_members), *phrases]


def _aliases(table: _Features, rows: list[tuple], normalise) -> dict[str, int]:
    """The vocabulary's other names of each feature (rows of name, aliases as a JSON list), normalised as the
    feature table normalises names; an alias two features share names neither."""
    by_name = table.by_name()
    out: dict[str, int] = {}
    ambiguous: set[str] = set()
    for name, stored in rows:
        fid = by_name.get(normalise(str(name)))
        if fid is None:
            continue
        for alias in json.loads(stored) if isinstance(stored, str) else stored or []:
            norm = normalise(str(alias))
            if norm and out.setdefault(norm, fid) != fid:
                ambiguous.add(norm)
    return {norm: fid for norm, fid in sorted(out.items()) if norm not in ambiguous}


def _named_members(vocab: dict[str, _Features], kind: str, names) -> list[int]:
    """Papers whose annotations name any of ``names`` (compared as the feature tables compare names)."""
    table = vocab[kind]
    by_name = table.by_name()
    normalise = technique_key if kind == "technique" else model_key
    out: set[int] = set()
    for name in names:
        fid = by_name.get(normalise(str(name)))
        if fid is not None:
            out.update(table.members[fid])
    return sorted(out)


def _paper_fields(
    position: dict[str, int], titles, summaries, category_rows, named_links, author_links, author_names
) -> Iterator[tuple[str, str, str, str, str, str]]:
    """Each paper's text, one string per field of the word index (title, summary, why, technique, models, authors)."""
    size = len(position)
    whys: list[list[str]] = [[] for _ in range(size)]
    for key, _, why in category_rows:
        whys[position[key]].append(why or "")
    named: list[list[list[str]]] = []
    for links, names in named_links:
        per_paper: list[list[str]] = [[] for _ in range(size)]
        for key, value in links:
            if key in position and value in names:
                per_paper[position[key]].append(names[value])
        named.append(per_paper)
    authors: list[list[str]] = [[] for _ in range(size)]
    for key, author_id in author_links:
        if key in position and author_id in author_names:
            authors[position[key]].append(author_names[author_id][0])
    for i in range(size):
        yield (
            titles[i] or "",
            summaries[i] or "",
            " ; ".join(whys[i]),
            " ; ".join(named[0][i]),
            " ; ".join(named[1][i]),
            " ; ".join(authors[i]),
        )


def rarity(papers: int, size: int) -> float:
    """How rare a feature that ``papers`` of the atlas's ``size`` papers have is: ln((N+1)/(df+1)) / ln(N+1), from 1
    (no paper has it) down to 0 (every paper has it)."""
    return math.log((size + 1) / (papers + 1)) / math.log(size + 1) if size else 0.0


def _features(position: dict[str, int], links, names: dict, normalise, family=None) -> _Features:
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
    n, count = len(position), len(ordered)
    by_paper: list[list[int]] = [[] for _ in range(n)]
    members: list[list[int]] = [[] for _ in range(count)]
    seen: set[tuple[int, int]] = set()
    for key, value in links:  # one row per (paper, feature), the first in link order
        pos, fid = position.get(key, -1), fid_of_value.get(value, -1)
        if pos < 0 or fid < 0 or (pos, fid) in seen:
            continue
        seen.add((pos, fid))
        by_paper[pos].append(fid)
        members[fid].append(pos)
    for papers in members:
        papers.sort()
    return _Features(
        names=[display[norm] for norm in ordered],
        norms=ordered,
        members=members,
        by_paper=by_paper,
        idf=[rarity(len(papers), n) for papers in members],
        family=[family(norm) if family else None for norm in ordered],
        aliases={},
    )


# --- the word index (explorer.related.textindex reads it) -----------------------------------------------------------


def text_index_parts(prefix: str, texts: Iterable[Sequence[str]], size: int, width: int) -> dict[str, bytes]:
    """The word index of ``size`` documents, from one tuple of ``width`` field texts per document: the sorted
    terms (JSON), and per term its postings (``ptr`` into ``docs``, ascending document) with the count of the term
    in each field (``tf``, at most 255), and every document's field lengths in words (``lengths``)."""
    postings: dict[str, list[int]] = {}  # term -> (place << 8) + its count there (at most 255), by place
    lengths = [0] * (size * width)
    place = -1  # document * width + field
    for fields in texts:
        for text in fields:
            place += 1
            if not text:
                continue
            words = fts.index_terms(text)
            if words:
                lengths[place] = len(words)
                at = place << 8
                for word, n in Counter(words).items():  # counted in C; one step per distinct word of a field
                    entry = at | (n if n < 255 else 255)
                    found = postings.get(word)
                    if found is None:
                        postings[word] = [entry]
                    else:
                        found.append(entry)
    terms = sorted(postings)
    ptr, docs = [0], array("i")
    tf = bytearray()
    for word in terms:  # by term, then document, then field: places were visited in that order
        last = -1
        for entry in postings[word]:
            doc, field_number = divmod(entry >> 8, width)
            if doc != last:
                last = doc
                docs.append(doc)
                tf.extend(bytes(width))
            tf[field_number - width] = entry & 255
        ptr.append(len(docs))
    return {
        f"{prefix}.terms.json": json.dumps(terms, ensure_ascii=False).encode("utf-8"),
        f"{prefix}.ptr": _part("<i8", ptr),
        f"{prefix}.docs": _part("<i4", docs),
        f"{prefix}.tf": array_part("|u1", [len(docs), width], bytes(tf)),
        f"{prefix}.lengths": _part("<f4", lengths, [size, width]),
    }


# --- concepts (explorer.related.concepts reads them) ----------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One concept before indexing."""

    label: str
    names: tuple[str, ...]
    definition: str
    papers: tuple[int, ...]  # positions of papers that exemplify it
    kind: str = ""  # the vocabulary kind of a vocabulary term (its papers then count as using it)


def _concept_parts(sources: list[Source], paper_texts: Sequence[tuple[str, ...]], prefix: str = "concepts") -> dict:
    """Index the concepts; a concept's ``papers`` field is the title, summary and whys of its example papers."""
    sources = sorted(sources, key=lambda s: s.label)
    docs = [
        (
            " ; ".join(s.names),
            s.definition,
            " ".join(" ".join(paper_texts[p][:3]) for p in s.papers[:MAX_EXAMPLE_PAPERS]),
        )
        for s in sources
    ]
    meta = {"labels": [s.label for s in sources], "names": [list(s.names) for s in sources]}
    return {
        f"{prefix}.json": json.dumps({**meta, "kinds": [s.kind for s in sources]}, ensure_ascii=False).encode("utf-8"),
        **text_index_parts(prefix, docs, len(docs), len(CONCEPT_FIELDS)),
    }


def technique_sources(technique_names: list[str], members: Sequence[Iterable[int]]) -> list[Source]:
    """Technique phrases shared by at least MIN_PAPERS papers: whole technique names, and runs of 2 to 3 words
    of them ("contrastive decoding" in "visual contrastive decoding"); single words of longer names are left
    out, as they rarely name a technique ("analysis", "visual")."""
    papers: dict[str, set[int]] = defaultdict(set)
    spelling: dict[str, str] = {}
    for name, positions in zip(technique_names, members, strict=True):
        words = fts.tokenize(name)
        for n in range(1, MAX_PHRASE_WORDS + 1):
            for start in range(len(words) - n + 1):
                if n == 1 and len(words) > 1:
                    continue
                phrase = words[start : start + n]
                if all(w in fts.STOP_WORDS or len(w) < 2 for w in phrase):
                    continue
                key = " ".join(fts.stem_word(w) for w in phrase)
                papers[key].update(positions)
                spelling[key] = min(spelling.get(key, " ".join(phrase)), " ".join(phrase))
    shared = [key for key, found in papers.items() if len(found) >= MIN_PAPERS]
    shared.sort(key=lambda key: (-len(papers[key]), key))
    return [
        Source(f"the technique “{spelling[key]}”", (spelling[key],), "", tuple(sorted(papers[key])))
        for key in shared[:MAX_CONCEPTS]
    ]


def method_sources(methods: list[tuple[str, str, str | None]], members: dict[str, list[int]]) -> list[Source]:
    """The methods catalogue: (id, name, description) with the papers that use each method."""
    return [
        Source(f"the method “{name}”", (name,), description or "", tuple(sorted(members.get(method_id, []))))
        for method_id, name, description in methods
    ]


def vocabulary_sources(feature_members: Callable[[str, tuple], list[int]]) -> list[Source]:
    """The atlas's vocabulary (issue 12), when its files exist: every technique, model family, model, modality and
    topic with its aliases, definition and narrower terms.
    ``feature_members(kind, names)`` gives the papers whose annotations name the term (a topic has none)."""
    try:
        from taxonomy.vocabulary import read_vocabulary  # the vocabulary's own loader; absent before it lands
    except ImportError:
        return []
    vocabulary, _ = read_vocabulary()
    if vocabulary is None:  # the files have problems: `atlas validate` reports them; rank without it
        return []
    out = []
    for kind in ("technique", "model", "modality", "topic"):
        terms = vocabulary.terms(kind)
        for term in terms.values():
            names = (term.name, *term.aliases, *(terms[t].name for t in vocabulary.narrower(kind, term.id)))
            # no annotation names a topic: its spellings find its papers (explorer.related.topics)
            papers = [] if kind == "topic" else feature_members(kind, (term.id, term.name, *term.aliases))
            out.append(
                Source(f"the {kind} “{term.name}”", tuple(dict.fromkeys(names)), described(term), tuple(papers), kind)
            )
    return out


def described(term) -> str:
    """A vocabulary term's description as a question may paraphrase it: its definition, its plain-language
    description and its informal phrasings (``plain`` and ``informal`` in taxonomy/vocabulary)."""
    parts = [term.definition or "", term.plain or "", *term.informal]
    return " ; ".join(part for part in parts if part)

"""Write a checked Dataset into a new SQLite file and move it into place atomically."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Callable

from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from ingest import kbfile
from ingest.identifiers import ascii_words
from ingest.keep_going import LeftOut
from ingest.validate import Dataset
from kb import schema as m
from kb.fts import FTS_COLUMNS, FTS_TABLE, FTS_TOKENIZER
from taxonomy import Taxonomy
from taxonomy.text import count
from taxonomy.vocabulary import Term, Vocabulary, load_vocabulary

INGEST_VERSION = 6  # bump when the schema or the meaning of a column changes: forces a rebuild

Progress = Callable[[str], None]

# json.dumps(value, ensure_ascii=False), without making a new encoder for each of the thousands of values
_json = json.JSONEncoder(ensure_ascii=False).encode


def write_database(
    dataset: Dataset,
    taxonomy: Taxonomy,
    db_path: Path,
    source_hash: str,
    progress: Progress = lambda message: None,
    left_out: LeftOut | None = None,
) -> dict:
    """Build the knowledge base at a temporary path next to ``db_path``, then rename it over.

    A reader never sees a half-built file, and if anything fails the previous file is left
    exactly as it was. Refuses (NotAKnowledgeBase) to replace a file that is not a knowledge
    base; a failed write (read-only folder, full disk) is a KnowledgeBaseWriteError.
    Returns the counts stored in the build-info row.
    """
    db_path = Path(db_path)
    kbfile.check_replaceable(db_path)
    tmp_path: Path | None = None
    try:
        kbfile.target_of(db_path).parent.mkdir(parents=True, exist_ok=True)
        tmp_path = kbfile.new_temp_file(db_path)
        engine = _build_engine(tmp_path)
        try:
            counts = _fill(engine, dataset, taxonomy, source_hash, progress, left_out)
        finally:
            engine.dispose()
        kbfile.replace_with(tmp_path, db_path)
    except (OSError, sqlite3.Error, DBAPIError) as exc:
        raise kbfile.write_error(db_path, exc) from None
    finally:
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)
    return counts


def _build_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _fast_unsafe_writes(dbapi_connection, _record):
        # Safe here: the file is private until renamed, and a crash only loses the temp file.
        cursor = dbapi_connection.cursor()
        # Rows of real libraries (the entry's BibTeX and its fields) are 2-3 KB: 4 KB pages hold one each and
        # leave a third of the file empty; 16 KB pages make a file a third smaller, which the build writes faster.
        cursor.execute("PRAGMA page_size=16384")
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA locking_mode=EXCLUSIVE")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: the whole file of a large library stays in memory
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _fill(
    engine: Engine, dataset: Dataset, taxonomy: Taxonomy, source_hash: str, progress: Progress, left_out: LeftOut | None
) -> dict:
    m.Base.metadata.create_all(engine, checkfirst=False)  # a new, empty file: no need to look for each table first
    rows = _Rows.from_dataset(dataset, taxonomy)
    progress(f"writing {count(len(rows.papers), 'paper')}")
    with engine.begin() as conn:
        _bulk_insert(conn, m.TaxonomyNode.__table__, rows.nodes)
        _bulk_insert(conn, m.Paper.__table__, rows.papers)
        for table, values in [*rows.vocabularies(), *rows.links()]:
            _bulk_insert(conn, table, values)
        if engine.dialect.name == "sqlite":
            _create_fts(conn, rows.fts)
        _store_related_index(conn, rows)
        counts = rows.counts(dataset, left_out)
        conn.execute(
            insert(m.BuildInfo),
            [
                {
                    "id": 1,
                    "source_hash": source_hash,
                    "ingest_version": INGEST_VERSION,
                    "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "counts": counts,
                    "warnings": [str(p) for p in dataset.warnings],
                    "errors": [str(p) for p in left_out.errors] if left_out else [],
                }
            ],
        )
    return counts


def _bulk_insert(conn, table, rows: list[dict]) -> None:
    """executemany of plain tuples: SQLAlchemy's per-row parameter processing would cost more than
    the inserts themselves on large bibliographies. JSON columns arrive already serialised."""
    if not rows:
        return
    statement = insert(table).compile(dialect=conn.dialect, column_keys=list(rows[0]))
    names = statement.positiontup  # parameter names in the order the SQL expects them
    if names is None:  # only a dialect with named parameters leaves it unset
        raise TypeError(f"bulk insert needs a dialect with positional parameters, not {conn.dialect.name}")
    as_tuple = itemgetter(*names)
    if len(names) == 1:
        conn.exec_driver_sql(str(statement), [(as_tuple(row),) for row in rows])
    else:
        conn.exec_driver_sql(str(statement), list(map(as_tuple, rows)))


def _create_fts(conn, fts_rows: list[dict]) -> None:
    """Full-text index over what people search for; SQLite-only, so kept apart. Its columns and words are
    those of related work's own word index (explorer.fts), so both find the same papers for a word."""
    columns = ("key", *FTS_COLUMNS)
    conn.execute(
        text(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(key UNINDEXED, {', '.join(FTS_COLUMNS)}, "
            f"tokenize = '{FTS_TOKENIZER}')"
        )
    )
    if fts_rows:
        conn.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            list(map(itemgetter(*columns), fts_rows)),
        )


def _model_row(term, kind: str | None, family_id: str | None, position: int) -> dict:
    return {
        "id": term.id,
        "name": term.name,
        "family_id": family_id,
        "kind": kind,
        "organisation": term.organisation,
        "year": term.year,
        "definition": term.definition,
        "homepage": term.homepage,
        "paper_key": term.paper,
        "source": term.source,
        "unconfirmed": json.dumps(list(term.unconfirmed)),
        "aliases": _json(list(term.aliases)),
        "position": position,
    }


def _technique_row(term, depth: int, position: int, method_ids: set[str]) -> dict:
    return {
        "id": term.id,
        "name": term.name,
        "definition": term.definition,
        "broader_id": term.broader,
        "method_id": term.method if term.method in method_ids else None,
        "depth": depth,
        "position": position,
        "aliases": _json(list(term.aliases)),
    }


def _store_related_index(conn, rows: _Rows) -> None:
    """The arrays related work ranks with, computed from the rows just written (not read back from the file), so
    that a query reads them instead of every paper. They are computed without numpy (explorer.related.parts; the
    read side, explorer.related.index, reads them with it); ingest stays the only writer of the file."""
    from explorer.related.parts import index_parts  # imported here: explorer imports ingest at module level

    parts = index_parts(rows.index_tables())
    _bulk_insert(conn, m.RelatedIndexPart.__table__, [{"name": name, "data": data} for name, data in parts.items()])


@lru_cache(maxsize=65536)
def author_name_key(name: str) -> str:
    """Folded name that identifies a person across entries ('Jörg Müller' == 'Jorg Muller')."""
    return " ".join(ascii_words(name))


class _Rows:
    """Plain row dictionaries for bulk inserts, built once from the dataset."""

    def __init__(self) -> None:
        self.nodes: list[dict] = []
        self.papers: list[dict] = []
        self.fts: list[dict] = []
        self.authors: dict[str, dict] = {}
        self.paper_authors: list[dict] = []
        self.categories: list[dict] = []
        self.vocabulary_rows: list[tuple] = []  # (table, rows) of the controlled vocabulary
        self.labels: dict[str, dict[str, str]] = {}  # kind -> id -> display name
        self.models: set[str] = set()  # model ids some paper links to
        self.techniques: set[str] = set()
        self.domains: set[str] = set()
        self.methods: list[dict] = []
        self.link_rows: dict[str, list[dict]] = {
            "models": [],
            "modalities": [],
            "techniques": [],
            "methods": [],
            "domains": [],
        }
        self.relations: list[dict] = []

    @classmethod
    def from_dataset(cls, dataset: Dataset, taxonomy: Taxonomy) -> _Rows:
        rows = cls()
        for position, node in enumerate(taxonomy.walk()):
            rows.nodes.append(
                {
                    "id": node.id,
                    "name": node.name,
                    "parent_id": node.parent,
                    "description": node.description,
                    "survey_refs": node.survey_refs,
                    "depth": node.depth,
                    "position": position,
                    "is_leaf": node.is_leaf,
                }
            )
        rows.methods = [
            {"id": x["id"], "name": x["name"], "paper_key": x["paper_key"], "description": x.get("description")}
            for x in dataset.methods
        ]
        method_ids = {x["id"] for x in rows.methods}
        rows._add_vocabulary(dataset.vocabulary or load_vocabulary(), method_ids)
        for entry in dataset.entries:
            rows._add_paper(entry, dataset.annotations.get(entry.key), method_ids)
        return rows

    def _add_paper(self, entry, annotation, method_ids: set[str]) -> None:
        data = annotation.data if annotation is not None else {}
        authors = entry.authors
        self.papers.append(
            {
                "key": entry.key,
                "entry_type": entry.entry_type,
                "title": entry.title,
                "year": entry.year,
                "month": entry.month,
                "venue": entry.venue,
                "doi": entry.doi,
                "arxiv_id": entry.arxiv_id,
                "url": entry.url,
                "code_url": data.get("code"),
                "summary": data.get("summary"),
                "granularity": data.get("granularity"),
                "classified": annotation is not None,
                "added": data.get("added"),
                "bibtex": entry.raw,
                "fields": _json(entry.fields),
                "annotation": _json(data) if data else None,
                "source_path": entry.path,
                "source_line": entry.line,
            }
        )
        for position, name in enumerate(authors):
            author = self.authors.setdefault(author_name_key(name), {"id": len(self.authors) + 1, "name": name})
            self.paper_authors.append({"paper_key": entry.key, "position": position, "author_id": author["id"]})
        models, techniques = self._add_annotation(entry.key, data, method_ids) if data else ([], [])
        self.fts.append(
            {
                "key": entry.key,
                "title": entry.title,
                "summary": data.get("summary") or "",
                "why": " ; ".join(category["why"] for category in data.get("categories", [])),
                "technique": " ; ".join(self.labels["technique"][i] for i in techniques),
                "models": " ; ".join(self.labels["model"][i] for i in models),
                "authors": " ; ".join(authors),
            }
        )

    def _add_annotation(self, key: str, data: dict, method_ids: set[str]) -> tuple[list[str], list[str]]:
        """The link rows of an annotated paper; returns the model and technique ids it links to (the papers of an
        imported library have no annotation and skip this)."""
        for category in data.get("categories", []):
            self.categories.append({"paper_key": key, "node_id": category["id"], "why": category["why"]})
        models = self._known("model", data.get("models", []))
        techniques = self._known("technique", data.get("technique", []))
        self.models.update(models)
        self.techniques.update(techniques)
        self.link_rows["models"] += [{"paper_key": key, "model_id": i} for i in models]
        self.link_rows["techniques"] += [{"paper_key": key, "technique_id": i} for i in techniques]
        self.link_rows["modalities"] += [
            {"paper_key": key, "modality": i} for i in self._known("modality", data.get("modalities", []))
        ]
        for name in dict.fromkeys(data.get("domain", []) or []):
            self.domains.add(name)
            self.link_rows["domains"].append({"paper_key": key, "domain": name})
        for method in dict.fromkeys(data.get("methods", [])):
            if method in method_ids:
                self.link_rows["methods"].append({"paper_key": key, "method_id": method})
        for relation in data.get("relations", []):
            self.relations.append(
                {
                    "source_key": key,
                    "target_key": relation["key"],
                    "type": relation["type"],
                    "note": relation.get("note"),
                }
            )
        return models, techniques

    def _known(self, kind: str, ids) -> list[str]:
        """The ids that are vocabulary terms, once each (the checks report any other value)."""
        return [i for i in dict.fromkeys(ids if isinstance(ids, list) else []) if i in self.labels[kind]]

    def _add_vocabulary(self, vocabulary: Vocabulary, method_ids: set[str]) -> None:
        """Every term of the vocabulary, used or not, with the tables that let SQL expand a family
        (``models.family_id``) or a broader technique (``technique_ancestors``)."""
        self.labels = {
            kind: {i: t.name for i, t in vocabulary.terms(kind).items()} for kind in ("model", "technique", "modality")
        }
        families = [
            {
                "id": f.id,
                "name": f.name,
                "organisation": f.organisation,
                "definition": f.definition,
                "aliases": _json(list(f.aliases)),
                "position": i,
            }
            for i, f in enumerate(vocabulary.families.values())
        ]
        terms: list[tuple[Term, str | None, str | None]] = [(f, "family", f.id) for f in vocabulary.families.values()]
        # (a family is also a model row, so papers that name only a family link to it)
        terms += [(t, t.model_kind, t.broader) for t in vocabulary.models.values()]
        models = [_model_row(term, kind, family, i) for i, (term, kind, family) in enumerate(terms)]
        order = vocabulary.walk("technique")
        techniques = [
            _technique_row(vocabulary.techniques[i], depth, position, method_ids)
            for position, (i, depth) in enumerate(order)
        ]
        ancestors = [
            {"technique_id": i, "ancestor_id": a, "distance": d}
            for i, _ in order
            for d, a in enumerate([i, *vocabulary.ancestors("technique", i)])
        ]
        modalities = [
            {
                "name": t.id,
                "label": t.name,
                "definition": t.definition,
                "position": i,
                "aliases": _json(list(t.aliases)),
            }
            for i, t in enumerate(vocabulary.modalities.values())
        ]
        kinds = [{"id": k.id, "name": k.name, "definition": k.definition} for k in vocabulary.model_kinds.values()]
        self.vocabulary_rows = [
            (m.ModelKind.__table__, kinds),
            (m.ModelFamily.__table__, families),
            (m.Model.__table__, models),
            (m.Technique.__table__, techniques),
            (m.TechniqueAncestor.__table__, ancestors),
            (m.Modality.__table__, modalities),
        ]

    def vocabularies(self):
        yield m.Author.__table__, [{"id": a["id"], "name": a["name"], "name_key": k} for k, a in self.authors.items()]
        yield from self.vocabulary_rows
        yield m.Domain.__table__, [{"name": n} for n in sorted(self.domains)]
        yield m.Method.__table__, self.methods

    def links(self):
        yield m.PaperAuthor.__table__, self.paper_authors
        yield m.PaperCategory.__table__, self.categories
        yield m.paper_models, self.link_rows["models"]
        yield m.paper_techniques, self.link_rows["techniques"]
        yield m.paper_modalities, self.link_rows["modalities"]
        yield m.paper_domains, self.link_rows["domains"]
        yield m.paper_methods, self.link_rows["methods"]
        yield m.Relation.__table__, self.relations

    def index_tables(self):
        """The rows related work's index is computed from, as ``explorer.related.index.read_tables`` would read
        them from the written file: the same values (SQLite gives booleans back as 0 and 1) in the same orders."""
        from explorer.related.parts import Tables  # see _store_related_index

        written = dict(self.vocabulary_rows)
        models, techniques = written[m.Model.__table__], written[m.Technique.__table__]
        return Tables(
            papers=sorted(
                (
                    (p["key"], p["year"], p["code_url"], p["doi"], p["arxiv_id"], p["title"], p["summary"])
                    for p in self.papers
                ),
                key=itemgetter(0),
            ),
            nodes=[(n["id"], n["name"], n["parent_id"], int(n["is_leaf"])) for n in self.nodes],
            categories=sorted(
                ((c["paper_key"], c["node_id"], c["why"]) for c in self.categories), key=itemgetter(0, 1)
            ),
            model_links=[(r["paper_key"], r["model_id"]) for r in self.link_rows["models"]],
            model_names={r["id"]: r["name"] for r in models},
            technique_links=[(r["paper_key"], r["technique_id"]) for r in self.link_rows["techniques"]],
            technique_names={r["id"]: r["name"] for r in techniques},
            modality_links=[(r["paper_key"], r["modality"]) for r in self.link_rows["modalities"]],
            modalities=[r["name"] for r in written[m.Modality.__table__]],
            author_links=[
                (r["paper_key"], r["author_id"])
                for r in sorted(self.paper_authors, key=itemgetter("paper_key", "position"))
            ],
            author_names={a["id"]: (a["name"], key) for key, a in self.authors.items()},
            model_aliases=[(r["name"], r["aliases"]) for r in models],
            technique_aliases=[(r["name"], r["aliases"]) for r in techniques],
            relations=sorted((r["source_key"], r["target_key"], r["type"]) for r in self.relations),
            methods=sorted(((x["id"], x["name"], x["description"]) for x in self.methods), key=itemgetter(0)),
            method_links=[(r["paper_key"], r["method_id"]) for r in self.link_rows["methods"]],
        )

    def counts(self, dataset: Dataset, left_out: LeftOut | None = None) -> dict:
        return {
            "papers": len(self.papers),
            "classified": sum(1 for p in self.papers if p["classified"]),
            "unclassified": sum(1 for p in self.papers if not p["classified"]),
            "authors": len(self.authors),
            "models": len(self.models),
            "techniques": len(self.techniques),
            "relations": len(self.relations),
            "methods": len(self.methods),
            # papers + left_out + containers = the entries in the .bib files
            "left_out": left_out.count if left_out else 0,
            "containers": len(dataset.containers),
            "warnings": len(dataset.warnings),
            "errors": len(left_out.errors) if left_out else 0,
        }

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
from ingest import models as m
from ingest.keep_going import LeftOut
from ingest.validate import Dataset
from taxonomy import Taxonomy

INGEST_VERSION = 3  # bump when the schema or the meaning of a column changes: forces a rebuild

Progress = Callable[[str], None]


def write_database(dataset: Dataset, taxonomy: Taxonomy, db_path: Path, source_hash: str,
                   progress: Progress = lambda message: None, left_out: LeftOut | None = None) -> dict:
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
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA locking_mode=EXCLUSIVE")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: the whole file of a large library stays in memory
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _fill(engine: Engine, dataset: Dataset, taxonomy: Taxonomy, source_hash: str, progress: Progress,
          left_out: LeftOut | None) -> dict:
    m.Base.metadata.create_all(engine)
    rows = _Rows.from_dataset(dataset, taxonomy)
    progress(f"writing {len(rows.papers)} papers")
    with engine.begin() as conn:
        _bulk_insert(conn, m.TaxonomyNode.__table__, rows.nodes)
        _bulk_insert(conn, m.Paper.__table__, rows.papers)
        for table, values in [*rows.vocabularies(), *rows.links()]:
            _bulk_insert(conn, table, values)
        if engine.dialect.name == "sqlite":
            _create_fts(conn, rows.fts)
        counts = rows.counts(dataset, left_out)
        conn.execute(insert(m.BuildInfo), [{
            "id": 1,
            "source_hash": source_hash,
            "ingest_version": INGEST_VERSION,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "counts": counts,
            "warnings": [str(p) for p in dataset.warnings],
            "errors": [str(p) for p in left_out.errors] if left_out else [],
        }])
    return counts


def _bulk_insert(conn, table, rows: list[dict]) -> None:
    """executemany of plain tuples: SQLAlchemy's per-row parameter processing would cost more than
    the inserts themselves on large bibliographies. JSON columns arrive already serialised."""
    if not rows:
        return
    statement = insert(table).compile(dialect=conn.dialect, column_keys=list(rows[0]))
    as_tuple = itemgetter(*statement.positiontup)  # parameter names in the order the SQL expects them
    if len(statement.positiontup) == 1:
        conn.exec_driver_sql(str(statement), [(as_tuple(row),) for row in rows])
    else:
        conn.exec_driver_sql(str(statement), list(map(as_tuple, rows)))


def _create_fts(conn, fts_rows: list[dict]) -> None:
    """Full-text index over what people search for; SQLite-only, so kept apart."""
    conn.execute(text(
        "CREATE VIRTUAL TABLE papers_fts USING fts5("
        "key UNINDEXED, title, summary, technique, models, authors, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    ))
    if fts_rows:
        columns = ("key", "title", "summary", "technique", "models", "authors")
        conn.exec_driver_sql(f"INSERT INTO papers_fts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                             list(map(itemgetter(*columns), fts_rows)))


@lru_cache(maxsize=65536)
def author_name_key(name: str) -> str:
    """Folded name that identifies a person across entries ('Jörg Müller' == 'Jorg Muller')."""
    return " ".join(ascii_words(name))


class _Rows:
    """Plain row dictionaries for bulk inserts, built once from the dataset."""

    def __init__(self):
        self.nodes: list[dict] = []
        self.papers: list[dict] = []
        self.fts: list[dict] = []
        self.authors: dict[str, dict] = {}
        self.paper_authors: list[dict] = []
        self.categories: list[dict] = []
        self.models: dict[str, int] = {}
        self.techniques: dict[str, int] = {}
        self.modalities: set[str] = set()
        self.domains: set[str] = set()
        self.methods: list[dict] = []
        self.link_rows: dict[str, list[dict]] = {"models": [], "modalities": [], "techniques": [], "methods": [], "domains": []}
        self.relations: list[dict] = []

    @classmethod
    def from_dataset(cls, dataset: Dataset, taxonomy: Taxonomy) -> _Rows:
        rows = cls()
        for position, node in enumerate(taxonomy.walk()):
            rows.nodes.append({
                "id": node.id, "name": node.name, "parent_id": node.parent, "description": node.description,
                "survey_refs": node.survey_refs, "depth": node.depth, "position": position, "is_leaf": node.is_leaf,
            })
        rows.methods = [{"id": x["id"], "name": x["name"], "paper_key": x["paper_key"]} for x in dataset.methods]
        method_ids = {x["id"] for x in rows.methods}
        for entry in dataset.entries:
            rows._add_paper(entry, dataset.annotations.get(entry.key), method_ids)
        return rows

    def _add_paper(self, entry, annotation, method_ids: set[str]) -> None:
        data = annotation.data if annotation is not None else {}
        authors = entry.authors
        self.papers.append({
            "key": entry.key, "entry_type": entry.entry_type, "title": entry.title, "year": entry.year,
            "month": entry.month, "venue": entry.venue, "doi": entry.doi, "arxiv_id": entry.arxiv_id,
            "url": entry.url, "code_url": data.get("code"), "summary": data.get("summary"),
            "granularity": data.get("granularity"), "classified": annotation is not None, "added": data.get("added"),
            "bibtex": entry.raw, "fields": json.dumps(entry.fields, ensure_ascii=False),
            "annotation": json.dumps(data, ensure_ascii=False) if data else None,
            "source_path": entry.path, "source_line": entry.line,
        })
        for position, name in enumerate(authors):
            author = self.authors.setdefault(author_name_key(name), {"id": len(self.authors) + 1, "name": name})
            self.paper_authors.append({"paper_key": entry.key, "position": position, "author_id": author["id"]})
        for category in data.get("categories", []):
            self.categories.append({"paper_key": entry.key, "node_id": category["id"], "why": category["why"]})
        for name in dict.fromkeys(data.get("models", [])):
            model_id = self.models.setdefault(name, len(self.models) + 1)
            self.link_rows["models"].append({"paper_key": entry.key, "model_id": model_id})
        for name in dict.fromkeys(data.get("technique", [])):
            technique_id = self.techniques.setdefault(name, len(self.techniques) + 1)
            self.link_rows["techniques"].append({"paper_key": entry.key, "technique_id": technique_id})
        for name in dict.fromkeys(data.get("modalities", [])):
            self.modalities.add(name)
            self.link_rows["modalities"].append({"paper_key": entry.key, "modality": name})
        for name in dict.fromkeys(data.get("domain", []) or []):
            self.domains.add(name)
            self.link_rows["domains"].append({"paper_key": entry.key, "domain": name})
        for method in dict.fromkeys(data.get("methods", [])):
            if method in method_ids:
                self.link_rows["methods"].append({"paper_key": entry.key, "method_id": method})
        for relation in data.get("relations", []):
            self.relations.append({"source_key": entry.key, "target_key": relation["key"],
                                   "type": relation["type"], "note": relation.get("note")})
        self.fts.append({
            "key": entry.key, "title": entry.title, "summary": data.get("summary") or "",
            "technique": " ; ".join(data.get("technique", [])), "models": " ; ".join(data.get("models", [])),
            "authors": " ; ".join(authors),
        })

    def vocabularies(self):
        yield m.Author.__table__, [{"id": a["id"], "name": a["name"], "name_key": k} for k, a in self.authors.items()]
        yield m.Model.__table__, [{"id": i, "name": n} for n, i in self.models.items()]
        yield m.Technique.__table__, [{"id": i, "name": n} for n, i in self.techniques.items()]
        yield m.Modality.__table__, [{"name": n} for n in sorted(self.modalities)]
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

"""The full-text index's names: an FTS5 virtual table, so not a SQLAlchemy model (``kb.schema``).
``ingest.load`` creates it on SQLite only and ``explorer.fts`` queries it. Kept apart from the schema so
that `atlas related`, which needs only these names, does not import SQLAlchemy."""

FTS_TABLE = "papers_fts"
# The indexed columns, which are also the fields of related work's word index (explorer.related.textindex).
FTS_COLUMNS = ("title", "summary", "why", "technique", "models", "authors")
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"

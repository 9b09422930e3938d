"""Indexed, ranked full-text search with prefix matching: SQLite FTS5 or PostgreSQL tsvector + GIN, one function.

A system declares a `SearchIndex` for a table and builds it in a migration with `create_index_sql`/`drop_index_sql`
(SQLite: an FTS5 table kept by triggers, keyed by an integer from a key table so no two rows collide; PostgreSQL: a
generated tsvector column with a GIN index). `matches` turns any user text into quoted prefix terms — the text is
never handed to MATCH or to_tsquery as syntax — and gives a subquery of (key, rank), lower rank first. Only the
first CANDIDATES matches are ranked, so a word in every tenth product costs no more at 100k products than at 1k;
more words narrow the matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Float, Subquery, Uuid, text
from sqlalchemy.orm import Session

#: How many matches are ranked at most (SQLite: the newest), so a common word costs the same at any table size.
CANDIDATES = 100
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
WORD = re.compile(r"\w+", re.UNICODE)
VECTOR_COLUMN = "search_vector"


@dataclass(frozen=True)
class SearchIndex:
    """A searchable table: its name, its UUID key column, and the text columns with their weight (A highest, D)."""

    table: str
    key: str
    columns: tuple[tuple[str, str], ...]

    @property
    def fts(self) -> str:
        """The SQLite FTS5 table's name."""
        return f"{self.table}_fts"

    @property
    def keys(self) -> str:
        """The SQLite table giving each row a stable integer for the FTS5 rowid."""
        return f"{self.table}_fts_keys"


def terms(query: str) -> list[str]:
    """The words of a user's query (letters, digits, underscore in any script), lower-cased, at most MAX_TERMS."""
    return [word.lower()[:MAX_TERM_LENGTH] for word in WORD.findall(query[:1000])][:MAX_TERMS]


def matches(session: Session, index: SearchIndex, query: str) -> Subquery | None:
    """Rows of `index` holding every word of `query` as a prefix: a (key, rank) subquery, best rank lowest.

    None if the query has no words (only punctuation or operators): the caller shows an empty page.
    """
    words = terms(query)
    if not words:
        return None
    if session.get_bind().dialect.name == "postgresql":
        statement = text(
            f"SELECT c.key AS key, -ts_rank(c.vector, query)::float8 AS rank "  # noqa: S608 (names are ours)
            f"FROM (SELECT {index.key} AS key, {VECTOR_COLUMN} AS vector FROM {index.table} "
            f"WHERE {VECTOR_COLUMN} @@ to_tsquery('simple', :tsquery) LIMIT :candidates) AS c, "
            f"to_tsquery('simple', :tsquery) AS query"
        ).bindparams(tsquery=" & ".join(f"'{word}':*" for word in words), candidates=CANDIDATES)
    else:
        weights = ", ".join(str(_BM25_WEIGHT[weight]) for _, weight in index.columns)
        statement = text(
            f"SELECT k.{index.key} AS key, bm25({index.fts}, {weights}) AS rank "  # noqa: S608 (names are ours)
            f"FROM {index.fts} JOIN {index.keys} AS k ON k.fts_rowid = {index.fts}.rowid "
            f"WHERE {index.fts} MATCH :match AND {index.fts}.rowid >= coalesce((SELECT min(rowid) FROM "
            f"(SELECT rowid FROM {index.fts} WHERE {index.fts} MATCH :match ORDER BY rowid DESC LIMIT :candidates)), 0)"
        ).bindparams(match=" ".join(f'"{word}"*' for word in words), candidates=CANDIDATES)
    return statement.columns(key=Uuid(), rank=Float()).subquery("search_hits")


_BM25_WEIGHT = {"A": 10.0, "B": 4.0, "C": 2.0, "D": 1.0}


def create_index_sql(index: SearchIndex, dialect: str) -> list[str]:
    """The statements a migration runs to build the index over the rows already there and keep it up to date."""
    names = [name for name, _ in index.columns]
    if dialect == "postgresql":
        vector = " || ".join(
            f"setweight(to_tsvector('simple'::regconfig, {_words_only(name)}), '{weight}')"
            for name, weight in index.columns
        )
        return [
            f"ALTER TABLE {index.table} ADD COLUMN {VECTOR_COLUMN} tsvector GENERATED ALWAYS AS ({vector}) STORED",
            f"CREATE INDEX ix_{index.table}_{VECTOR_COLUMN} ON {index.table} USING gin ({VECTOR_COLUMN})",
        ]
    listed, new = ", ".join(names), ", ".join(f"new.{name}" for name in names)
    rowid = f"(SELECT fts_rowid FROM {index.keys} WHERE {index.key} = {{row}}.{index.key})"
    return [
        f"CREATE TABLE {index.keys} (fts_rowid INTEGER PRIMARY KEY AUTOINCREMENT, {index.key} CHAR(32) NOT NULL UNIQUE)",
        f"CREATE VIRTUAL TABLE {index.fts} USING fts5({listed}, tokenize = 'unicode61 remove_diacritics 2')",
        f"INSERT INTO {index.keys} ({index.key}) SELECT {index.key} FROM {index.table}",
        f"INSERT INTO {index.fts} (rowid, {listed}) SELECT k.fts_rowid, {', '.join(f't.{n}' for n in names)} "
        f"FROM {index.table} AS t JOIN {index.keys} AS k ON k.{index.key} = t.{index.key}",
        f"CREATE TRIGGER {index.fts}_insert AFTER INSERT ON {index.table} BEGIN "
        f"INSERT INTO {index.keys} ({index.key}) VALUES (new.{index.key}); "
        f"INSERT INTO {index.fts} (rowid, {listed}) VALUES ({rowid.format(row='new')}, {new}); END",
        f"CREATE TRIGGER {index.fts}_update AFTER UPDATE OF {listed} ON {index.table} BEGIN "
        f"DELETE FROM {index.fts} WHERE rowid = {rowid.format(row='old')}; "
        f"INSERT INTO {index.fts} (rowid, {listed}) VALUES ({rowid.format(row='new')}, {new}); END",
        f"CREATE TRIGGER {index.fts}_delete AFTER DELETE ON {index.table} BEGIN "
        f"DELETE FROM {index.fts} WHERE rowid = {rowid.format(row='old')}; "
        f"DELETE FROM {index.keys} WHERE {index.key} = old.{index.key}; END",
    ]


def _words_only(column: str) -> str:
    """The column with every run of punctuation as a space, so "MUG-1" is the words "mug" and "1" (not "-1")."""
    return f"regexp_replace(coalesce({column}, ''), '[^[:alnum:]]+', ' ', 'g')"


def drop_index_sql(index: SearchIndex, dialect: str) -> list[str]:
    """The statements a migration's downgrade runs to remove the index again."""
    if dialect == "postgresql":
        return [f"ALTER TABLE {index.table} DROP COLUMN {VECTOR_COLUMN}"]
    return [
        *(f"DROP TRIGGER IF EXISTS {index.fts}_{event}" for event in ("insert", "update", "delete")),
        f"DROP TABLE IF EXISTS {index.fts}",
        f"DROP TABLE IF EXISTS {index.keys}",
    ]


def is_search_object(name: str | None, type_: str, reflected: bool) -> bool:
    """True for the tables and columns the index adds beside the models (so autogenerate leaves them alone)."""
    if not reflected or name is None:
        return False
    return (type_ == "table" and "_fts" in name) or (type_ in ("column", "index") and VECTOR_COLUMN in name)

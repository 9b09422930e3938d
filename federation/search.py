"""Indexed, ranked full-text search with prefix matching: SQLite FTS5 or PostgreSQL tsvector + GIN, one function.

A system declares a `SearchIndex` for a table and builds it in a migration with `create_index_sql`/`drop_index_sql`
(SQLite: an FTS5 table kept by triggers, keyed by an integer from a key table so no two rows collide, with prefix
indexes of 2 to 10 characters since `rebuild_index_sql`; PostgreSQL: a generated tsvector column, searched since
`prefix_index_sql` in a generated column of every word's prefixes with a GIN index, so a prefix is one whole entry:
GIN's own prefix match (`'mug':*`) gathers each matching entry's whole posting list first, 4.4 ms against 1.1 ms for
"stoneware mug" at 100k products).
`matches` turns any user text into quoted prefix terms — the text is never handed to MATCH or to_tsquery as syntax —
and gives a subquery of (key, rank), lower rank first.

Only CANDIDATES matches are ranked, so a word in every tenth product costs no more at 100k products than at 1k, and
which ones is fixed by the data, not by the plan (every page of a search ranks the same candidates): on SQLite the
newest (highest FTS rowid), read straight off the index in one pass; on PostgreSQL those with the lowest keys. So
while at most CANDIDATES rows match, the order is the full ranking; past that it is the ranking of that fixed sample,
and a better match outside it shows once more words narrow the matches down.

The rank is where the words are, by the columns' weights: PostgreSQL's `ts_rank` over the weighted vector; SQLite
the same weights, each word counted once per column of the candidate's own row that holds it (LIKE: ASCII letters
compare case-blind, others as they are; the ranking is affected, not the matching). FTS5's bm25 ranked by how rare
each word is, which made it read every row holding each word (about 5,000 for each of "stoneware mug" at 100k
products); the text is read off the table's own rows, not out of the FTS5 table, which cost more: the caller reads
those rows next anyway. A word's rarity is also not what PostgreSQL's ranking weighs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Float, Subquery, Uuid, text
from sqlalchemy.orm import Session

#: How many matches are ranked at most (SQLite: the newest, PostgreSQL: the lowest keys), so a common word costs the
#: same at any table size.
CANDIDATES = 100
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
WORD = re.compile(r"\w+", re.UNICODE)
VECTOR_COLUMN = "search_vector"
#: PostgreSQL: the function giving a tsvector's words with all their prefixes (up to MAX_TERM_LENGTH characters),
#: and the generated column of them that is searched (a column, not an expression index: a page of a common word
#: reads along the key and tests each row, and the function costs 0.1 ms a row).
PREFIXES_FUNCTION = "scs_word_prefixes"
PREFIX_COLUMN = f"{VECTOR_COLUMN}_prefixes"
#: PostgreSQL: GIN's list of rows not yet merged into the index, in kB; every search reads all of it, so the
#: smallest there is (64) rather than 4096: writes still go in batches (5000 products: 1.37 s, against 1.40 s).
PENDING_LIST_KB = 64
#: FTS5 prefix indexes: a prefix of 2 to 10 letters (type-ahead's first letters, or most whole words) reads one index
#: entry instead of merging every word it starts (at 100k products the index is 40 % larger than with 2 and 3, and
#: filling it takes no longer).
PREFIX_LENGTHS = "2 3 4 5 6 7 8 9 10"


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

    None if the query has no words (only punctuation or operators): the caller shows an empty page. On PostgreSQL
    a word its parser splits in two (`foo_bar`) finds both parts as prefixes in any order, not side by side.
    """
    words = terms(query)
    if not words:
        return None
    if session.get_bind().dialect.name == "postgresql":
        statement = text(  # the prefix column finds the rows; the vector, with its weights, ranks them
            f"SELECT c.key AS key, -ts_rank(c.vector, query)::float8 AS rank "  # noqa: S608 (names are ours)
            f"FROM (SELECT {index.key} AS key, {VECTOR_COLUMN} AS vector FROM {index.table} "
            f"WHERE {PREFIX_COLUMN} @@ plainto_tsquery('simple', :words) ORDER BY {index.key} LIMIT :candidates) AS c, "
            f"to_tsquery('simple', :tsquery) AS query"
        ).bindparams(words=" ".join(words), tsquery=" & ".join(f"'{word}':*" for word in words), candidates=CANDIDATES)
        return statement.columns(key=Uuid(), rank=Float()).subquery("search_hits")
    score = " + ".join(  # the rows' own text, which the caller reads anyway: no pass over each word's every row
        f"CASE WHEN t.{name} LIKE :like{number} ESCAPE '\\' THEN {_RANK_WEIGHT[weight]} ELSE 0 END"
        for number in range(len(words))
        for name, weight in index.columns
    )
    statement = text(  # one MATCH: the newest candidates, straight off the index, ranked by where their words are
        f"SELECT k.{index.key} AS key, -({score}) AS rank "  # noqa: S608 (names are ours)
        f"FROM (SELECT rowid AS fts_rowid FROM {index.fts} "
        f"WHERE {index.fts} MATCH :match ORDER BY rowid DESC LIMIT :candidates) AS c "
        f"JOIN {index.keys} AS k ON k.fts_rowid = c.fts_rowid JOIN {index.table} AS t ON t.{index.key} = k.{index.key}"
    ).bindparams(
        match=" ".join(f'"{word}"*' for word in words),
        candidates=CANDIDATES,
        **{f"like{number}": f"%{_escape_like(word)}%" for number, word in enumerate(words)},
    )
    return statement.columns(key=Uuid(), rank=Float()).subquery("search_hits")


def _escape_like(word: str) -> str:
    """A word as a LIKE pattern's literal part (SQLite: backslash escapes `%`, `_` and itself)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: SQLite: what a word found in a column of each weight adds to a candidate's score (PostgreSQL's ts_rank weights).
_RANK_WEIGHT = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}


def create_index_sql(index: SearchIndex, dialect: str) -> list[str]:
    """The statements a migration runs to build the index over the rows already there and keep it up to date."""
    if dialect == "postgresql":
        return [
            f"ALTER TABLE {index.table} ADD COLUMN {VECTOR_COLUMN} tsvector GENERATED ALWAYS AS ({_vector(index)}) STORED",
            f"CREATE INDEX ix_{index.table}_{VECTOR_COLUMN} ON {index.table} USING gin ({VECTOR_COLUMN})",
        ]
    return [
        f"CREATE TABLE {index.keys} (fts_rowid INTEGER PRIMARY KEY AUTOINCREMENT, {index.key} CHAR(32) NOT NULL UNIQUE)",
        f"INSERT INTO {index.keys} ({index.key}) SELECT {index.key} FROM {index.table}",
        *_fts_table_sql(index, prefixes=None),
    ]


def rebuild_index_sql(index: SearchIndex, dialect: str, *, prefixes: str | None = PREFIX_LENGTHS) -> list[str]:
    """The statements a migration runs to rebuild SQLite's FTS5 table with (or without) prefix indexes; same keys.

    PostgreSQL's prefixes have their own index (`prefix_index_sql`), so there is nothing to do there.
    """
    if dialect == "postgresql":
        return []
    return [*_drop_fts_table_sql(index), *_fts_table_sql(index, prefixes=prefixes)]


def prefix_index_sql(index: SearchIndex, dialect: str) -> list[str]:
    """PostgreSQL: the statements a migration runs to search a generated column of the words' prefixes instead.

    `matches` then asks its GIN index for every word as a whole entry; the vector's own GIN index goes (the vector
    stays, for the ranking). SQLite's FTS5 prefix indexes (`rebuild_index_sql`) do this there: nothing to do.
    """
    if dialect != "postgresql":
        return []
    return [
        f"CREATE OR REPLACE FUNCTION {PREFIXES_FUNCTION}(vector tsvector) RETURNS tsvector "
        f"LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
        f"SELECT coalesce(array_to_tsvector(array_agg(DISTINCT left(word, n))), ''::tsvector) "
        f"FROM unnest(tsvector_to_array(vector)) AS word, generate_series(1, least(length(word), {MAX_TERM_LENGTH})) AS n"
        f" $$",
        f"ALTER TABLE {index.table} ADD COLUMN {PREFIX_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({PREFIXES_FUNCTION}({_vector(index)})) STORED",
        f"DROP INDEX IF EXISTS ix_{index.table}_{VECTOR_COLUMN}",
        f"CREATE INDEX ix_{index.table}_{PREFIX_COLUMN} ON {index.table} "
        f"USING gin ({PREFIX_COLUMN}) WITH (gin_pending_list_limit = {PENDING_LIST_KB})",
    ]


def drop_prefix_index_sql(index: SearchIndex, dialect: str) -> list[str]:
    """PostgreSQL: the statements a migration's downgrade runs to go back to the GIN index of the vector."""
    if dialect != "postgresql":
        return []
    return [
        f"ALTER TABLE {index.table} DROP COLUMN {PREFIX_COLUMN}",
        f"CREATE INDEX ix_{index.table}_{VECTOR_COLUMN} ON {index.table} USING gin ({VECTOR_COLUMN})",
        f"DROP FUNCTION IF EXISTS {PREFIXES_FUNCTION}(tsvector)",
    ]


def _vector(index: SearchIndex) -> str:
    """PostgreSQL: the weighted tsvector of the index's columns (a generated column cannot read another)."""
    return " || ".join(
        f"setweight(to_tsvector('simple'::regconfig, {_words_only(name)}), '{weight}')"
        for name, weight in index.columns
    )


def _fts_table_sql(index: SearchIndex, *, prefixes: str | None) -> list[str]:
    """SQLite: the FTS5 table filled from the rows already there (keys from the key table), and its triggers."""
    names = [name for name, _ in index.columns]
    listed, new = ", ".join(names), ", ".join(f"new.{name}" for name in names)
    prefix = f", prefix = '{prefixes}'" if prefixes else ""
    rowid = f"(SELECT fts_rowid FROM {index.keys} WHERE {index.key} = {{row}}.{index.key})"
    # an upsert sets every column: only a change of an indexed one re-indexes (not each price or stock change)
    changed = " OR ".join(f"old.{name} IS NOT new.{name}" for name in names)
    return [
        f"CREATE VIRTUAL TABLE {index.fts} USING fts5({listed}, tokenize = 'unicode61 remove_diacritics 2'{prefix})",
        f"INSERT INTO {index.fts} (rowid, {listed}) SELECT k.fts_rowid, {', '.join(f't.{n}' for n in names)} "
        f"FROM {index.table} AS t JOIN {index.keys} AS k ON k.{index.key} = t.{index.key}",
        f"CREATE TRIGGER {index.fts}_insert AFTER INSERT ON {index.table} BEGIN "
        f"INSERT INTO {index.keys} ({index.key}) VALUES (new.{index.key}); "
        f"INSERT INTO {index.fts} (rowid, {listed}) VALUES ({rowid.format(row='new')}, {new}); END",
        f"CREATE TRIGGER {index.fts}_update AFTER UPDATE OF {listed} ON {index.table} WHEN {changed} BEGIN "
        f"DELETE FROM {index.fts} WHERE rowid = {rowid.format(row='old')}; "
        f"INSERT INTO {index.fts} (rowid, {listed}) VALUES ({rowid.format(row='new')}, {new}); END",
        f"CREATE TRIGGER {index.fts}_delete AFTER DELETE ON {index.table} BEGIN "
        f"DELETE FROM {index.fts} WHERE rowid = {rowid.format(row='old')}; "
        f"DELETE FROM {index.keys} WHERE {index.key} = old.{index.key}; END",
    ]


def _drop_fts_table_sql(index: SearchIndex) -> list[str]:
    """SQLite: drop the FTS5 table and its triggers (the key table stays)."""
    return [
        *(f"DROP TRIGGER IF EXISTS {index.fts}_{event}" for event in ("insert", "update", "delete")),
        f"DROP TABLE IF EXISTS {index.fts}",
    ]


def _words_only(column: str) -> str:
    """The column with every run of punctuation as a space, so "MUG-1" is the words "mug" and "1" (not "-1")."""
    return f"regexp_replace(coalesce({column}, ''), '[^[:alnum:]]+', ' ', 'g')"


def drop_index_sql(index: SearchIndex, dialect: str) -> list[str]:
    """The statements a migration's downgrade runs to remove the index again."""
    if dialect == "postgresql":
        return [f"ALTER TABLE {index.table} DROP COLUMN {VECTOR_COLUMN}"]
    return [*_drop_fts_table_sql(index), f"DROP TABLE IF EXISTS {index.keys}"]


def is_search_object(name: str | None, type_: str, reflected: bool) -> bool:
    """True for the tables and columns the index adds beside the models (so autogenerate leaves them alone)."""
    if not reflected or name is None:
        return False
    return (type_ == "table" and "_fts" in name) or (type_ in ("column", "index") and VECTOR_COLUMN in name)

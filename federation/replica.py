"""Replica helpers: a local copy row changes only when an event carries a newer aggregate_version; deletes leave tombstones.

A rebuild (`scs resync SYSTEM --from PRODUCER --rebuild`) is the one exception: its events carry REBUILD_HEADER
naming the consuming system, which applies them within `replacing_copies()`, so they replace a row whatever
version it holds (a copy pinned by a forged or broken event far ahead is repaired that way).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.dml import ReturningInsert


def dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT, which knows ON CONFLICT (both dialects the runtime supports have it)."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


REBUILD_HEADER = "x-scs-rebuild"

_replacing: ContextVar[bool] = ContextVar("scs_replacing_copies", default=False)


@contextmanager
def replacing_copies() -> Iterator[None]:
    """Within the block, upsert_if_newer replaces rows whatever version they hold (for a rebuild's events)."""
    token = _replacing.set(True)
    try:
        yield
    finally:
        _replacing.reset(token)


def upsert_if_newer(
    session: Session,
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    *,
    key: str = "id",
    version_column: str = "aggregate_version",
) -> bool:
    """Insert the row, or update it only if `values[version_column]` is newer; True if the replica changed.

    One atomic INSERT .. ON CONFLICT DO UPDATE .. WHERE, so competing consumers never regress a row.
    """
    dialect = session.get_bind().dialect.name
    guard = None if _replacing.get() else version_column
    statement = _upsert_statement(dialect, cast(Table, model.__table__), tuple(values), key, guard)
    return session.connection().execute(statement, dict(values)).first() is not None


@lru_cache(maxsize=256)
def _upsert_statement(
    dialect: str, table: Table, columns: tuple[str, ...], key: str, version_column: str | None
) -> ReturningInsert[Any]:
    """The upsert for one table and column set (unguarded without `version_column`), built once.

    Building it per event cost more than running it.
    """
    statement = dialect_insert(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={name: statement.excluded[name] for name in columns if name != key},
        where=None if version_column is None else table.c[version_column] < statement.excluded[version_column],
    ).returning(table.c[key])

"""Replica helpers: a local copy row changes only when an event carries a newer aggregate_version; deletes leave tombstones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_if_newer(
    session: Session,
    model: type,
    values: Mapping[str, Any],
    *,
    key: str = "id",
    version_column: str = "aggregate_version",
) -> bool:
    """Insert the row, or update it only if `values[version_column]` is newer; True if the replica changed.

    One atomic INSERT .. ON CONFLICT DO UPDATE .. WHERE, so competing consumers never regress a row.
    """
    table = model.__table__
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={name: statement.excluded[name] for name in values if name != key},
        where=table.c[version_column] < statement.excluded[version_column],
    )
    return session.execute(statement.returning(table.c[key])).first() is not None

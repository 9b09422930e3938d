"""The order system's own metadata, and a timestamp column that reads back as aware UTC on SQLite too."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Timezone-aware now, for every timestamp this system stores."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """An aware UTC datetime (SQLite hands back naive ones)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UtcDateTime(TypeDecorator):
    """DateTime(timezone=True) that always returns aware UTC values, whatever the database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store the value as aware UTC."""
        return as_utc(value)

    def process_result_value(self, value, dialect):
        """Read the value back as aware UTC."""
        return as_utc(value)


class Base(DeclarativeBase):
    """Metadata of the order system's tables."""

"""Declarative base of the user system's own tables (its metadata drives its migrations)."""

from datetime import UTC, datetime

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Metadata of the user system."""


def utcnow() -> datetime:
    """Timezone-aware now, for timestamps the user system stores."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored timestamp as aware UTC (SQLite hands them back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

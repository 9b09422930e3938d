"""The catalog's own SQLAlchemy metadata (its database is nobody else's)."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Base class of every catalog model."""

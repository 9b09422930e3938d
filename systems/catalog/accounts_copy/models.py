"""The account replica: no personal data, only what judging an account's tokens takes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from systems.catalog.base import Base


class AccountCopy(Base):
    """An account as last published by the user system: its roles, since when its tokens count, and whether it is gone."""

    __tablename__ = "account_copy"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    tokens_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    aggregate_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def tokens_valid_after_utc(self) -> datetime | None:
        """The revocation mark as aware UTC (SQLite hands timestamps back naive)."""
        mark = self.tokens_valid_after
        return None if mark is None else mark.replace(tzinfo=UTC) if mark.tzinfo is None else mark.astimezone(UTC)

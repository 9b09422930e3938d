"""The account table; a deleted account stays as a scrubbed tombstone row (id and version only)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from federation.identity import ADMIN_ROLE
from systems.user.base import Base, utcnow

CUSTOMER_ROLE = "customer"


class User(Base):
    """A user account; `version` is the aggregate version of its events, bumped by every update (optimistic lock)."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}

    @property
    def roles(self) -> list[str]:
        """Every account is a customer; admins are admins too."""
        return sorted([CUSTOMER_ROLE, ADMIN_ROLE] if self.is_admin else [CUSTOMER_ROLE])

    @property
    def is_deleted(self) -> bool:
        """A tombstone: the personal data is gone."""
        return self.deleted_at is not None

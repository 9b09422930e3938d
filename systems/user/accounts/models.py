"""The account table (a deleted account stays as a scrubbed tombstone row), and registrations counted per address."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from federation.identity import ADMIN_ROLE
from systems.user.base import Base, utcnow

CUSTOMER_ROLE = "customer"


class User(Base):
    """A user account; `version` is the aggregate version of its events, bumped by every update (optimistic lock).

    `tokens_valid_after` voids every token issued before it (log-out everywhere, password or role change, deletion).
    """

    __tablename__ = "accounts"
    __table_args__ = (Index("ix_accounts_created_at_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tokens_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
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


class RegistrationAttempt(Base):
    """One attempt to register from a client address; rows older than the throttle window are purged."""

    __tablename__ = "registration_attempts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    client_ip: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_registration_attempts_client_ip", "client_ip", "attempted_at"),
        Index("ix_registration_attempts_attempted_at", "attempted_at"),
    )

"""Failed log-ins, counted per account and client address together, and per address, to slow down password guessing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from systems.user.base import Base, utcnow


class LoginFailure(Base):
    """One failed log-in (or failed password confirmation); rows older than the throttle window are purged."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    client_ip: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_login_failures_email_client_ip", "email", "client_ip", "failed_at"),
        Index("ix_login_failures_client_ip", "client_ip", "failed_at"),
        Index("ix_login_failures_failed_at", "failed_at"),
    )

"""The customer replica: enough to know who a customer is, and whether the account is gone (tombstone)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from systems.order.base import Base, UtcDateTime


class CustomerCopy(Base):
    """A customer as last published by the user system; a deleted one keeps only its id (personal data removed)."""

    __tablename__ = "customer_copy"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(100))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    aggregate_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

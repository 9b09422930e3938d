"""The customer replica: who a customer is, what their tokens may still do here, and whether the account is gone."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from systems.order.base import Base, UtcDateTime


class CustomerCopy(Base):
    """A customer as last published by the user system; a deleted one keeps only its id (personal data removed).

    `roles` and `tokens_valid_after` judge the customer's tokens in this system (customers_copy.tokens).
    """

    __tablename__ = "customer_copy"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(100))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    tokens_valid_after: Mapped[datetime | None] = mapped_column(UtcDateTime)
    aggregate_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

"""The local copy of orders (only what "My orders" shows), kept from order.* events."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from systems.user.base import Base


class OrderCopy(Base):
    """One order as last announced by the order system; `aggregate_version` keeps older events from regressing it."""

    __tablename__ = "orders_copy"
    __table_args__ = (Index("ix_orders_copy_customer_placed_at_id", "customer_id", "placed_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(20))
    total_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    aggregate_version: Mapped[int] = mapped_column(Integer)
    #: The first few products of its lines, for their pictures (a catalog fragment each on "My orders").
    product_ids: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

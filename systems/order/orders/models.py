"""The order aggregate: lines as seen at checkout, a version per change, and the history of its statuses."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from systems.order.base import Base, UtcDateTime, utcnow

PENDING, CONFIRMED, REJECTED, CANCELLED = "pending", "confirmed", "rejected", "cancelled"


class Order(Base):
    """An order of one customer; `version` is the aggregate_version of its latest event."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key", name="uq_orders_customer_idempotency_key"),
        Index("ix_orders_customer_placed_at_id", "customer_id", "placed_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.position", lazy="selectin"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="StatusChange.id", lazy="selectin"
    )

    def move_to(self, status: str, reason: str | None = None) -> None:
        """Take the next version in `status`, remembering when and why in the history."""
        self.version += 1
        self.status = status
        self.reason = reason
        self.history.append(StatusChange(status=status, reason=reason, at=utcnow()))


class OrderLine(Base):
    """One product of an order, with the name and unit price the customer saw at checkout."""

    __tablename__ = "order_line"

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def total_cents(self) -> int:
        """Quantity times unit price."""
        return self.quantity * self.unit_price_cents


class StatusChange(Base):
    """One step of an order's life: the status it reached, when, and why."""

    __tablename__ = "order_status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    order: Mapped[Order] = relationship(back_populates="history")

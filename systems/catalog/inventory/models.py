"""Reservations: the catalog's answer to each order, keyed by order id so an order is reserved or released once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import DateTime, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from systems.catalog.base import Base
from systems.catalog.products.models import utcnow

# reserved/rejected: our answer to order.placed; released: a reserved order was cancelled and its stock returned;
# cancelled: order.cancelled came before its order.placed, which will be rejected when it arrives.
ReservationStatus = Literal["reserved", "rejected", "released", "cancelled"]


class Reservation(Base):
    """What the catalog did about one order."""

    __tablename__ = "reservations"

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[ReservationStatus] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    lines: Mapped[list[ReservationLine]] = relationship(back_populates="reservation", cascade="all, delete-orphan")


class ReservationLine(Base):
    """Units of one product held for a reserved order."""

    __tablename__ = "reservation_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reservations.order_id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    reservation: Mapped[Reservation] = relationship(back_populates="lines")

"""Cart lines: one row per customer and product."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Uuid, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from systems.order.base import Base, UtcDateTime, utcnow
from systems.order.products_copy.models import ProductCopy

MAX_QUANTITY = 100


class CartLine(Base):
    """A quantity (1..100) of one copied product in a customer's cart."""

    __tablename__ = "cart_line"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("product_copy.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    product: Mapped[ProductCopy] = relationship(lazy="joined")


def lines_of(session: Session, customer_id: uuid.UUID) -> list[CartLine]:
    """The customer's cart lines, oldest first."""
    return list(
        session.scalars(select(CartLine).where(CartLine.customer_id == customer_id).order_by(CartLine.added_at))
    )

"""Reading a customer's own orders (someone else's order is as good as missing)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from systems.order.orders.models import Order


def orders_of(session: Session, customer_id: uuid.UUID) -> list[Order]:
    """The customer's orders, newest first."""
    return list(session.scalars(select(Order).where(Order.customer_id == customer_id).order_by(Order.placed_at.desc())))


def own_order(session: Session, order_id: uuid.UUID, customer_id: uuid.UUID) -> Order | None:
    """The order if it exists and belongs to the customer."""
    order = session.get(Order, order_id)
    return order if order is not None and order.customer_id == customer_id else None

"""The stock saga's rule: a catalog answer applies only to an order that exists and still waits for it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.consumer import EventRejected
from systems.order.orders.models import PENDING, Order


def pending_order_for_update(session: Session, order_id: uuid.UUID, answer: str) -> Order:
    """The pending order, locked; EventRejected (dead-lettered with the reason) for an unknown or settled one."""
    order = session.scalars(select(Order).where(Order.id == order_id).with_for_update()).first()
    if order is None:
        raise EventRejected(f"{answer} for unknown order {order_id}")
    if order.status != PENDING:
        raise EventRejected(f"{answer} for order {order_id}, which is {order.status}, no longer pending")
    return order

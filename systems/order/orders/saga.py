"""The stock saga's rule: a catalog answer applies only to an order that exists and still waits for it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.consumer import EventRejected
from systems.order.orders.models import CANCELLED, PENDING, Order


def pending_order_for_update(session: Session, order_id: uuid.UUID, answer: str) -> Order | None:
    """The pending order, locked; None if the customer cancelled it first; EventRejected for an unknown or settled one.

    A late answer for a cancelled order is an expected race, not poison: the catalog sees the same
    order.cancelled and releases whatever it reserved, so the answer is simply not applied.
    """
    order = session.scalars(select(Order).where(Order.id == order_id).with_for_update()).first()
    if order is None:
        raise EventRejected(f"{answer} for unknown order {order_id}")
    if order.status == CANCELLED:
        return None
    if order.status != PENDING:
        raise EventRejected(f"{answer} for order {order_id}, which is {order.status}, no longer pending")
    return order

"""The stock saga's rule: a catalog answer applies only to an order that exists and still waits for it, and only once."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.consumer import EventRejected
from systems.order.orders.models import CANCELLED, PENDING, Order


def pending_order_for_update(session: Session, order_id: uuid.UUID, answer: str, leads_to: str) -> Order | None:
    """The pending order, locked; None if cancelled first or already `leads_to`; EventRejected for any other.

    A late answer for a cancelled order is an expected race, not poison: the catalog sees the same
    order.cancelled and releases whatever it reserved, so the answer is simply not applied. An answer
    delivered again after its inbox row expired finds its order already `leads_to`: the order's own state
    makes it a duplicate, whatever the inbox remembers. An unknown order, or one the other answer settled,
    is refused.
    """
    order = session.scalars(select(Order).where(Order.id == order_id).with_for_update()).first()
    if order is None:
        raise EventRejected(f"{answer} for unknown order {order_id}")
    if order.status in (CANCELLED, leads_to):
        return None
    if order.status != PENDING:
        raise EventRejected(f"{answer} for order {order_id}, which is {order.status}, no longer pending")
    return order

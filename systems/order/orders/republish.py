"""Re-publication of every order's current state (for `scs resync`), so a consumer can rebuild its copy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from systems.order.orders.events import publish_state
from systems.order.orders.models import Order


def republish_orders(session: Session) -> int:
    """Add each order's current status event (current version) to the outbox; the caller commits. Returns the count."""
    count = 0
    for order in session.scalars(select(Order).order_by(Order.placed_at, Order.id)):
        publish_state(session, order)
        count += 1
    return count

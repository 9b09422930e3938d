"""Keep the copy of an order current from order.placed|confirmed|rejected|cancelled (all carry the full OrderState)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.consumer import EventRejected
from federation.replica import upsert_if_newer
from shared_contracts import Envelope
from shared_contracts.order import OrderState
from systems.user.accounts.models import User
from systems.user.orders_copy.models import OrderCopy

#: How many of an order's products "My orders" shows a picture of.
PICTURES = 3

STATUS_OF_EVENT = {
    "order.placed": "pending",
    "order.confirmed": "confirmed",
    "order.rejected": "rejected",
    "order.cancelled": "cancelled",
}


def on_order_changed(session: Session, event: Envelope) -> None:
    """Upsert the order if this event is newer than the copy; orders of deleted accounts are not kept."""
    order = event.data_as(OrderState)
    if event.aggregate_id != str(order.id):
        raise EventRejected(f"aggregate_id {event.aggregate_id} is not the order id {order.id}")
    expected = STATUS_OF_EVENT[event.type]
    if order.status != expected:
        raise EventRejected(f"{event.type} carries status {order.status!r}, expected {expected!r}")
    customer = session.get(User, order.customer_id)
    if customer is not None and customer.is_deleted:
        return
    upsert_if_newer(
        session,
        OrderCopy,
        {
            "id": order.id,
            "customer_id": order.customer_id,
            "status": order.status,
            "total_cents": order.total_cents,
            "currency": order.currency,
            "placed_at": order.placed_at,
            "aggregate_version": event.aggregate_version,
            "product_ids": list(dict.fromkeys(str(line.product_id) for line in order.lines))[:PICTURES],
        },
    )

"""order.cancelled → take a counted order's units out of the sales count, once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared_contracts import Envelope
from shared_contracts.order import OrderState
from systems.catalog.sales.models import CountedOrder, add_units


def on_order_cancelled(session: Session, event: Envelope) -> None:
    """Subtract a counted order's quantities; an order never counted is remembered so a late order.confirmed is ignored."""
    order = event.data_as(OrderState)
    counted = session.get(CountedOrder, order.id, with_for_update=True)
    if counted is None:
        session.add(CountedOrder(order_id=order.id, status="cancelled"))
        return
    if counted.status != "counted":
        return
    counted.status = "cancelled"
    for line in order.lines:
        add_units(session, line.product_id, -line.quantity)

"""order.confirmed → count the order's units as sold, once per order."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared_contracts import Envelope
from shared_contracts.order import OrderState
from systems.catalog.sales.models import CountedOrder, add_units


def on_order_confirmed(session: Session, event: Envelope) -> None:
    """Add each line's quantity to its product's units sold, unless the order was counted or cancelled before."""
    order = event.data_as(OrderState)
    if session.get(CountedOrder, order.id) is not None:
        return
    session.add(CountedOrder(order_id=order.id, status="counted"))
    session.flush()  # claims the order id before counting, so competing workers count it once
    for line in order.lines:
        add_units(session, line.product_id, line.quantity)

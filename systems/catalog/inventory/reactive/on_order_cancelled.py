"""order.cancelled → return the stock reserved for that order, exactly once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared_contracts import Envelope
from shared_contracts.order import OrderState
from systems.catalog.inventory.models import Reservation
from systems.catalog.inventory.stock import lock_products
from systems.catalog.products.events import record_change


def on_order_cancelled(session: Session, event: Envelope) -> None:
    """Release a reserved order's stock; remember a cancellation that overtook its order.placed so it is never reserved."""
    order = event.data_as(OrderState)
    reservation = session.get(Reservation, order.id, with_for_update=True)
    if reservation is None:
        session.add(Reservation(order_id=order.id, status="cancelled", reason="order was cancelled"))
        return
    if reservation.status != "reserved":
        return
    products = lock_products(session, [line.product_id for line in reservation.lines])
    for line in reservation.lines:
        product = products[line.product_id]
        product.stock += line.quantity
        record_change(session, product)
    reservation.status = "released"

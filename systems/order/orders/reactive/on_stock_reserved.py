"""The catalog reserved the stock: the order is confirmed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared_contracts import Envelope
from shared_contracts.catalog import StockReserved
from systems.order.orders.events import publish_state
from systems.order.orders.models import CONFIRMED
from systems.order.orders.saga import pending_order_for_update


def on_stock_reserved(session: Session, event: Envelope) -> None:
    """Confirm the pending order (next version) and publish order.confirmed; ignore a cancelled or confirmed one."""
    order = pending_order_for_update(session, event.data_as(StockReserved).order_id, "stock reservation", CONFIRMED)
    if order is None:
        return
    order.move_to(CONFIRMED)
    publish_state(session, order)

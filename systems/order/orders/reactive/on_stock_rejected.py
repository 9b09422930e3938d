"""The catalog could not reserve the stock: the order is rejected, with a reason the customer can read."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shared_contracts import Envelope
from shared_contracts.catalog import StockRejected
from systems.order.orders.events import publish_state
from systems.order.orders.models import REJECTED
from systems.order.orders.saga import pending_order_for_update

MAX_REASON = 1000


def on_stock_rejected(session: Session, event: Envelope) -> None:
    """Reject the pending order (next version) with the catalog's reason and shortfalls; publish order.rejected.

    A cancelled order stays cancelled and a rejected one is not rejected again (this answer again); an unknown or
    confirmed one is refused.
    """
    rejection = event.data_as(StockRejected)
    order = pending_order_for_update(session, rejection.order_id, "stock rejection", REJECTED)
    if order is None:
        return
    names = {line.product_id: line.name for line in order.lines}
    shortfalls = [
        f"{names.get(s.product_id, s.product_id)}: {s.requested} requested, {s.available} available"
        for s in rejection.shortfalls
    ]
    reason = rejection.reason.strip() or "The catalog could not reserve the stock."
    if shortfalls:
        reason = f"{reason} ({'; '.join(shortfalls)})"
    order.move_to(REJECTED, reason[:MAX_REASON])
    publish_state(session, order)

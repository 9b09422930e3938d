"""POST /api/orders/<id>/cancel."""

from __future__ import annotations

import uuid

from federation.auth import login_required
from federation.errors import ApiError
from federation.web import db_session
from systems.order.customer import current_customer_id
from systems.order.orders.events import order_json
from systems.order.orders.services import OrderRefused, cancel, own_order_for_update


@login_required
def api_cancel_order(order_id: uuid.UUID):
    """Cancel my pending or confirmed order; 409 for a rejected or cancelled one, 404 for someone else's."""
    session = db_session()
    order = own_order_for_update(session, order_id, current_customer_id())
    if order is None:
        raise ApiError(404, f"No order {order_id}.", details={"order_id": str(order_id)})
    try:
        cancel(session, order)
    except OrderRefused as refused:
        raise ApiError(
            refused.status, refused.message, details={"order_id": str(order_id), "status": order.status}
        ) from None
    session.commit()
    return order_json(order)

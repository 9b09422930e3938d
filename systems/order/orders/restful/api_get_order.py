"""GET /api/orders/<id>: one of my orders (also what order.js polls)."""

from __future__ import annotations

import uuid

from federation.auth import login_required
from federation.errors import ApiError
from federation.web import db_session
from systems.order.customer import current_customer_id
from systems.order.orders.events import order_json
from systems.order.orders.queries import own_order


@login_required
def api_get_order(order_id: uuid.UUID):
    """The order with its history; 404 when it is missing or someone else's."""
    order = own_order(db_session(), order_id, current_customer_id())
    if order is None:
        raise ApiError(404, f"No order {order_id}.", details={"order_id": str(order_id)})
    return order_json(order)

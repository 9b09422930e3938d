"""GET /api/orders: my orders."""

from __future__ import annotations

from federation.auth import login_required
from federation.web import db_session
from systems.order.customer import current_customer_id
from systems.order.orders.events import order_json
from systems.order.orders.queries import orders_of


@login_required
def api_list_orders():
    """The caller's orders, newest first."""
    return {"items": [order_json(order) for order in orders_of(db_session(), current_customer_id())]}

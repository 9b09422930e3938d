"""GET /api/orders: my orders."""

from __future__ import annotations

from federation.auth import login_required
from federation.web import db_session
from systems.order.customer import current_customer_id
from systems.order.orders.events import order_json
from systems.order.orders.queries import orders_of


@login_required
def api_list_orders():
    """One page of the caller's orders, newest first (`limit`, `cursor`)."""
    page = orders_of(db_session(), current_customer_id())
    return {"items": [order_json(order) for order in page.items], "next": page.next, "previous": page.previous}

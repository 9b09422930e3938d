"""POST /api/orders: place an order from explicit lines (idempotent with a key)."""

from __future__ import annotations

from federation.auth import login_required
from federation.errors import ApiError
from federation.web import db_session
from systems.order.customer import current_customer_id
from systems.order.orders.events import order_json
from systems.order.orders.requests import read_place_order_request
from systems.order.orders.services import OrderRefused, place


@login_required
def api_place_order():
    """201 with the new pending order; 200 with the same order when the idempotency key was used before."""
    requested, key = read_place_order_request()
    session = db_session()
    try:
        order, created = place(session, current_customer_id(), requested, key)
    except OrderRefused as refused:
        raise ApiError(refused.status, refused.message, details=refused.details) from None
    session.commit()
    return order_json(order), 201 if created else 200

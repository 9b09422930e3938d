"""Reading a customer's own orders (someone else's order is as good as missing)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.pagination import Page, SortKey, keyset_page, page_request
from systems.order.orders.models import Order

PER_PAGE = 20
MAX_PER_PAGE = 100
KEYS = [SortKey(Order.placed_at, descending=True, kind=datetime), SortKey(Order.id, descending=True, kind=uuid.UUID)]


def orders_of(session: Session, customer_id: uuid.UUID) -> Page[Order]:
    """One page of the customer's orders, newest first (`limit` and `cursor` from the request's query string)."""
    asked = page_request("order.my-orders", KEYS, default=PER_PAGE, cap=MAX_PER_PAGE)
    query = select(Order).where(Order.customer_id == customer_id)
    return keyset_page(session, query, "order.my-orders", KEYS, asked, lambda order: (order.placed_at, order.id))


def own_order(session: Session, order_id: uuid.UUID, customer_id: uuid.UUID) -> Order | None:
    """The order if it exists and belongs to the customer."""
    order = session.get(Order, order_id)
    return order if order is not None and order.customer_id == customer_id else None

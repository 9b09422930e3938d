"""Reading the orders copy: a user's orders, and how fresh the copy is."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federation.pagination import Page, SortKey, keyset_page, page_request
from federation.runtime_models import InboxMessage
from federation.web import runtime
from systems.user.base import as_utc
from systems.user.orders_copy.models import OrderCopy

PER_PAGE = 20
MAX_PER_PAGE = 100
KEYS = [
    SortKey(OrderCopy.placed_at, descending=True, kind=datetime),
    SortKey(OrderCopy.id, descending=True, kind=uuid.UUID),
]


def orders_of(session: Session, customer_id: uuid.UUID) -> Page[OrderCopy]:
    """One page of a customer's orders, newest first (`limit` and `cursor` from the request's query string)."""
    asked = page_request("user.my-orders", KEYS, default=PER_PAGE, cap=MAX_PER_PAGE)
    query = select(OrderCopy).where(OrderCopy.customer_id == customer_id)
    return keyset_page(session, query, "user.my-orders", KEYS, asked, lambda order: (order.placed_at, order.id))


def copy_as_of(session: Session) -> datetime | None:
    """When the last order event was applied here (None before the first one)."""
    latest = session.scalar(
        select(func.max(InboxMessage.processed_at)).where(
            InboxMessage.consumer == "user", InboxMessage.producer == "order"
        )
    )
    return None if latest is None else as_utc(latest)


def order_url(order: OrderCopy) -> str:
    """The order's page in the order system."""
    return f"{runtime().settings.system_urls['order'].rstrip('/')}/orders/{order.id}"


def order_json(order: OrderCopy) -> dict:
    """An order of the copy as the JSON API shows it."""
    return {
        "id": str(order.id),
        "customer_id": str(order.customer_id),
        "status": order.status,
        "total_cents": order.total_cents,
        "currency": order.currency,
        "placed_at": as_utc(order.placed_at).isoformat(),
        "version": order.aggregate_version,
        "url": order_url(order),
    }

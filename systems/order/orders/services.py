"""What placing and cancelling an order mean, shared by the HTML pages and the JSON API."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from systems.order.base import utcnow
from systems.order.customers_copy.models import CustomerCopy
from systems.order.orders.events import publish_state
from systems.order.orders.models import CANCELLED, CONFIRMED, PENDING, Order, OrderLine, StatusChange
from systems.order.products_copy.models import ProductCopy

CANCELLABLE = (PENDING, CONFIRMED)


class OrderRefused(Exception):
    """An order that cannot be placed or changed, with the HTTP status and details the API answers with."""

    def __init__(self, status: int, message: str, details: dict[str, Any] | None = None) -> None:
        """Keep the status, message and details for the error answer."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or {}


def find_by_idempotency_key(session: Session, customer_id: uuid.UUID, key: str) -> Order | None:
    """The order this customer already placed with `key`, if any."""
    return session.scalars(select(Order).where(Order.customer_id == customer_id, Order.idempotency_key == key)).first()


def place(
    session: Session, customer_id: uuid.UUID, requested: Sequence[tuple[uuid.UUID, int]], idempotency_key: str | None
) -> tuple[Order, bool]:
    """Write a pending order priced from the product copy and its order.placed event; (order, created).

    A second call with the same idempotency key returns the first order (created False) instead of a new one.
    """
    if idempotency_key:
        existing = find_by_idempotency_key(session, customer_id, idempotency_key)
        if existing is not None:
            return existing, False
    customer = session.get(CustomerCopy, customer_id)
    if customer is not None and customer.deleted:
        raise OrderRefused(403, "This account has been deleted; it can no longer place orders.")
    if not requested:
        raise OrderRefused(400, "Nothing to order: add at least one product.")
    wanted = [product_id for product_id, _ in requested]
    products = {p.id: p for p in session.scalars(select(ProductCopy).where(ProductCopy.id.in_(wanted)))}
    unusable = [str(pid) for pid in wanted if pid not in products or products[pid].discontinued]
    if unusable:
        raise OrderRefused(
            422, "Some products cannot be ordered: they are unknown or discontinued.", {"product_ids": unusable}
        )
    currencies = sorted({products[pid].currency for pid in wanted})
    if len(currencies) > 1:
        raise OrderRefused(422, "One order can only hold products priced in one currency.", {"currencies": currencies})
    lines = [
        OrderLine(
            position=position,
            product_id=pid,
            name=products[pid].name,
            quantity=quantity,
            unit_price_cents=products[pid].price_cents,
        )
        for position, (pid, quantity) in enumerate(requested, start=1)
    ]
    now = utcnow()
    order = Order(
        id=uuid.uuid4(),
        customer_id=customer_id,
        status=PENDING,
        version=1,
        lines=lines,
        total_cents=sum(line.total_cents for line in lines),
        currency=currencies[0],
        placed_at=now,
        idempotency_key=idempotency_key,
        history=[StatusChange(status=PENDING, at=now)],
    )
    try:
        with session.begin_nested():
            session.add(order)
    except IntegrityError:  # a concurrent submit with the same key committed first
        existing = find_by_idempotency_key(session, customer_id, idempotency_key or "")
        if existing is None:
            raise
        return existing, False
    publish_state(session, order)
    return order, True


def own_order_for_update(session: Session, order_id: uuid.UUID, customer_id: uuid.UUID) -> Order | None:
    """The customer's order, locked for a change; None when it does not exist or belongs to someone else."""
    order = session.scalars(select(Order).where(Order.id == order_id).with_for_update()).first()
    return order if order is not None and order.customer_id == customer_id else None


def cancel(session: Session, order: Order) -> None:
    """Cancel a pending or confirmed order and publish order.cancelled; the catalog releases what it reserved."""
    if order.status not in CANCELLABLE:
        raise OrderRefused(409, f"This order is {order.status}; only pending or confirmed orders can be cancelled.")
    order.move_to(CANCELLED, "Cancelled by the customer.")
    publish_state(session, order)

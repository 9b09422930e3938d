"""order.placed → reserve stock for every line, or for none, and answer with catalog.stock.reserved or .rejected."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy.orm import Session

from federation import outbox
from shared_contracts import Envelope
from shared_contracts.catalog import StockLine, StockRejected, StockReserved, StockShortfall
from shared_contracts.order import OrderState
from systems.catalog.inventory.models import Reservation, ReservationLine
from systems.catalog.inventory.stock import lock_products
from systems.catalog.products.events import record_change
from systems.catalog.products.models import Product

MAX_REASON = 1000


def on_order_placed(session: Session, event: Envelope) -> None:
    """Reserve the order's quantities atomically; an order already answered (or cancelled first) is not reserved again."""
    order = event.data_as(OrderState)
    reservation = session.get(Reservation, order.id, with_for_update=True)
    if reservation is not None:
        if reservation.status == "cancelled":
            reservation.status, reservation.reason = "rejected", "order was cancelled"
            _publish_rejected(session, order.id, "order was cancelled", [])
        return
    reservation = Reservation(order_id=order.id, status="reserved")
    session.add(reservation)
    session.flush()  # claims the order id: a competing worker with the same order waits here, then fails and retries

    wanted: Counter[uuid.UUID] = Counter()
    for line in order.lines:
        wanted[line.product_id] += line.quantity
    products = lock_products(session, wanted)
    reasons, shortfalls = _shortfalls(wanted, products, {line.product_id: line.name for line in order.lines})
    if reasons:
        reservation.status, reservation.reason = "rejected", "; ".join(reasons)[:MAX_REASON]
        _publish_rejected(session, order.id, reservation.reason, shortfalls)
        return
    for product_id, quantity in wanted.items():
        product = products[product_id]
        product.stock -= quantity
        record_change(session, product)
        reservation.lines.append(ReservationLine(product_id=product_id, quantity=quantity))
    reserved = StockReserved(
        order_id=order.id, lines=[StockLine(product_id=pid, quantity=quantity) for pid, quantity in wanted.items()]
    )
    outbox.add(session, "catalog.stock.reserved", reserved, aggregate_id=order.id, aggregate_version=1)


def _shortfalls(
    wanted: Counter[uuid.UUID], products: dict[uuid.UUID, Product], names: dict[uuid.UUID, str]
) -> tuple[list[str], list[StockShortfall]]:
    """Why the order can't be reserved (readable reasons) and which lines fall short; both empty if it can."""
    reasons: list[str] = []
    shortfalls: list[StockShortfall] = []
    for product_id, quantity in wanted.items():
        product = products.get(product_id)
        if product is None:
            reasons.append(f"{names[product_id]} is not in the catalog")
        elif product.discontinued:
            reasons.append(f"{product.name} is discontinued")
        elif product.stock < quantity:
            reasons.append(f"Not enough stock for {product.name} (requested {quantity}, available {product.stock})")
        else:
            continue
        available = 0 if product is None or product.discontinued else product.stock
        shortfalls.append(StockShortfall(product_id=product_id, requested=quantity, available=available))
    return reasons, shortfalls


def _publish_rejected(session: Session, order_id: uuid.UUID, reason: str, shortfalls: list[StockShortfall]) -> None:
    """The catalog's one answer to an order it could not (or must not) reserve."""
    rejected = StockRejected(order_id=order_id, reason=reason, shortfalls=shortfalls)
    outbox.add(session, "catalog.stock.rejected", rejected, aggregate_id=order_id, aggregate_version=1)

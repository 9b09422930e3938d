"""The order's public state and the event that announces each status (full state, current version)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation import outbox
from shared_contracts.order import OrderLine as OrderLineState
from shared_contracts.order import OrderState
from systems.order.orders.models import CANCELLED, CONFIRMED, PENDING, REJECTED, Order

EVENT_OF_STATUS = {
    PENDING: "order.placed",
    CONFIRMED: "order.confirmed",
    REJECTED: "order.rejected",
    CANCELLED: "order.cancelled",
}


def order_state(order: Order) -> OrderState:
    """The contract model of an order as it is now."""
    return OrderState(
        id=order.id,
        customer_id=order.customer_id,
        status=order.status,
        lines=[
            OrderLineState(
                product_id=line.product_id,
                name=line.name,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
            )
            for line in order.lines
        ],
        total_cents=order.total_cents,
        currency=order.currency,
        placed_at=order.placed_at,
        reason=order.reason,
    )


def publish_state(session: Session, order: Order) -> None:
    """Add the event of the order's current status to the outbox, in the caller's transaction."""
    outbox.add(
        session,
        EVENT_OF_STATUS[order.status],
        order_state(order),
        aggregate_id=order.id,
        aggregate_version=order.version,
    )


def order_json(order: Order) -> dict:
    """The API shape of an order: its public state plus version and status history."""
    return {
        **order_state(order).model_dump(mode="json"),
        "version": order.version,
        "history": [
            {"status": change.status, "at": change.at.isoformat(), "reason": change.reason} for change in order.history
        ],
    }

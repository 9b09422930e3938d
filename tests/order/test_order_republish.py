"""SYSTEM.republishers["orders"]: every order's current state event, at its current version, for a resync."""

from __future__ import annotations

from systems.order.system import SYSTEM
from tests.order.helpers import add_product, deliver, outbox_events, session_factory, stock_event


def test_every_order_is_republished_with_the_event_of_its_status(any_app, bearer):
    mug = add_product(any_app)
    client = any_app.test_client()
    ids = [
        client.post("/api/orders", json={"lines": [{"product_id": str(mug), "quantity": 1}]}, headers=bearer).json["id"]
        for _ in range(4)
    ]
    pending, confirmed, rejected, cancelled = ids
    deliver(any_app, stock_event("catalog.stock.reserved", confirmed, lines=[{"product_id": str(mug), "quantity": 1}]))
    deliver(any_app, stock_event("catalog.stock.rejected", rejected))
    deliver(any_app, stock_event("catalog.stock.reserved", cancelled, lines=[{"product_id": str(mug), "quantity": 1}]))
    client.post(f"/api/orders/{cancelled}/cancel", headers=bearer)
    before = len(outbox_events(any_app))

    with session_factory(any_app)() as session:
        count = SYSTEM.republishers["orders"](session)
        session.commit()

    assert count == 4
    republished = {
        e["aggregate_id"]: (e["type"], e["aggregate_version"], e["data"]["status"])
        for e in outbox_events(any_app)[before:]
    }
    assert republished == {
        pending: ("order.placed", 1, "pending"),
        confirmed: ("order.confirmed", 2, "confirmed"),
        rejected: ("order.rejected", 2, "rejected"),
        cancelled: ("order.cancelled", 3, "cancelled"),
    }


def test_nothing_to_republish_without_orders(app):
    with session_factory(app)() as session:
        assert SYSTEM.republishers["orders"](session) == 0

"""Demo orders wait for the copies they need, then are placed once, through the outbox."""

from __future__ import annotations

import uuid

import pytest

from federation.demo import NotReadyYet
from federation.systems import DemoScale
from systems.order.orders.demo import BATCH, DEMO_ORDERS, load_demo_orders
from tests.order.helpers import add_product, deliver, outbox_events, session_factory, user_event


def load(app, scale: DemoScale | None = None) -> list[tuple[int, int]]:
    """Run the loader as `scs demo-data` does: commit after every batch."""
    batches = []
    with session_factory(app)() as session:
        for batch in load_demo_orders(session, scale or DemoScale()):
            session.commit()
            batches.append(batch)
    return batches


def test_demo_orders_wait_for_copies_then_are_placed_once(app):
    with pytest.raises(NotReadyYet):
        load(app)
    for email in DEMO_ORDERS:
        deliver(app, user_event("user.registered", 1, uuid.uuid4(), email=email))
    for sku in {sku for lines in DEMO_ORDERS.values() for sku, _ in lines}:
        add_product(app, sku=sku)
    assert load(app) == [(len(DEMO_ORDERS), len(DEMO_ORDERS))]
    assert load(app) == []
    assert len(outbox_events(app, "order.placed")) == len(DEMO_ORDERS)
    assert load(app, DemoScale(orders=BATCH + 5)) == [(BATCH, BATCH + 3), (3, BATCH + 3)]
    assert len(outbox_events(app, "order.placed")) == BATCH + 5

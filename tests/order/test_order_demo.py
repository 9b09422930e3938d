"""Demo orders wait for the copies they need, then are placed once, through the outbox."""

from __future__ import annotations

import uuid

import pytest

from federation.demo import NotReadyYet
from systems.order.orders.demo import DEMO_ORDERS, load_demo_orders
from tests.order.helpers import add_product, deliver, outbox_events, session_factory, user_event


def test_demo_orders_wait_for_copies_then_are_placed_once(app):
    with session_factory(app)() as session, pytest.raises(NotReadyYet):
        load_demo_orders(session)
    for email in DEMO_ORDERS:
        deliver(app, user_event("user.registered", 1, uuid.uuid4(), email=email))
    for sku in {sku for lines in DEMO_ORDERS.values() for sku, _ in lines}:
        add_product(app, sku=sku)
    for expected in (len(DEMO_ORDERS), 0):
        with session_factory(app)() as session:
            assert load_demo_orders(session) == expected
            session.commit()
    assert len(outbox_events(app, "order.placed")) == len(DEMO_ORDERS)

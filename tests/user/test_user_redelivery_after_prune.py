"""The user system's orders copy is idempotent by state: an order event again after its inbox row was pruned changes nothing.

Housekeeping deletes inbox rows older than SCS_INBOX_RETENTION; an older order event delivered after that never
takes an order in "My orders" back to an earlier status.
"""

from __future__ import annotations

import uuid

import pytest

from systems.user.orders_copy.models import OrderCopy
from systems.user.system import SYSTEM
from tests.federation.harness import delivering_to
from tests.user.support import migrated_app, order_event


@pytest.fixture
def app(data_dir, database_url):
    app = migrated_app(data_dir, database_url)
    yield app
    app.extensions["scs"].engine.dispose()


def test_order_events_again_never_regress_the_orders_copy(app, amqp_url, namespace):
    factory = app.extensions["scs"].session_factory
    order_id, customer_id = uuid.uuid4(), uuid.uuid4()
    placed = order_event("order.placed", 1, order_id=order_id, customer_id=customer_id)
    confirmed = order_event("order.confirmed", 2, order_id=order_id, customer_id=customer_id)
    with delivering_to(SYSTEM, amqp_url, namespace, factory) as events:
        events.deliver(placed, confirmed)

        events.again_after_prune(order_event("order.placed", 1), confirmed, placed)

    with factory() as session:
        copy = session.get(OrderCopy, order_id)
        assert (copy.status, copy.aggregate_version) == ("confirmed", 2)

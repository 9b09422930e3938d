"""Order reactive functions are idempotent by state: an event again after its inbox row was pruned changes nothing.

Housekeeping deletes inbox rows older than SCS_INBOX_RETENTION; a catalog or user event delivered after that
neither regresses a copy nor settles an order twice, and is not dead-lettered either.
"""

from __future__ import annotations

import uuid

import pytest

from systems.order.customers_copy.models import CustomerCopy
from systems.order.orders.models import Order
from systems.order.products_copy.models import ProductCopy
from systems.order.system import SYSTEM
from tests.federation.harness import delivering_to
from tests.order.helpers import add_product, outbox_events, product_event, session_factory, stock_event, user_event


@pytest.fixture
def events(any_app, amqp_url, namespace):
    """Events delivered through the broker to the order system's running consumer."""
    with delivering_to(SYSTEM, amqp_url, namespace, session_factory(any_app)) as deliveries:
        yield deliveries


def row(app, model, key):
    with session_factory(app)() as session:
        return session.get(model, key)


def place(app, bearer, product_id) -> uuid.UUID:
    body = {"lines": [{"product_id": str(product_id), "quantity": 2}]}
    return uuid.UUID(app.test_client().post("/api/orders", json=body, headers=bearer).json["id"])


def later_catalog_event():
    """A catalog event newer than those a test delivers again (so that their inbox rows are pruned)."""
    return product_event(1, event_type="catalog.product.created")


def later_user_event():
    """A user event newer than those a test delivers again."""
    return user_event("user.registered", 1, uuid.uuid4())


def test_product_events_again_never_regress_the_product_copy(any_app, events):
    product_id = uuid.uuid4()
    created = product_event(1, product_id, "catalog.product.created", name="Mug", price_cents=1250)
    updated = product_event(2, product_id, name="Blue mug", price_cents=1300)
    events.deliver(created, updated)

    events.again_after_prune(later_catalog_event(), updated, created)

    copy = row(any_app, ProductCopy, product_id)
    assert (copy.name, copy.price_cents, copy.aggregate_version) == ("Blue mug", 1300, 2)


def test_user_events_again_never_regress_the_customer_copy(any_app, events):
    user_id = uuid.uuid4()
    registered = user_event("user.registered", 1, user_id, email="ada@example.org", display_name="Ada")
    updated = user_event("user.profile_updated", 2, user_id, display_name="Ada L.")
    events.deliver(registered, updated)

    events.again_after_prune(later_user_event(), updated, registered)

    copy = row(any_app, CustomerCopy, user_id)
    assert (copy.display_name, copy.aggregate_version) == ("Ada L.", 2)


def test_user_deleted_again_leaves_the_tombstone_as_it_is(any_app, events):
    user_id = uuid.uuid4()
    registered = user_event("user.registered", 1, user_id, email="ada@example.org", display_name="Ada")
    deleted = user_event("user.deleted", 2, user_id)
    events.deliver(registered, deleted)

    events.again_after_prune(later_user_event(), deleted, registered)

    copy = row(any_app, CustomerCopy, user_id)
    assert (copy.email, copy.display_name, copy.deleted, copy.aggregate_version) == (None, None, True, 2)


def test_stock_reserved_again_confirms_the_order_once(any_app, bearer, events):
    order_id = place(any_app, bearer, add_product(any_app))
    reserved = stock_event("catalog.stock.reserved", order_id)
    events.deliver(reserved)

    events.again_after_prune(later_catalog_event(), reserved)

    order = row(any_app, Order, order_id)
    assert (order.status, order.version, [change.status for change in order.history]) == (
        "confirmed",
        2,
        ["pending", "confirmed"],
    )
    assert len(outbox_events(any_app, "order.confirmed")) == 1


def test_stock_rejected_again_rejects_the_order_once(any_app, bearer, events):
    order_id = place(any_app, bearer, add_product(any_app))
    rejected = stock_event("catalog.stock.rejected", order_id, reason="not enough stock")
    events.deliver(rejected)

    events.again_after_prune(later_catalog_event(), rejected)

    order = row(any_app, Order, order_id)
    assert (order.status, order.version, len(order.history)) == ("rejected", 2, 2)
    assert len(outbox_events(any_app, "order.rejected")) == 1

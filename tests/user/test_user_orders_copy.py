"""The orders copy: order.* events kept per user (never regressed), shown as "My orders" while the order system is away."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from federation.consumer import EventRejected
from federation.runtime_models import InboxMessage
from federation.topology import Names
from shared_contracts import new_event
from shared_contracts.examples import example_data
from systems.user.orders_copy.models import OrderCopy
from systems.user.orders_copy.reactive.on_order_changed import on_order_changed
from systems.user.system import SYSTEM
from tests.conftest import wait_for
from tests.federation.harness import drain_queue, publish_event, running_consumer
from tests.user.support import PASSWORD, log_in, migrated_app, order_event, register


@pytest.fixture
def app(data_dir, database_url):
    app = migrated_app(data_dir, database_url)
    yield app
    app.extensions["scs"].engine.dispose()


def stored(app, order_id) -> OrderCopy | None:
    with app.extensions["scs"].session_factory() as session:
        return session.get(OrderCopy, order_id)


def apply(app, event) -> None:
    """Call the reactive function the way the consumer does: in a transaction it commits afterwards."""
    with app.extensions["scs"].session_factory() as session:
        on_order_changed(session, event)
        session.commit()


def test_each_order_event_updates_the_copy_and_older_ones_never_regress_it(app):
    order_id, customer_id = uuid.uuid4(), uuid.uuid4()
    apply(app, order_event("order.placed", 1, order_id=order_id, customer_id=customer_id))
    copy = stored(app, order_id)
    assert copy is not None
    assert (copy.customer_id, copy.status, copy.total_cents, copy.currency, copy.aggregate_version) == (
        customer_id,
        "pending",
        2500,
        "EUR",
        1,
    )
    apply(app, order_event("order.confirmed", 2, order_id=order_id, customer_id=customer_id))
    apply(app, order_event("order.placed", 1, order_id=order_id, customer_id=customer_id))
    copy = stored(app, order_id)
    assert copy is not None and (copy.status, copy.aggregate_version) == ("confirmed", 2)
    apply(app, order_event("order.cancelled", 3, order_id=order_id, customer_id=customer_id))
    copy = stored(app, order_id)
    assert copy is not None and copy.status == "cancelled"


def test_events_that_make_no_sense_are_rejected_and_store_nothing(app):
    order_id = uuid.uuid4()
    with pytest.raises(EventRejected, match="order.confirmed carries status 'pending'"):
        apply(app, order_event("order.confirmed", 2, order_id=order_id, status="pending"))
    wrong_aggregate = new_event(
        "order.placed",
        {**example_data("order.placed"), "id": str(order_id)},
        aggregate_id=str(uuid.uuid4()),
        aggregate_version=1,
    )
    with pytest.raises(EventRejected, match="is not the order id"):
        apply(app, wrong_aggregate)
    assert stored(app, order_id) is None


def test_orders_of_a_deleted_account_are_forgotten_and_not_copied_again(app):
    client = app.test_client()
    user_id = uuid.UUID(register(client).json["id"])
    first, second = uuid.uuid4(), uuid.uuid4()
    apply(app, order_event("order.placed", 1, order_id=first, customer_id=user_id))
    log_in(client)
    client.delete("/api/users/me", json={"password": PASSWORD})
    apply(app, order_event("order.confirmed", 2, order_id=first, customer_id=user_id))
    apply(app, order_event("order.placed", 1, order_id=second, customer_id=user_id))
    assert stored(app, first) is None and stored(app, second) is None


def test_the_consumer_keeps_my_orders_current_even_out_of_order(data_dir, sqlite_url, amqp_url, namespace):
    app = migrated_app(data_dir, sqlite_url, SCS_NAMESPACE=namespace)
    client = app.test_client()
    user_id = uuid.UUID(register(client).json["id"])
    log_in(client)
    assert client.get("/api/users/me/orders").json == {"items": [], "next": None, "previous": None, "as_of": None}
    order_id = uuid.uuid4()
    confirmed = order_event("order.confirmed", 2, order_id=order_id, customer_id=user_id, total_cents=123456)
    placed = order_event("order.placed", 1, order_id=order_id, customer_id=user_id, total_cents=123456)
    nonsense = order_event("order.rejected", 2, customer_id=user_id, status="confirmed")
    factory = app.extensions["scs"].session_factory
    with running_consumer(system=SYSTEM, amqp_url=amqp_url, namespace=namespace, session_factory=factory):
        for event in (confirmed, placed, nonsense, placed):
            publish_event(amqp_url, namespace, event)

        def seen():
            with factory() as session:
                return (
                    len(session.scalars(select(InboxMessage.event_id).where(InboxMessage.consumer == "user")).all())
                    == 2
                )

        wait_for(seen, message="both order events in the inbox")
        dead = wait_for(
            lambda: drain_queue(amqp_url, Names(namespace).dead_letter_queue("user")),
            message="the nonsense event dead-lettered",
        )
    assert b"carries status 'confirmed'" in dead[0][0].headers["x-scs-reason"].encode()

    mine = client.get("/api/users/me/orders").json
    assert mine is not None
    [order] = mine["items"]
    assert (order["id"], order["status"], order["total_cents"], order["version"]) == (
        str(order_id),
        "confirmed",
        123456,
        2,
    )
    assert order["url"] == f"http://localhost:5003/orders/{order_id}"
    assert mine["as_of"] is not None
    page = client.get("/").get_data(as_text=True)
    assert f'<a href="http://localhost:5003/orders/{order_id}">Order #{str(order_id)[:8].upper()}</a>' in page
    assert "€1,234.56" in page and "status-confirmed" in page and "As of " in page
    assert "no orders yet" not in page
    product_id = example_data("order.placed")["lines"][0]["product_id"]
    assert f'data-fragment="http://localhost:5002/fragments/v1/products/{product_id}/thumbnail"' in page


def test_the_copy_keeps_the_first_three_distinct_products_of_the_lines(app):
    order_id, customer_id = uuid.uuid4(), uuid.uuid4()
    products = [str(uuid.uuid4()) for _ in range(4)]
    event = order_event("order.placed", 1, order_id=order_id, customer_id=customer_id)
    data = event.data.model_dump(mode="json")
    data["lines"] = [
        {"product_id": pid, "name": "Mug", "quantity": 1, "unit_price_cents": 100}
        for pid in [products[0], products[1], products[0], products[2], products[3]]
    ]
    data["total_cents"] = 500
    apply(app, new_event("order.placed", data, aggregate_id=str(order_id), aggregate_version=1))
    copy = stored(app, order_id)
    assert copy is not None and copy.product_ids == products[:3]

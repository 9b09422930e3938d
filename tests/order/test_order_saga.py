"""The stock saga: the catalog's answers confirm or reject pending orders; senseless answers are dead-lettered."""

from __future__ import annotations

import uuid

import pytest

from federation.consumer import EventRejected
from federation.topology import Names
from systems.order.orders.models import Order
from systems.order.orders.reactive.on_stock_rejected import on_stock_rejected
from systems.order.orders.reactive.on_stock_reserved import on_stock_reserved
from systems.order.system import SYSTEM
from tests.conftest import wait_for
from tests.federation.harness import drain_queue, publish_event, queue_depth, running_consumer
from tests.order.helpers import add_product, outbox_events, session_factory, stock_event


def place(app, bearer, product_id, quantity: int = 2) -> str:
    body = {"lines": [{"product_id": str(product_id), "quantity": quantity}]}
    return app.test_client().post("/api/orders", json=body, headers=bearer).json["id"]


def order(app, order_id) -> Order:
    with session_factory(app)() as session:
        return session.get(Order, uuid.UUID(str(order_id)))


def handle(app, handler, event) -> None:
    with session_factory(app)() as session:
        handler(session, event)
        session.commit()


def reserved(order_id, product_id, quantity: int = 2):
    return stock_event(
        "catalog.stock.reserved", order_id, lines=[{"product_id": str(product_id), "quantity": quantity}]
    )


def rejected(order_id, product_id):
    return stock_event(
        "catalog.stock.rejected",
        order_id,
        reason="not enough stock",
        shortfalls=[{"product_id": str(product_id), "requested": 2, "available": 1}],
    )


def test_a_reservation_confirms_a_pending_order(any_app, bearer):
    mug = add_product(any_app)
    order_id = place(any_app, bearer, mug)
    handle(any_app, on_stock_reserved, reserved(order_id, mug))
    confirmed = order(any_app, order_id)
    assert (confirmed.status, confirmed.version) == ("confirmed", 2)
    assert [c.status for c in confirmed.history] == ["pending", "confirmed"]
    (event,) = outbox_events(any_app, "order.confirmed")
    assert (event["aggregate_id"], event["aggregate_version"], event["data"]["status"]) == (order_id, 2, "confirmed")


def test_a_rejection_rejects_a_pending_order_with_a_readable_reason(any_app, bearer):
    mug = add_product(any_app, name="Enamel mug")
    order_id = place(any_app, bearer, mug)
    handle(any_app, on_stock_rejected, rejected(order_id, mug))
    result = order(any_app, order_id)
    assert (result.status, result.version) == ("rejected", 2)
    assert result.reason == "not enough stock (Enamel mug: 2 requested, 1 available)"
    assert result.history[-1].reason == result.reason
    (event,) = outbox_events(any_app, "order.rejected")
    assert event["aggregate_version"] == 2 and event["data"]["reason"] == result.reason


def test_answers_for_unknown_orders_or_contradicting_the_settled_answer_are_refused(app, bearer):
    mug = add_product(app)
    unknown = uuid.uuid4()
    with pytest.raises(EventRejected, match=f"stock reservation for unknown order {unknown}"):
        handle(app, on_stock_reserved, reserved(unknown, mug))
    with pytest.raises(EventRejected, match="stock rejection for unknown order"):
        handle(app, on_stock_rejected, rejected(unknown, mug))
    order_id = place(app, bearer, mug)
    handle(app, on_stock_reserved, reserved(order_id, mug))
    with pytest.raises(EventRejected, match="which is confirmed, no longer pending"):
        handle(app, on_stock_rejected, rejected(order_id, mug))
    handle(app, on_stock_reserved, reserved(order_id, mug))  # the same answer again: the order already says so
    assert order(app, order_id).version == 2 and len(outbox_events(app, "order.confirmed")) == 1
    to_reject = place(app, bearer, mug)
    handle(app, on_stock_rejected, rejected(to_reject, mug))
    with pytest.raises(EventRejected, match="which is rejected, no longer pending"):
        handle(app, on_stock_reserved, reserved(to_reject, mug))
    handle(app, on_stock_rejected, rejected(to_reject, mug))
    assert order(app, to_reject).version == 2 and len(outbox_events(app, "order.rejected")) == 1


def test_the_saga_through_the_real_consumer(any_app, bearer, amqp_url, namespace):
    mug = add_product(any_app, name="Enamel mug")
    to_confirm, to_reject, to_cancel = (place(any_app, bearer, mug) for _ in range(3))
    client = any_app.test_client()
    assert client.post(f"/api/orders/{to_cancel}/cancel", headers=bearer).json["status"] == "cancelled"
    late = reserved(to_cancel, mug)
    unknown_order = uuid.uuid4()
    with running_consumer(
        system=SYSTEM, amqp_url=amqp_url, namespace=namespace, session_factory=session_factory(any_app)
    ):
        for event in (reserved(to_confirm, mug), rejected(to_reject, mug), late, rejected(unknown_order, mug)):
            publish_event(amqp_url, namespace, event)
        wait_for(lambda: order(any_app, to_confirm).status == "confirmed", message="the confirmation")
        wait_for(lambda: order(any_app, to_reject).status == "rejected", message="the rejection")
        dlq = Names(namespace).dead_letter_queue("order")
        wait_for(lambda: queue_depth(amqp_url, dlq) == 1, message="the dead letter")
    reasons = sorted(properties.headers["x-scs-reason"] for properties, _ in drain_queue(amqp_url, dlq))
    assert reasons == [
        f"rejected: stock rejection for unknown order {unknown_order}"
    ]  # a late answer for a cancelled order is ignored
    assert order(any_app, to_cancel).status == "cancelled" and order(any_app, to_cancel).version == 2
    assert (
        client.get(f"/api/orders/{to_reject}", headers=bearer).json["reason"]
        == "not enough stock (Enamel mug: 2 requested, 1 available)"
    )
    events = [
        (e["type"], e["aggregate_id"], e["aggregate_version"])
        for e in outbox_events(any_app)
        if e["type"] != "order.placed"
    ]
    assert events == [
        ("order.cancelled", to_cancel, 2),
        ("order.confirmed", to_confirm, 2),
        ("order.rejected", to_reject, 2),
    ]

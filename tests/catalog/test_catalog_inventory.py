"""Stock reservations: all lines or none, readable rejections, once per order, released once, cancellations that overtake."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from federation.runtime_models import InboxMessage
from federation.topology import Names
from shared_contracts.catalog import ProductState, StockRejected, StockReserved
from shared_contracts.order import OrderState
from systems.catalog.inventory.models import Reservation
from systems.catalog.inventory.reactive.on_order_cancelled import on_order_cancelled
from systems.catalog.inventory.reactive.on_order_placed import on_order_placed
from systems.catalog.system import SYSTEM
from tests.catalog.conftest import add_product, apply, get_product, order_event, outbox
from tests.conftest import wait_for
from tests.federation.harness import publish_event, queue_depth, running_consumer


def reservation(session_factory, order_id) -> Reservation:
    with session_factory() as session:
        found = session.get(Reservation, order_id)
    assert found is not None, f"no reservation for order {order_id}"
    return found


def test_order_placed_reserves_every_line_and_publishes_new_states(session_factory):
    mug = add_product(session_factory, stock=5)
    pot = add_product(session_factory, name="Teapot", stock=2)
    event = order_event("order.placed", [(mug.id, 2), (pot.id, 2), (mug.id, 1)])
    apply(session_factory, on_order_placed, event)
    assert (get_product(session_factory, mug.id).stock, get_product(session_factory, pot.id).stock) == (2, 0)
    [reserved] = outbox(session_factory, "catalog.stock.reserved")
    assert (reserved.aggregate_id, reserved.aggregate_version) == (event.aggregate_id, 1)
    lines = reserved.data_as(StockReserved).lines
    assert {(line.product_id, line.quantity) for line in lines} == {(mug.id, 3), (pot.id, 2)}
    updates = outbox(session_factory, "catalog.product.updated")
    assert {(u.aggregate_id, u.aggregate_version, u.data_as(ProductState).stock) for u in updates} == {
        (str(mug.id), 2, 2),
        (str(pot.id), 2, 0),
    }
    assert reservation(session_factory, event.data_as(OrderState).id).status == "reserved"


def test_a_short_line_rejects_the_whole_order_with_a_reason(session_factory):
    mug = add_product(session_factory, name="Enamel mug", stock=1)
    pot = add_product(session_factory, name="Teapot", stock=9)
    event = order_event("order.placed", [(pot.id, 2), (mug.id, 3)])
    apply(session_factory, on_order_placed, event)
    [answer] = outbox(session_factory, "catalog.stock.rejected")
    rejected = answer.data_as(StockRejected)
    assert rejected.reason == "Not enough stock for Enamel mug (requested 3, available 1)"
    assert [(s.product_id, s.requested, s.available) for s in rejected.shortfalls] == [(mug.id, 3, 1)]
    assert (get_product(session_factory, mug.id).stock, get_product(session_factory, pot.id).stock) == (1, 9)
    assert outbox(session_factory, "catalog.product.updated") == []
    assert reservation(session_factory, event.data_as(OrderState).id).status == "rejected"


def test_unknown_and_discontinued_products_are_rejected_not_crashed(session_factory):
    old = add_product(session_factory, name="Old mug", discontinued=True)
    ghost = uuid.uuid4()
    event = order_event("order.placed", [(ghost, 1, "Ghost cup"), (old.id, 1)])
    apply(session_factory, on_order_placed, event)
    [answer] = outbox(session_factory, "catalog.stock.rejected")
    rejected = answer.data_as(StockRejected)
    assert rejected.reason == "Ghost cup is not in the catalog; Old mug is discontinued"
    assert {(s.product_id, s.available) for s in rejected.shortfalls} == {(ghost, 0), (old.id, 0)}


def test_the_same_order_placed_twice_reserves_once(session_factory):
    mug = add_product(session_factory, stock=5)
    event = order_event("order.placed", [(mug.id, 2)])
    apply(session_factory, on_order_placed, event)
    republished = order_event("order.placed", [(mug.id, 2)], order_id=event.data_as(OrderState).id)
    assert republished.id != event.id
    apply(session_factory, on_order_placed, republished)
    assert get_product(session_factory, mug.id).stock == 3
    assert len(outbox(session_factory, "catalog.stock.reserved")) == 1


def test_order_events_re_published_through_the_broker_with_new_ids_reserve_and_release_once(
    session_factory, amqp_url, namespace
):
    mug, order_id = add_product(session_factory, stock=5), uuid.uuid4()
    placed = order_event("order.placed", [(mug.id, 2)], order_id=order_id)
    cancelled = order_event("order.cancelled", [(mug.id, 2)], order_id=order_id, version=3)
    with running_consumer(system=SYSTEM, amqp_url=amqp_url, namespace=namespace, session_factory=session_factory):
        for event in (placed, cancelled):
            again = order_event(event.type, [(mug.id, 2)], order_id=order_id, version=event.aggregate_version)
            assert again.id != event.id  # what a resync or a relay without the original id sends: the inbox can't tell
            publish_event(amqp_url, namespace, event)
            publish_event(amqp_url, namespace, again)

            def both_applied(event=event, again=again) -> bool:
                return _in_inbox(session_factory, event, again)

            wait_for(both_applied, message=f"both {event.type} applied")
            if event is placed:
                assert get_product(session_factory, mug.id).stock == 3
    assert get_product(session_factory, mug.id).stock == 5
    released = reservation(session_factory, order_id)
    assert released is not None and released.status == "released"
    assert len(outbox(session_factory, "catalog.stock.reserved")) == 1
    assert queue_depth(amqp_url, Names(namespace).dead_letter_queue("catalog")) == 0


def test_cancel_releases_once(session_factory):
    mug = add_product(session_factory, stock=5)
    placed = order_event("order.placed", [(mug.id, 2)])
    order_id = placed.data_as(OrderState).id
    apply(session_factory, on_order_placed, placed)
    cancelled = order_event("order.cancelled", [(mug.id, 2)], order_id=order_id, version=3)
    apply(session_factory, on_order_cancelled, cancelled)
    apply(
        session_factory,
        on_order_cancelled,
        order_event("order.cancelled", [(mug.id, 2)], order_id=order_id, version=3),
    )
    product = get_product(session_factory, mug.id)
    assert (product.stock, product.version) == (5, 3)
    assert reservation(session_factory, order_id).status == "released"
    assert [e.data_as(ProductState).stock for e in outbox(session_factory, "catalog.product.updated")] == [3, 5]


def test_cancelling_a_rejected_order_releases_nothing(session_factory):
    mug = add_product(session_factory, stock=1)
    placed = order_event("order.placed", [(mug.id, 2)])
    order_id = placed.data_as(OrderState).id
    apply(session_factory, on_order_placed, placed)
    apply(
        session_factory,
        on_order_cancelled,
        order_event("order.cancelled", [(mug.id, 2)], order_id=order_id, version=3),
    )
    assert get_product(session_factory, mug.id).stock == 1
    assert reservation(session_factory, order_id).status == "rejected"


def test_a_cancellation_that_overtakes_its_order_placed_prevents_the_reservation(session_factory):
    mug = add_product(session_factory, stock=5)
    order_id = uuid.uuid4()
    apply(
        session_factory, on_order_cancelled, order_event("order.cancelled", [(mug.id, 2)], order_id=order_id, version=3)
    )
    assert reservation(session_factory, order_id).status == "cancelled"
    apply(session_factory, on_order_placed, order_event("order.placed", [(mug.id, 2)], order_id=order_id))
    assert get_product(session_factory, mug.id).stock == 5
    [answer] = outbox(session_factory, "catalog.stock.rejected")
    rejected = answer.data_as(StockRejected)
    assert (rejected.order_id, rejected.reason) == (order_id, "order was cancelled")
    assert reservation(session_factory, order_id).status == "rejected"


def test_the_consumer_reserves_and_releases_through_the_broker(session_factory, amqp_url, namespace):
    mug = add_product(session_factory, stock=4)
    placed = order_event("order.placed", [(mug.id, 3)])
    order_id = placed.data_as(OrderState).id
    cancelled = order_event("order.cancelled", [(mug.id, 3)], order_id=order_id, version=3)
    with running_consumer(system=SYSTEM, amqp_url=amqp_url, namespace=namespace, session_factory=session_factory):
        publish_event(amqp_url, namespace, placed)
        publish_event(amqp_url, namespace, placed)  # a duplicate delivery: the inbox drops it
        wait_for(lambda: get_product(session_factory, mug.id).stock == 1, message="the reservation")
        publish_event(amqp_url, namespace, cancelled)
        wait_for(lambda: reservation(session_factory, order_id).status == "released", message="the release")
        wait_for(lambda: _inbox_count(session_factory) == 2, message="both events in the inbox")
    assert get_product(session_factory, mug.id).stock == 4
    assert [e.type for e in outbox(session_factory)][1:] == [
        "catalog.product.updated",
        "catalog.stock.reserved",
        "catalog.product.updated",
    ]


def _in_inbox(session_factory, *events) -> bool:
    with session_factory() as session:
        return all(session.get(InboxMessage, ("catalog", str(event.id))) for event in events)


def _inbox_count(session_factory) -> int:
    with session_factory() as session:
        return len(session.scalars(select(InboxMessage.event_id)).all())

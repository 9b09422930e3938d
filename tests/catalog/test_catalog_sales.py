"""The sales copy: confirmed orders count once, cancelled ones are taken out once, and it shows on the product page."""

from __future__ import annotations

import uuid

from shared_contracts.order import OrderState
from systems.catalog.products.queries import units_sold
from systems.catalog.sales.reactive.on_order_cancelled import on_order_cancelled
from systems.catalog.sales.reactive.on_order_confirmed import on_order_confirmed
from systems.catalog.system import SYSTEM
from tests.catalog.conftest import add_product, apply, order_event
from tests.conftest import wait_for
from tests.federation.harness import publish_event, running_consumer


def sold(session_factory, product_id) -> int:
    with session_factory() as session:
        return units_sold(session, product_id)


def test_confirmed_orders_count_once_per_order(session_factory):
    mug, pot = uuid.uuid4(), uuid.uuid4()
    confirmed = order_event("order.confirmed", [(mug, 2), (pot, 1)], version=2)
    apply(session_factory, on_order_confirmed, confirmed)
    apply(
        session_factory,
        on_order_confirmed,
        order_event("order.confirmed", [(mug, 2), (pot, 1)], order_id=confirmed.data_as(OrderState).id, version=2),
    )
    apply(session_factory, on_order_confirmed, order_event("order.confirmed", [(mug, 5)], version=2))
    assert (sold(session_factory, mug), sold(session_factory, pot)) == (7, 1)


def test_cancelling_a_counted_order_takes_it_out_once(session_factory):
    mug = uuid.uuid4()
    confirmed = order_event("order.confirmed", [(mug, 3)], version=2)
    apply(session_factory, on_order_confirmed, confirmed)
    apply(session_factory, on_order_confirmed, order_event("order.confirmed", [(mug, 1)], version=2))
    for _ in range(2):
        apply(
            session_factory,
            on_order_cancelled,
            order_event("order.cancelled", [(mug, 3)], order_id=confirmed.data_as(OrderState).id, version=3),
        )
    assert sold(session_factory, mug) == 1


def test_cancelling_an_uncounted_order_changes_nothing_and_a_late_confirmation_is_ignored(session_factory):
    mug = uuid.uuid4()
    order_id = uuid.uuid4()
    apply(session_factory, on_order_cancelled, order_event("order.cancelled", [(mug, 3)], order_id=order_id, version=3))
    apply(session_factory, on_order_confirmed, order_event("order.confirmed", [(mug, 3)], order_id=order_id, version=2))
    assert sold(session_factory, mug) == 0


def test_sales_arrive_through_the_broker_and_show_on_the_product_page(client, session_factory, amqp_url, namespace):
    product = add_product(session_factory, name="Enamel mug")
    with running_consumer(system=SYSTEM, amqp_url=amqp_url, namespace=namespace, session_factory=session_factory):
        publish_event(amqp_url, namespace, order_event("order.confirmed", [(product.id, 4)], version=2))
        wait_for(lambda: sold(session_factory, product.id) == 4, message="the sale to be counted")
    assert "4 sold" in client.get(f"/products/{product.id}").get_data(as_text=True)

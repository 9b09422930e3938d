"""Catalog reactive functions are idempotent by state: an event again after its inbox row was pruned changes nothing.

Housekeeping deletes inbox rows older than SCS_INBOX_RETENTION; an order event delivered after that reserves,
releases and counts nothing a second time, and an image upload makes no second set of variants.
"""

from __future__ import annotations

import uuid

import pytest

from shared_contracts.order import OrderState
from systems.catalog.products.queries import units_sold
from systems.catalog.system import SYSTEM
from tests.catalog.conftest import add_product, get_product, order_event, outbox
from tests.catalog.test_catalog_images import upload
from tests.federation.harness import delivering_to
from tests.images import photo


@pytest.fixture
def events(session_factory, amqp_url, namespace):
    """Order events delivered through the broker to the catalog's running consumer."""
    with delivering_to(SYSTEM, amqp_url, namespace, session_factory) as deliveries:
        yield deliveries


def later_order_event():
    """An order event newer than those a test delivers again (so that their inbox rows are pruned)."""
    return order_event("order.confirmed", [(uuid.uuid4(), 1)], version=2)


def stock_and_version(session_factory, product_id) -> tuple[int, int]:
    product = get_product(session_factory, product_id)
    return product.stock, product.version


def sold(session_factory, product_id) -> int:
    with session_factory() as session:
        return units_sold(session, product_id)


def answers(session_factory, order_id) -> list[str]:
    """The catalog's answers to one order, in the outbox."""
    return [
        event.type
        for event in outbox(session_factory)
        if event.type.startswith("catalog.stock.") and event.aggregate_id == str(order_id)
    ]


def test_order_placed_again_reserves_nothing_more_and_answers_once(session_factory, events):
    mug = add_product(session_factory, stock=10)
    fits = order_event("order.placed", [(mug.id, 2)])
    too_many = order_event("order.placed", [(mug.id, 50)])
    events.deliver(fits, too_many)
    assert stock_and_version(session_factory, mug.id) == (8, 2)

    events.again_after_prune(later_order_event(), fits, too_many)

    assert stock_and_version(session_factory, mug.id) == (8, 2)
    assert answers(session_factory, fits.data_as(OrderState).id) == ["catalog.stock.reserved"]
    assert answers(session_factory, too_many.data_as(OrderState).id) == ["catalog.stock.rejected"]


def test_order_cancelled_again_releases_nothing_more(session_factory, events):
    mug = add_product(session_factory, stock=10)
    placed = order_event("order.placed", [(mug.id, 3)])
    cancelled = order_event("order.cancelled", [(mug.id, 3)], order_id=placed.data_as(OrderState).id, version=3)
    events.deliver(placed, cancelled)
    assert stock_and_version(session_factory, mug.id) == (10, 3)

    events.again_after_prune(later_order_event(), cancelled, placed)

    assert stock_and_version(session_factory, mug.id) == (10, 3)
    assert answers(session_factory, placed.data_as(OrderState).id) == ["catalog.stock.reserved"]


def test_order_confirmed_again_counts_the_sale_once(session_factory, events):
    mug = uuid.uuid4()
    confirmed = order_event("order.confirmed", [(mug, 2)], version=2)
    events.deliver(confirmed)

    events.again_after_prune(later_order_event(), confirmed)

    assert sold(session_factory, mug) == 2


def test_order_cancelled_again_takes_the_sale_out_once(session_factory, events):
    mug = uuid.uuid4()
    confirmed = order_event("order.confirmed", [(mug, 2)], version=2)
    counted_before = order_event("order.confirmed", [(mug, 5)], version=2)  # another order of the same product
    cancelled = order_event("order.cancelled", [(mug, 2)], order_id=confirmed.data_as(OrderState).id, version=3)
    events.deliver(counted_before, confirmed, cancelled)
    assert sold(session_factory, mug) == 5

    events.again_after_prune(later_order_event(), cancelled, confirmed)

    assert sold(session_factory, mug) == 5


def test_an_image_upload_again_makes_no_second_set_of_variants_and_publishes_nothing(
    client, admin, session_factory, events
):
    mug = add_product(session_factory)
    upload(client, admin, mug.id, photo(200, 100))
    upload(client, admin, mug.id, photo(220, 100))
    first, later = outbox(session_factory, "catalog.product_image.uploaded")
    events.deliver(first)
    assert stock_and_version(session_factory, mug.id) == (10, 2)

    events.again_after_prune(later, first)

    assert stock_and_version(session_factory, mug.id) == (10, 3)  # the later upload's change only
    assert len(outbox(session_factory, "catalog.product.updated")) == 2

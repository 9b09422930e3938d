"""The order saga across the three systems as processes on the real broker, including catalog and user being down."""

from __future__ import annotations

from tests.e2e.journeys import (
    admin_headers,
    catalog_stock,
    confirmed_then_too_many_rejected,
    copied_product,
    create_product,
    order_settled,
    place_order,
    register_and_log_in,
)


def test_an_order_is_confirmed_stock_drops_and_my_orders_follow_and_too_much_is_rejected(federation):
    confirmed_then_too_many_rejected(federation)


def test_orders_are_taken_while_catalog_and_user_are_down_and_settle_when_catalog_returns(federation):
    admin = admin_headers(federation)
    product_id = create_product(federation, admin, stock=4)
    customer = register_and_log_in(federation)
    copied_product(federation, product_id)

    for process in ("catalog-web", "catalog-worker", "user-web", "user-worker"):
        federation.stop(process)
    copied_product(federation, product_id, headers=customer)
    order = place_order(federation, customer, product_id, 2)
    assert order["status"] == "pending"

    federation.start("catalog-worker")
    federation.start("catalog-web")
    assert order_settled(federation, customer, order["id"])["status"] == "confirmed"
    assert catalog_stock(federation, product_id) == 2

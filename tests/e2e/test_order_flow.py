"""The order saga across the three systems as processes on the real broker, including catalog and user being down."""

from __future__ import annotations

from tests.conftest import wait_for
from tests.e2e.journeys import (
    admin_headers,
    catalog_stock,
    copied_product,
    create_product,
    my_orders_copy,
    order_settled,
    place_order,
    register_and_log_in,
)


def test_an_order_is_confirmed_stock_drops_and_my_orders_follow_and_too_much_is_rejected(federation):
    admin = admin_headers(federation)
    product_id = create_product(federation, admin, stock=5)
    customer = register_and_log_in(federation)
    copied_product(federation, product_id)

    order = place_order(federation, customer, product_id, 3)
    assert order["status"] == "pending"
    assert order_settled(federation, customer, order["id"])["status"] == "confirmed"
    wait_for(lambda: catalog_stock(federation, product_id) == 2, message="the catalog stock to drop to 2")
    wait_for(
        lambda: any(
            o["id"] == order["id"] and o["status"] == "confirmed" for o in my_orders_copy(federation, customer)
        ),
        message="the user system's copy of my orders",
    )

    too_many = place_order(federation, customer, product_id, 3)
    rejected = order_settled(federation, customer, too_many["id"])
    assert rejected["status"] == "rejected"
    assert "Not enough stock" in rejected["reason"] or "not enough stock" in rejected["reason"]
    assert catalog_stock(federation, product_id) == 2


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

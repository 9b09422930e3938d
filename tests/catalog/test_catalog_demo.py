"""The demo product range is published like any new product, and loading it twice adds nothing."""

from __future__ import annotations

from shared_contracts.catalog import ProductState
from systems.catalog.products.demo import DEMO_PRODUCTS, load_demo_products
from tests.catalog.conftest import outbox


def test_demo_products_are_published_once(session_factory):
    with session_factory() as session:
        assert load_demo_products(session) == len(DEMO_PRODUCTS)
        session.commit()
    with session_factory() as session:
        assert load_demo_products(session) == 0
        session.commit()
    created = outbox(session_factory, "catalog.product.created")
    assert sorted(event.data_as(ProductState).sku for event in created) == sorted(sku for sku, *_ in DEMO_PRODUCTS)
    assert {event.aggregate_version for event in created} == {1}

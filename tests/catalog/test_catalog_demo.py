"""The demo product range is published like any new product, and loading it twice adds nothing."""

from __future__ import annotations

from shared_contracts.catalog import ProductState
from systems.catalog.images.reactive.on_product_image_uploaded import on_product_image_uploaded
from systems.catalog.products.demo import DEMO_PRODUCTS, load_demo_products
from tests.catalog.conftest import apply, outbox


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


def test_every_demo_product_gets_a_picture_through_the_upload_path(session_factory):
    with session_factory() as session:
        load_demo_products(session)
        session.commit()
    uploads = outbox(session_factory, "catalog.product_image.uploaded")
    assert len(uploads) == len(DEMO_PRODUCTS)
    for event in uploads:
        apply(session_factory, on_product_image_uploaded, event)
    states = [event.data_as(ProductState) for event in outbox(session_factory, "catalog.product.updated")]
    assert sorted(state.sku for state in states) == sorted(sku for sku, *_ in DEMO_PRODUCTS)
    assert all(len(state.images) == 1 and len(state.images[0].variants) == 3 for state in states)
    assert all(state.images[0].alt == f"Illustration: {state.name}" for state in states)

"""The demo product range is published like any new product, and loading it twice adds nothing."""

from __future__ import annotations

import uuid

from federation.systems import DemoScale
from shared_contracts.catalog import ProductState
from systems.catalog.images.reactive.on_product_image_uploaded import on_product_image_uploaded
from systems.catalog.products.demo import BATCH, DEMO_PRODUCTS, load_demo_products
from systems.catalog.products.generator import generated_products
from tests.catalog.conftest import apply, outbox


def load(session_factory, scale: DemoScale | None = None) -> list[tuple[int, int]]:
    """Run the loader as `scs demo-data` does: commit after every batch."""
    batches = []
    with session_factory() as session:
        for batch in load_demo_products(session, scale or DemoScale()):
            session.commit()
            batches.append(batch)
    return batches


def test_demo_products_are_published_once(session_factory):
    assert load(session_factory) == [(len(DEMO_PRODUCTS), len(DEMO_PRODUCTS))]
    assert load(session_factory) == []
    created = outbox(session_factory, "catalog.product.created")
    assert sorted(event.data_as(ProductState).sku for event in created) == sorted(sku for sku, *_ in DEMO_PRODUCTS)
    assert {event.aggregate_version for event in created} == {1}


def test_every_demo_product_gets_a_picture_through_the_upload_path(session_factory):
    load(session_factory)
    uploads = outbox(session_factory, "catalog.product_image.uploaded")
    assert len(uploads) == len(DEMO_PRODUCTS)
    for event in uploads:
        apply(session_factory, on_product_image_uploaded, event)
    states = [event.data_as(ProductState) for event in outbox(session_factory, "catalog.product.updated")]
    assert sorted(state.sku for state in states) == sorted(sku for sku, *_ in DEMO_PRODUCTS)
    assert all(len(state.images) == 1 and len(state.images[0].variants) == 3 for state in states)
    assert all(state.images[0].alt == f"Illustration: {state.name}" for state in states)


def test_a_larger_catalog_is_loaded_in_batches_up_to_the_asked_size_and_published(client, session_factory):
    target = len(DEMO_PRODUCTS) + BATCH + 10
    batches = load(session_factory, DemoScale(products=target))
    assert batches == [(len(DEMO_PRODUCTS), target), (BATCH, target), (10, target)]
    assert load(session_factory, DemoScale(products=target)) == []
    assert load(session_factory, DemoScale(products=target + 1)) == [(1, 1)]
    created = outbox(session_factory, "catalog.product.created")
    skus = [event.data_as(ProductState).sku for event in created]
    assert len(created) == len(set(skus)) == target + 1
    assert client.get("/api/products", query_string={"q": "mug"}).json["items"]


def test_generated_products_are_believable_and_the_same_every_run():
    first = list(generated_products(100, 200))
    assert first == list(generated_products(100, 200)) and first[5] == next(generated_products(105, 1))
    assert len({product.sku for product in first}) == 200 and len({product.name for product in first}) > 150
    assert all(199 <= product.price_cents <= 20_000 and 0 <= product.stock <= 250 for product in first)
    assert all(product.name[0].isupper() and product.description.endswith(".") for product in first)
    ProductState(id=uuid.uuid4(), currency="EUR", discontinued=False, **vars(first[0]))  # the contract takes them

"""Operators rebuild a lost or stale replica with `scs resync`, and inspect and discard dead letters with `scs dlq`."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from federation.db import make_engine, make_session_factory
from federation.settings import Settings
from federation.topology import Names
from systems.catalog.products.models import Product
from systems.order.products_copy.models import ProductCopy
from tests.conftest import wait_for
from tests.e2e.journeys import admin_headers, copied_product, create_product
from tests.federation.harness import publish_raw


def _sessions(federation, system: str):
    return make_session_factory(make_engine(Settings.from_env(system, federation.env).database_url))


def _copy_equals_source(catalog, order) -> bool:
    """Every catalog product is in the order system's copy with the same version, price and stock."""
    with catalog() as source, order() as replica:
        products = {p.id: (p.version, p.price_cents, p.stock) for p in source.scalars(select(Product))}
        copies = {c.id: (c.aggregate_version, c.price_cents, c.available) for c in replica.scalars(select(ProductCopy))}
    return bool(products) and products == copies


def test_resync_rebuilds_an_emptied_and_a_stale_replica(federation):
    admin = admin_headers(federation)
    products = [create_product(federation, admin, stock=5 + i, name=f"Resync {i}") for i in range(3)]
    for product in products:
        copied_product(federation, product)
    catalog, order = _sessions(federation, "catalog"), _sessions(federation, "order")

    with order() as session:
        session.execute(delete(ProductCopy))
        session.commit()
    assert not _copy_equals_source(catalog, order)
    result = federation.scs("resync", "order", "--from", "catalog")
    assert "catalog re-published 3 event(s)" in result.stdout
    wait_for(lambda: _copy_equals_source(catalog, order), message="the emptied copy rebuilt")

    with order() as session:  # as if the copy had missed each product's latest event
        session.execute(update(ProductCopy).values(aggregate_version=ProductCopy.aggregate_version - 1, price_cents=0))
        session.commit()
    assert not _copy_equals_source(catalog, order)
    federation.scs("resync", "order", "--from", "catalog")
    wait_for(lambda: _copy_equals_source(catalog, order), message="the stale copy caught up")


def test_resync_refuses_a_pair_with_no_copy(federation):
    result = federation.scs("resync", "catalog", "--from", "user", check=False)
    assert result.returncode == 1 and "catalog keeps no copy of user's data" in result.stderr


def test_dead_letters_are_listed_with_their_reason_and_discarded(federation):
    publish_raw(
        federation.amqp_url,
        Names(federation.namespace).events_exchange("catalog"),
        "catalog.product.updated",
        b"{oops",
        {"message_id": "poison-1"},
    )
    wait_for(lambda: "poison-1" in federation.scs("dlq", "list", "order").stdout, message="the dead letter")
    listing = federation.scs("dlq", "list", "order").stdout
    assert "contract:" in listing and "1 dead letter(s) in order" in listing
    missing = federation.scs("dlq", "discard", "order", "no-such-id", check=False)
    assert missing.returncode == 1 and "not in the dead-letter queue: no-such-id" in missing.stderr
    assert "discarded 1 dead letter(s)" in federation.scs("dlq", "discard", "order", "poison-1").stdout
    assert "0 dead letter(s) in order" in federation.scs("dlq", "list", "order").stdout

"""Operators repair replicas (`scs resync`), dead letters (`scs dlq`) and parked outbox rows (`scs outbox`).

A lost or stale replica is rebuilt by `scs resync`, one pinned ahead of its source by `scs resync --rebuild`.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import delete, func, select, update

from federation.db import make_engine, make_session_factory
from federation.runtime_models import InboxMessage, OutboxMessage
from federation.settings import Settings
from federation.topology import Names
from shared_contracts import new_event
from systems.catalog.products.models import Product
from systems.order.products_copy.models import ProductCopy
from tests.conftest import wait_for
from tests.e2e.federation_processes import Federation
from tests.e2e.journeys import admin_headers, copied_product, create_product
from tests.federation.harness import publish_event, publish_raw


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
    result = federation.scs("resync", "user", "--from", "catalog", check=False)
    assert result.returncode == 1 and "user keeps no copy of catalog's data" in result.stderr


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


def _copies_from_catalog(order) -> int:
    """How many catalog events the order system has applied."""
    with order() as session:
        return session.scalar(select(func.count()).select_from(InboxMessage).where(InboxMessage.producer == "catalog"))


def _copy(order, product_id: str) -> tuple[int, int]:
    """(aggregate_version, price_cents) of the order system's copy of a product."""
    with order() as session:
        copy = session.get(ProductCopy, uuid.UUID(product_id))
        return copy.aggregate_version, copy.price_cents


def test_a_copy_pinned_by_a_forged_event_is_repaired_by_resync_rebuild_only(federation):
    admin = admin_headers(federation)
    product_id = create_product(federation, admin, stock=5, name="Pinned", price_cents=1250)
    copied_product(federation, product_id)
    catalog, order = _sessions(federation, "catalog"), _sessions(federation, "order")
    with catalog() as session:
        product = session.get(Product, uuid.UUID(product_id))
        state, version = product.state(), product.version
    forged = new_event(  # native mode: every process is the broker's guest, so anyone may publish as catalog
        "catalog.product.updated",
        state.model_copy(update={"price_cents": 1}),
        aggregate_id=product_id,
        aggregate_version=version + 1000,
    )
    publish_event(federation.amqp_url, federation.namespace, forged)
    wait_for(lambda: _copy(order, product_id) == (version + 1000, 1), message="the copy pinned by the forged event")

    applied_before = _copies_from_catalog(order)
    federation.scs("resync", "order", "--from", "catalog")
    wait_for(lambda: _copies_from_catalog(order) == applied_before + 1, message="the re-published event seen")
    assert _copy(order, product_id) == (version + 1000, 1)  # a plain resync cannot repair a copy pinned ahead

    result = federation.scs("resync", "order", "--from", "catalog", "--rebuild")
    assert "order's worker replaces its copy with them" in result.stdout
    wait_for(lambda: _copy_equals_source(catalog, order), message="the pinned copy rebuilt")
    assert _copy(order, product_id) == (version, 1250)


@pytest.fixture
def impatient_federation(tmp_path, namespace, amqp_url):
    """The three systems, their relays parking a refused row after two attempts."""
    running = Federation(
        data_dir=tmp_path / "var", namespace=namespace, amqp_url=amqp_url, extra_env={"SCS_OUTBOX_MAX_ATTEMPTS": "2"}
    )
    running.start_all()
    yield running
    running.stop_all()


def _inject_unpublishable(catalog) -> str:
    """An outbox row whose body is no event (as a bug might write it, past outbox.add); its event id."""
    event_id = str(uuid.uuid4())
    with catalog() as session:
        session.add(
            OutboxMessage(
                event_id=event_id,
                producer="catalog",
                event_type="catalog.product.updated",
                aggregate_id="?",
                body="{oops",
            )
        )
        session.commit()
    return event_id


def _applied_by_order(order, event_id: str) -> bool:
    with order() as session:
        return session.get(InboxMessage, ("order", event_id)) is not None


def _published(catalog, event_id: str) -> bool:
    row = _outbox_row(catalog, event_id)
    return row is not None and row.published_at is not None


def _outbox_row(catalog, event_id: str) -> OutboxMessage | None:
    with catalog() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.event_id == event_id)).one_or_none()


def test_an_unpublishable_row_is_parked_shown_and_retried_or_discarded_while_the_rows_behind_it_flow(
    impatient_federation,
):
    federation = impatient_federation
    catalog, order = _sessions(federation, "catalog"), _sessions(federation, "order")
    admin = admin_headers(federation)
    stuck = _inject_unpublishable(catalog)
    product_id = create_product(federation, admin, stock=3, name="Behind the stuck row")
    copied_product(federation, product_id)  # the row behind it flows

    wait_for(lambda: stuck in federation.scs("outbox", "list", "catalog").stdout, message="the row parked")
    listing = federation.scs("outbox", "list", "catalog").stdout
    assert "  2x " in listing and "MalformedMessage: body is not JSON" in listing
    assert "1 parked row(s) in catalog's outbox (0 waiting for the relay)" in listing
    ready = requests.get(f"{federation.url('catalog')}/readyz", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["warnings"] == {"outbox": "1 outbox row(s) parked; see `scs outbox list catalog`"}
    metrics = requests.get(f"{federation.url('catalog')}/metrics", timeout=5).text
    assert 'scs_outbox_parked{system="catalog"} 1.0' in metrics
    status = federation.scs("status").stdout
    [catalog_line] = [line for line in status.splitlines() if line.startswith("catalog ")]
    assert catalog_line.split()[3:5] == ["0", "1"]  # outbox backlog 0, parked 1
    assert "! 1 parked outbox row(s): scs outbox list catalog" in status

    with catalog() as session:  # the operator repairs the row (or deploys a release that can publish it)
        product = session.get(Product, uuid.UUID(product_id))
        repaired = new_event(
            "catalog.product.updated",
            product.state(),
            aggregate_id=product_id,
            aggregate_version=product.version,
            event_id=uuid.UUID(stuck),
        )
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.event_id == stuck)
            .values(body=repaired.to_json_bytes().decode(), aggregate_id=product_id)
        )
        session.commit()
    assert "put 1 parked row(s) of catalog back in line" in federation.scs("outbox", "retry", "catalog", stuck).stdout
    wait_for(lambda: _published(catalog, stuck), message="the repaired row published")
    wait_for(lambda: _applied_by_order(order, stuck), message="the repaired event applied")

    doomed = _inject_unpublishable(catalog)
    wait_for(lambda: doomed in federation.scs("outbox", "list", "catalog").stdout, message="the second row parked")
    missing = federation.scs("outbox", "discard", "catalog", "no-such-id", check=False)
    assert missing.returncode == 1 and "not parked: no-such-id" in missing.stderr
    assert "discarded 1 parked row(s) of catalog" in federation.scs("outbox", "discard", "catalog", doomed).stdout
    assert _outbox_row(catalog, doomed) is None
    assert "0 parked row(s) in catalog's outbox" in federation.scs("outbox", "list", "catalog").stdout
    assert requests.get(f"{federation.url('catalog')}/readyz", timeout=5).status_code == 200

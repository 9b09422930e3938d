"""Fixtures of the catalog tests: a migrated app on SQLite and PostgreSQL, admin tokens, products, order events, the outbox."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from federation.migrations import upgrade
from federation.runtime_models import OutboxMessage
from shared_contracts import Envelope, from_amqp, new_event
from shared_contracts.examples import example_data
from systems.catalog import create_app
from systems.catalog.products.events import CREATED, publish_product
from systems.catalog.products.models import Product
from systems.catalog.system import SYSTEM


@pytest.fixture
def app(data_dir, database_url, amqp_url):
    """The catalog app on a fresh, migrated database (runs once per database kind)."""
    app = create_app(
        {
            "SCS_DATA_DIR": str(data_dir),
            "SCS_CATALOG_DATABASE_URL": database_url,
            "SCS_AMQP_URL": amqp_url,
            "TESTING": True,
        }
    )
    runtime = app.extensions["scs"]
    upgrade(SYSTEM, runtime.settings, engine=runtime.engine)
    yield app
    runtime.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session_factory(app):
    return app.extensions["scs"].session_factory


@pytest.fixture
def admin(app, admin_headers):
    """Headers of an admin API caller (the catalog's accounts copy grants the role)."""
    return admin_headers(app, display_name="Root")


@pytest.fixture
def customer(auth_headers):
    """Headers of a customer API caller."""
    return auth_headers(roles=["customer"])


def add_product(session_factory, **values) -> Product:
    """Store a product and its created event, as the admin form would."""
    defaults = {
        "sku": f"SKU-{uuid.uuid4().hex[:8]}",
        "name": "Enamel mug",
        "price_cents": 1250,
        "stock": 10,
        "version": 1,
    }
    with session_factory() as session:
        product = Product(**{**defaults, **values})
        session.add(product)
        session.flush()
        publish_product(session, product, CREATED)
        session.commit()
        return product


def get_product(session_factory, product_id) -> Product:
    with session_factory() as session:
        return session.get(Product, product_id)


def outbox(session_factory, event_type: str | None = None) -> list[Envelope]:
    """The events the catalog recorded, oldest first (optionally of one type)."""
    with session_factory() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.seq)
        if event_type:
            query = query.where(OutboxMessage.event_type == event_type)
        return [from_amqp(row.body.encode()) for row in session.scalars(query)]


def order_event(event_type: str, lines, *, order_id=None, version: int = 1) -> Envelope:
    """An order.* event with `lines` given as [(product_id, quantity), ...] or [(product_id, quantity, name), ...]."""
    order_id = order_id or uuid.uuid4()
    data = example_data(event_type)
    data["id"] = str(order_id)
    data["lines"] = [
        {
            "product_id": str(line[0]),
            "quantity": line[1],
            "name": line[2] if len(line) > 2 else "Enamel mug",
            "unit_price_cents": 1250,
        }
        for line in lines
    ]
    data["total_cents"] = 1250 * sum(line[1] for line in lines)
    return new_event(event_type, data, aggregate_id=str(order_id), aggregate_version=version)


def apply(session_factory, handler, event: Envelope) -> None:
    """Run one reactive function in its own transaction, the way the consumer does."""
    with session_factory() as session:
        handler(session, event)
        session.commit()


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form at `url` (the session cookie keeps its secret)."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)

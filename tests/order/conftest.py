"""Fixtures of the order tests: the app on SQLite (or both databases), a logged-in customer, a browser-like client."""

from __future__ import annotations

import uuid

import pytest

from tests.order.helpers import build_app


@pytest.fixture
def app(data_dir, sqlite_url, namespace, amqp_url):
    """The order app on a fresh SQLite database."""
    app = build_app(data_dir, sqlite_url, namespace, amqp_url)
    yield app
    app.extensions["scs"].engine.dispose()


@pytest.fixture
def any_app(data_dir, database_url, namespace, amqp_url):
    """The order app, once on SQLite and once on PostgreSQL."""
    app = build_app(data_dir, database_url, namespace, amqp_url)
    yield app
    app.extensions["scs"].engine.dispose()


@pytest.fixture
def customer_id() -> uuid.UUID:
    """The logged-in customer."""
    return uuid.uuid4()


@pytest.fixture
def bearer(mint_token, customer_id) -> dict:
    """API headers of the logged-in customer."""
    return {"Authorization": f"Bearer {mint_token(user_id=customer_id, display_name='Ada')}"}


@pytest.fixture
def browser(app, mint_token, customer_id):
    """A test client carrying the customer's session cookie, as a browser would after logging in."""
    client = app.test_client()
    client.set_cookie("scs_token", mint_token(user_id=customer_id, display_name="Ada"))
    return client

"""Fixtures of the security tests: each system's app on a fresh, migrated database, cheap password hashing, stored rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg
import pytest
from flask import Flask
from sqlalchemy import select

from federation.migrations import upgrade
from federation.runtime_models import RuntimeBase
from federation.systems import load_system
from federation.web import create_system_app
from tests.user.conftest import cheap_password_hashing  # noqa: F401  (autouse: Argon2id at its cheapest cost)
from tests.user.support import log_in, register

SYSTEM_NAMES = ("user", "catalog", "order")


def migrated_app(name: str, data_dir, database_url: str, **config) -> Flask:
    """`name`'s app on a migrated database (tokens minted by `mint_token` verify: same data_dir/keys)."""
    system = load_system(name)
    app = create_system_app(
        system,
        {"SCS_DATA_DIR": str(data_dir), f"SCS_{name.upper()}_DATABASE_URL": database_url, "TESTING": True, **config},
    )
    runtime = app.extensions["scs"]
    upgrade(system, runtime.settings, engine=runtime.engine)
    return app


@contextmanager
def migrated(name: str, data_dir, database_url: str, **config) -> Iterator[Flask]:
    """`name`'s app on a migrated database, its engine disposed afterwards."""
    app = migrated_app(name, data_dir, database_url, **config)
    try:
        yield app
    finally:
        app.extensions["scs"].engine.dispose()


@pytest.fixture(params=SYSTEM_NAMES)
def any_app(request, data_dir, sqlite_url) -> Iterator[Flask]:
    """Each system's app in turn."""
    with migrated(request.param, data_dir, sqlite_url) as app:
        yield app


def stored(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table of the app's database (its own and the runtime's), to compare before and after."""
    runtime = app.extensions["scs"]
    tables = [*runtime.system.metadata.sorted_tables, *RuntimeBase.metadata.sorted_tables]
    with runtime.engine.connect() as connection:
        return {table.name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr) for table in tables}


def assert_error_shape(response, status: int = 400) -> None:
    """A 4xx in the stable JSON error shape."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}, body


@pytest.fixture
def apps(request, data_dir, tmp_path) -> Iterator[dict[str, Flask]]:
    """The three systems, each on a database of its own: SQLite, or PostgreSQL (which cannot store NUL) when asked."""
    kind = getattr(request, "param", "sqlite")
    with ExitStack() as stack:
        urls = {
            name: f"sqlite:///{tmp_path / name}.db"
            if kind == "sqlite"
            else stack.enter_context(postgres_database(request.getfixturevalue("postgres_admin_url")))
            for name in SYSTEM_NAMES
        }
        yield {name: stack.enter_context(migrated(name, data_dir, urls[name])) for name in SYSTEM_NAMES}


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    name = f"scs_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def callers(apps, admin_headers, auth_headers) -> dict[str, dict]:
    """Headers of a caller each system lets through to the body: a live account, an admin, a customer."""
    client = apps["user"].test_client()
    register(client)
    token = log_in(client).get_json()["token"]
    return {
        "user": {"Authorization": f"Bearer {token}"},
        "catalog": admin_headers(apps["catalog"]),
        "order": auth_headers(),
    }

"""Fixtures of the security tests: each system's app on a fresh, migrated SQLite database, with cheap password hashing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask

from federation.migrations import upgrade
from federation.systems import load_system
from federation.web import create_system_app
from tests.user.conftest import cheap_password_hashing  # noqa: F401  (autouse: Argon2id at its cheapest cost)

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

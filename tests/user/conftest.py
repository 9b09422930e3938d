"""Fixtures of the user system's tests: real Argon2id hashing, with the cheapest parameters unless a test asks otherwise."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from systems.user.accounts import passwords
from tests.user.support import migrated_app

PRODUCTION_HASHER = passwords.HASHER


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Hash with Argon2id at the cheapest cost, so dozens of log-ins take milliseconds (as Django's test settings do)."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture
def production_hasher(monkeypatch):
    """The hasher the system really uses (64 MiB, 3 passes), for the test that checks it."""
    monkeypatch.setattr(passwords, "HASHER", PRODUCTION_HASHER)


@pytest.fixture
def app(data_dir, sqlite_url):
    """The user app on a fresh, migrated SQLite database (modules that need both databases override it)."""
    return migrated_app(data_dir, sqlite_url)


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()

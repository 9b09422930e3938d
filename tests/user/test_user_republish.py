"""The resync republisher: every account's current state again, at its current version, through the outbox."""

from __future__ import annotations

import pytest

from systems.user.system import SYSTEM
from tests.user.support import PASSWORD, log_in, migrated_app, outbox, register


@pytest.fixture
def app(data_dir, database_url):
    app = migrated_app(data_dir, database_url)
    yield app
    app.extensions["scs"].engine.dispose()


def test_republish_users_sends_each_current_state_once(app):
    client = app.test_client()
    ada = register(client).json
    bob = register(client, email="bob@example.org", display_name="Bob").json
    gone = register(client, email="gone@example.org", display_name="Gone").json
    log_in(client, email="bob@example.org")
    client.patch("/api/users/me", json={"display_name": "Robert"})
    log_in(client, email="gone@example.org")
    client.delete("/api/users/me", json={"password": PASSWORD})
    before = len(outbox(app))

    with app.extensions["scs"].session_factory() as session:
        count = SYSTEM.republishers["users"](session)
        session.commit()

    assert count == 3
    again = {e["aggregate_id"]: e for e in outbox(app)[before:]}
    assert {k: (e["type"], e["aggregate_version"]) for k, e in again.items()} == {
        ada["id"]: ("user.profile_updated", 1),
        bob["id"]: ("user.profile_updated", 2),
        gone["id"]: ("user.deleted", 2),
    }
    assert again[bob["id"]]["data"] == {**bob, "display_name": "Robert", "deleted": False, "tokens_valid_after": None}
    assert again[gone["id"]]["data"] == {"id": gone["id"], "deleted": True}

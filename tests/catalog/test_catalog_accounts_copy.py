"""The catalog's accounts copy: it follows user.* events by version, and it is what admin rights are judged by."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from systems.catalog.accounts_copy.models import AccountCopy
from systems.catalog.accounts_copy.reactive.on_user_changed import on_user_changed
from systems.catalog.accounts_copy.reactive.on_user_deleted import on_user_deleted
from tests.catalog.conftest import apply
from tests.conftest import account_known
from tests.order.helpers import user_event

PRODUCT = {"sku": "MUG-1", "name": "Mug", "price_cents": 1250, "stock": 3}


def copy_of(session_factory, user_id) -> AccountCopy | None:
    with session_factory() as session:
        return session.get(AccountCopy, user_id)


def test_the_copy_keeps_roles_and_mark_of_the_newest_version_and_no_personal_data(session_factory):
    user_id, mark = uuid.uuid4(), datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    apply(session_factory, on_user_changed, user_event("user.registered", 1, user_id, roles=["customer"]))
    later = user_event(
        "user.profile_updated", 3, user_id, roles=["admin", "customer"], tokens_valid_after=mark.isoformat()
    )
    apply(session_factory, on_user_changed, later)
    apply(session_factory, on_user_changed, user_event("user.profile_updated", 2, user_id, roles=["customer"]))
    copy = copy_of(session_factory, user_id)
    assert copy is not None
    assert (copy.roles, copy.tokens_valid_after_utc, copy.deleted, copy.aggregate_version) == (
        ["admin", "customer"],
        mark,
        False,
        3,
    )
    assert not {"email", "display_name"} & set(AccountCopy.__table__.columns.keys())


def test_a_deleted_account_becomes_a_tombstone_older_events_cannot_revive(session_factory):
    user_id = uuid.uuid4()
    apply(session_factory, on_user_changed, user_event("user.registered", 1, user_id, roles=["admin", "customer"]))
    apply(session_factory, on_user_deleted, user_event("user.deleted", 3, user_id))
    apply(session_factory, on_user_changed, user_event("user.profile_updated", 2, user_id, roles=["admin"]))
    copy = copy_of(session_factory, user_id)
    assert copy is not None
    assert (copy.deleted, copy.roles, copy.aggregate_version) == (True, [], 3)


def test_admin_rights_need_the_copy_to_grant_them(app, client, auth_headers):
    stranger = auth_headers(roles=["admin", "customer"])
    assert client.post("/api/products", json=PRODUCT, headers=stranger).status_code == 403
    assert client.get("/_status", headers=stranger).status_code == 403
    user_id = uuid.uuid4()
    account_known(app, user_id, roles=("admin", "customer"))
    known = auth_headers(user_id=user_id, roles=["admin", "customer"])
    assert client.post("/api/products", json=PRODUCT, headers=known).status_code == 201
    assert client.get("/_status", headers=known).status_code == 200


def test_the_copy_voids_tokens_issued_before_the_mark_and_those_of_deleted_accounts(app, client, auth_headers):
    user_id = uuid.uuid4()
    old = auth_headers(user_id=user_id, roles=["admin", "customer"])
    account_known(app, user_id, roles=("admin", "customer"), version=2, tokens_valid_after=datetime.now(UTC))
    refused = client.post("/api/products", json=PRODUCT, headers=old)
    assert refused.status_code == 401 and refused.json["error"]["message"].startswith("This log-in has ended")
    assert client.get("/_status", headers=old).status_code == 302, "pages send the holder to log in again"
    new = auth_headers(user_id=user_id, roles=["admin", "customer"])
    assert client.post("/api/products", json=PRODUCT, headers=new).status_code == 201
    apply(app.extensions["scs"].session_factory, on_user_deleted, user_event("user.deleted", 3, user_id))
    gone = client.get("/api/products", headers=new)
    assert gone.status_code == 200, "anonymous browsing still works"
    assert client.patch("/api/products/" + str(uuid.uuid4()), json={}, headers=new).status_code == 401


def test_a_customer_the_copy_has_not_seen_still_browses(client, auth_headers):
    assert client.get("/api/products", headers=auth_headers(ttl=timedelta(minutes=5))).status_code == 200

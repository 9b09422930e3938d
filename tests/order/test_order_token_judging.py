"""The order system judges tokens by its customer copy: roles, the revocation mark, the tombstone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from federation.migrations import alembic_config, upgrade
from systems.order.customers_copy.models import CustomerCopy
from systems.order.system import SYSTEM
from tests.conftest import account_known
from tests.order.helpers import deliver, session_factory, user_event


def test_the_customer_copy_keeps_roles_and_the_mark(any_app):
    user_id, mark = uuid.uuid4(), datetime(2026, 5, 1, 12, 0, 0, 654321, tzinfo=UTC)
    deliver(
        any_app,
        user_event(
            "user.profile_updated", 2, user_id, roles=["admin", "customer"], tokens_valid_after=mark.isoformat()
        ),
    )
    deliver(any_app, user_event("user.deleted", 3, user_id))
    deliver(any_app, user_event("user.profile_updated", 1, user_id, roles=["admin"]))
    with session_factory(any_app)() as session:
        copy = session.get(CustomerCopy, user_id)
        assert (copy.roles, copy.deleted, copy.aggregate_version) == ([], True, 3)
    other = uuid.uuid4()
    deliver(
        any_app,
        user_event("user.profile_updated", 2, other, roles=["admin", "customer"], tokens_valid_after=mark.isoformat()),
    )
    with session_factory(any_app)() as session:
        copy = session.get(CustomerCopy, other)
        assert (copy.roles, copy.tokens_valid_after) == (["admin", "customer"], mark)


def test_unknown_accounts_shop_but_only_the_copy_makes_an_admin(app, auth_headers):
    client = app.test_client()
    stranger = auth_headers(roles=["admin", "customer"])
    assert client.get("/api/orders", headers=stranger).status_code == 200
    assert client.get("/_status", headers=stranger).status_code == 403
    user_id = uuid.uuid4()
    account_known(app, user_id, roles=("admin", "customer"))
    assert client.get("/_status", headers=auth_headers(user_id=user_id, roles=["admin"])).status_code == 200


def test_a_token_from_before_the_mark_is_refused(app, auth_headers):
    user_id = uuid.uuid4()
    old = auth_headers(user_id=user_id)
    account_known(app, user_id, tokens_valid_after=datetime.now(UTC))
    client = app.test_client()
    assert client.get("/api/orders", headers=old).status_code == 401
    assert client.get("/api/orders", headers=auth_headers(user_id=user_id)).status_code == 200


def test_the_migration_gives_customers_copied_before_it_the_customer_role(data_dir, database_url, namespace, amqp_url):
    from tests.order.helpers import build_app

    app = build_app(data_dir, database_url, namespace, amqp_url)
    runtime = app.extensions["scs"]
    from alembic import command

    command.downgrade(alembic_config(SYSTEM, runtime.settings, runtime.engine), "54445005ba1e")
    live, gone = uuid.uuid4(), uuid.uuid4()
    with runtime.engine.begin() as connection:
        for user_id, deleted in ((live, False), (gone, True)):
            connection.execute(
                text(
                    "INSERT INTO customer_copy (id, email, display_name, deleted, aggregate_version, updated_at)"
                    " VALUES (:id, NULL, NULL, :deleted, 1, :at)"
                ),
                {
                    "id": user_id if database_url.startswith("postgresql") else user_id.hex,
                    "deleted": deleted,
                    "at": datetime.now(UTC),
                },
            )
    upgrade(SYSTEM, runtime.settings, engine=runtime.engine)
    with runtime.session_factory() as session:
        assert session.get(CustomerCopy, live).roles == ["customer"]
        assert session.get(CustomerCopy, gone).roles == []
    runtime.engine.dispose()

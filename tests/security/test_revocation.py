"""Revocation the self-contained way, through the real broker: copies of roles and revocation marks judge every token.

The user system publishes each account's roles and "tokens issued before this instant are void" mark; catalog and
order hold every token against their own copies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask

from federation.relay import OutboxRelay
from federation.systems import load_systems
from federation.worker import build_relay, subscriptions_of
from systems.catalog.accounts_copy.models import AccountCopy
from systems.order.customers_copy.models import CustomerCopy
from systems.user.accounts.models import User
from tests.conftest import TEST_RETRY_DELAYS_MS, wait_for
from tests.federation.harness import running_consumer
from tests.security.conftest import migrated
from tests.user.support import PASSWORD, log_in, make_admin, post_form, register

PRODUCT = {"sku": "MUG-1", "name": "Mug", "price_cents": 1250, "stock": 3}


@dataclass
class Shop:
    """The three systems' apps on their own databases; catalog's and order's consumers run, the user relay on demand."""

    user: Flask
    catalog: Flask
    order: Flask
    relay: OutboxRelay

    def propagate(self, user_id: str) -> None:
        """Publish the user system's outbox and wait until both copies hold the account's latest version."""
        self.relay.publish_pending(until_empty=True)
        with self.user.extensions["scs"].session_factory() as session:
            version = session.get(User, uuid.UUID(user_id)).version

        def copied(app: Flask, model: type) -> bool:
            with app.extensions["scs"].session_factory() as session:
                row = session.get(model, uuid.UUID(user_id))
                return row is not None and row.aggregate_version == version

        wait_for(lambda: copied(self.catalog, AccountCopy) and copied(self.order, CustomerCopy), message="copies")

    def answers(self, token: str) -> dict[str, int]:
        """What each system answers the token, on a page that needs it: my account, a new product, my orders."""
        headers = {"Authorization": f"Bearer {token}"}
        return {
            "user": self.user.test_client().get("/api/users/me", headers=headers).status_code,
            "catalog": self.catalog.test_client().post("/api/products", json=PRODUCT, headers=headers).status_code,
            "order": self.order.test_client().get("/api/orders", headers=headers).status_code,
        }

    def status_pages(self, token: str) -> dict[str, int]:
        """What catalog's and order's /_status (admins only) answer the token: 200, 403, or 302 to the log-in page."""
        headers = {"Authorization": f"Bearer {token}"}
        return {name: app.test_client().get("/_status", headers=headers).status_code for name, app in self.copies}

    @property
    def copies(self) -> list[tuple[str, Flask]]:
        """The systems that judge tokens by a copy."""
        return [("catalog", self.catalog), ("order", self.order)]


@pytest.fixture
def shop(data_dir, tmp_path, namespace, amqp_url) -> Iterator[Shop]:
    config = {
        "SCS_NAMESPACE": namespace,
        "SCS_AMQP_URL": amqp_url,
        "SCS_RETRY_DELAYS_MS": ",".join(map(str, TEST_RETRY_DELAYS_MS)),
    }
    with (
        migrated("user", data_dir, f"sqlite:///{tmp_path / 'user.db'}", **config) as user,
        migrated("catalog", data_dir, f"sqlite:///{tmp_path / 'catalog.db'}", **config) as catalog,
        migrated("order", data_dir, f"sqlite:///{tmp_path / 'order.db'}", **config) as order,
    ):
        consumers = [
            running_consumer(
                system=app.extensions["scs"].system,
                amqp_url=amqp_url,
                namespace=namespace,
                session_factory=app.extensions["scs"].session_factory,
            )
            for app in (catalog, order)
        ]
        runtime = user.extensions["scs"]
        relay = build_relay(runtime.system, runtime.settings, runtime.session_factory, subscriptions_of(load_systems()))
        with consumers[0], consumers[1]:
            try:
                yield Shop(user, catalog, order, relay)
            finally:
                relay.close()


def customer(shop: Shop, email: str = "ada@example.org") -> tuple[str, str]:
    """A registered customer known to both copies: (account id, token)."""
    client = shop.user.test_client()
    user_id = register(client, email=email).json["id"]
    shop.propagate(user_id)
    return user_id, log_in(client, email=email).json["token"]


def admin(shop: Shop, email: str = "root@example.org") -> tuple[str, str]:
    """An admin known to both copies: (account id, token minted after the grant)."""
    client = shop.user.test_client()
    user_id = register(client, email=email, display_name="Root").json["id"]
    make_admin(shop.user, user_id)
    shop.propagate(user_id)
    return user_id, log_in(client, email=email).json["token"]


def test_a_revoked_admin_can_no_longer_create_products_or_read_the_status_pages(shop):
    target_id, target_token = admin(shop, "ada@example.org")
    _, root_token = admin(shop)
    assert shop.answers(target_token)["catalog"] == 201
    assert shop.status_pages(target_token) == {"catalog": 200, "order": 200}

    root = shop.user.test_client()
    root.set_cookie("scs_token", root_token)
    revoked = post_form(root, f"/admin/users/{target_id}/role", {"admin": "0"}, page="/admin/users")
    assert revoked.status_code == 302
    shop.propagate(target_id)

    # The token minted with the admin role is void: a role change bumps the account's mark (pages: go log in).
    assert shop.answers(target_token) == {"user": 401, "catalog": 401, "order": 401}
    assert shop.status_pages(target_token) == {"catalog": 302, "order": 302}
    # Logged in again, the account is a customer: 403 where admins only may go.
    fresh = log_in(shop.user.test_client(), email="ada@example.org").json["token"]
    assert shop.answers(fresh) == {"user": 200, "catalog": 403, "order": 200}
    assert shop.status_pages(fresh) == {"catalog": 403, "order": 403}


def test_a_token_still_claiming_a_role_the_copy_no_longer_grants_gets_403(shop, mint_token):
    """A log-in that read the roles just before the revocation committed mints a token after the mark: roles decide."""
    target_id, _ = admin(shop, "ada@example.org")
    with shop.user.extensions["scs"].session_factory() as session:
        session.get(User, uuid.UUID(target_id)).is_admin = False  # revoked without a new mark, as in that race
        session.commit()
    republish = shop.user.extensions["scs"].system.republishers["users"]
    with shop.user.extensions["scs"].session_factory() as session:
        republish(session)
        session.commit()
    shop.propagate(target_id)
    late = mint_token(user_id=uuid.UUID(target_id), roles=["admin", "customer"])
    assert shop.answers(late)["catalog"] == 403
    assert shop.status_pages(late) == {"catalog": 403, "order": 403}


def test_log_out_everywhere_voids_the_old_token_in_every_system(shop):
    user_id, token = customer(shop)
    assert shop.answers(token) == {"user": 200, "catalog": 403, "order": 200}
    bearer = {"Authorization": f"Bearer {token}"}
    assert shop.user.test_client().delete("/api/sessions?everywhere=1", headers=bearer).status_code == 204
    shop.propagate(user_id)
    assert shop.answers(token) == {"user": 401, "catalog": 401, "order": 401}
    message = shop.order.test_client().get("/api/orders", headers=bearer).json["error"]["message"]
    assert message.startswith("This log-in has ended")
    again = log_in(shop.user.test_client()).json["token"]
    assert shop.answers(again) == {"user": 200, "catalog": 403, "order": 200}


def test_log_out_everywhere_on_the_page(shop):
    user_id, token = customer(shop)
    browser = shop.user.test_client()
    browser.set_cookie("scs_token", token)
    page = browser.get("/logout").get_data(as_text=True)
    assert "Log out everywhere" in page
    response = post_form(browser, "/logout", {"everywhere": "1"})
    assert response.status_code == 302 and "scs_token=;" in response.headers["Set-Cookie"]
    shop.propagate(user_id)
    assert shop.answers(token) == {"user": 401, "catalog": 401, "order": 401}


def test_a_password_change_voids_the_old_token_everywhere_and_the_new_log_in_works(shop):
    user_id, token = customer(shop)
    bearer = {"Authorization": f"Bearer {token}"}
    changed = shop.user.test_client().patch(
        "/api/users/me", json={"password": "a brand new password", "current_password": PASSWORD}, headers=bearer
    )
    assert changed.status_code == 200
    shop.propagate(user_id)
    assert shop.answers(token) == {"user": 401, "catalog": 401, "order": 401}
    fresh = log_in(shop.user.test_client(), password="a brand new password").json["token"]
    assert shop.answers(fresh) == {"user": 200, "catalog": 403, "order": 200}


def test_a_password_change_on_the_page_keeps_this_browser_logged_in(shop):
    user_id, token = customer(shop)
    browser = shop.user.test_client()
    browser.set_cookie("scs_token", token)
    form = {"current_password": PASSWORD, "password": "a brand new password", "repeat_password": "a brand new password"}
    assert post_form(browser, "/profile/password", form).status_code == 302
    shop.propagate(user_id)
    renewed = browser.get_cookie("scs_token").value
    assert renewed != token
    assert shop.answers(token) == {"user": 401, "catalog": 401, "order": 401}
    assert shop.answers(renewed) == {"user": 200, "catalog": 403, "order": 200}


def test_a_deleted_account_s_token_is_refused_everywhere(shop):
    user_id, token = customer(shop)
    bearer = {"Authorization": f"Bearer {token}"}
    deleted = shop.user.test_client().delete("/api/users/me", json={"password": PASSWORD}, headers=bearer)
    assert deleted.status_code == 204
    shop.propagate(user_id)
    assert shop.answers(token) == {"user": 401, "catalog": 401, "order": 401}


def test_while_the_user_system_is_away_the_last_copy_applies(shop, mint_token, tmp_path):
    """No call to the user system: the copies alone judge, old and unknown tokens alike."""
    user_id, token = customer(shop)
    bearer = {"Authorization": f"Bearer {token}"}
    shop.user.test_client().delete("/api/sessions?everywhere=1", headers=bearer)
    shop.propagate(user_id)
    shop.user.extensions["scs"].engine.dispose()
    (tmp_path / "user.db").unlink()  # the user system is gone altogether
    assert shop.status_pages(token) == {"catalog": 302, "order": 302}, "void: go and log in"
    assert shop.order.test_client().get("/api/orders", headers=bearer).status_code == 401
    stranger = mint_token(roles=["admin", "customer"], ttl=timedelta(minutes=5))
    assert shop.status_pages(stranger) == {"catalog": 403, "order": 403}, "admin rights need the copy to grant them"
    shopper = {"Authorization": f"Bearer {stranger}"}
    assert shop.order.test_client().get("/api/orders", headers=shopper).status_code == 200, "unknown: a customer"

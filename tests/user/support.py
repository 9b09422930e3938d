"""Helpers for the user system's tests: a migrated app, registering and logging in, CSRF tokens, outbox reading."""

from __future__ import annotations

import json
import re
import uuid

from flask import Flask
from sqlalchemy import select

from federation.migrations import upgrade
from federation.runtime_models import OutboxMessage
from shared_contracts import new_event
from shared_contracts.examples import example_data
from systems.user import create_app
from systems.user.accounts.services import live_account, set_admin
from systems.user.system import SYSTEM

PASSWORD = "correct horse battery"


def migrated_app(data_dir, database_url: str, **config) -> Flask:
    """The user app on a fresh, migrated database."""
    app = create_app({"SCS_DATA_DIR": str(data_dir), "SCS_USER_DATABASE_URL": database_url, "TESTING": True, **config})
    runtime = app.extensions["scs"]
    upgrade(SYSTEM, runtime.settings, engine=runtime.engine)
    return app


def register(client, email: str = "ada@example.org", password: str = PASSWORD, display_name: str = "Ada"):
    """Register through the API; the response."""
    return client.post("/api/users", json={"email": email, "password": password, "display_name": display_name})


def log_in(client, email: str = "ada@example.org", password: str = PASSWORD):
    """Log in through the API (sets the cookie on the client); the response."""
    return client.post("/api/sessions", json={"email": email, "password": password})


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on `path`."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict, *, page: str | None = None, **kwargs):
    """Submit a form to `path` like a browser would, with the CSRF token of the form's page (default: `path`)."""
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **data}, **kwargs)


def make_admin(app: Flask, user_id: str) -> None:
    """Grant the admin role directly (the way `scs users add --admin` would have)."""
    with app.extensions["scs"].session_factory() as session:
        account = live_account(session, uuid.UUID(user_id))
        assert account is not None, f"no live account {user_id}"
        set_admin(session, account, True)
        session.commit()


def outbox(app: Flask) -> list[dict]:
    """Every event the app has written to its outbox, in order, as envelopes (dicts)."""
    with app.extensions["scs"].session_factory() as session:
        return [json.loads(body) for body in session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.seq))]


def order_event(event_type: str, version: int, *, order_id=None, customer_id=None, status=None, total_cents=2500):
    """A real order.* event carrying the order's full state."""
    order_id = order_id or uuid.uuid4()
    data = {
        **example_data(event_type),
        "id": str(order_id),
        "customer_id": str(customer_id or uuid.uuid4()),
        "total_cents": total_cents,
        **({"status": status} if status else {}),
    }
    return new_event(event_type, data, aggregate_id=str(order_id), aggregate_version=version)

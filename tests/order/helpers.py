"""Helpers of the order tests: the app on a fresh database, events delivered as the worker does, real form posts."""

from __future__ import annotations

import json
import uuid
from html.parser import HTMLParser

from sqlalchemy import select

from federation.migrations import upgrade
from federation.runtime_models import OutboxMessage
from federation.worker import build_consumer
from shared_contracts import new_event
from shared_contracts.examples import example_data
from systems.order import create_app
from systems.order.system import SYSTEM


def build_app(data_dir, database_url: str, namespace: str, amqp_url: str):
    """The order app on a migrated database."""
    app = create_app(
        {
            "SCS_DATA_DIR": str(data_dir),
            "SCS_ORDER_DATABASE_URL": database_url,
            "SCS_NAMESPACE": namespace,
            "SCS_AMQP_URL": amqp_url,
            "TESTING": True,
        }
    )
    runtime = app.extensions["scs"]
    upgrade(SYSTEM, runtime.settings, engine=runtime.engine)
    return app


def session_factory(app):
    """Sessions on the app's database."""
    return app.extensions["scs"].session_factory


def deliver(app, envelope) -> bool:
    """Apply one event as the worker's consumer does (inbox row and reactive functions, one transaction), no broker."""
    runtime = app.extensions["scs"]
    return build_consumer(SYSTEM, runtime.settings, runtime.session_factory).apply(envelope)


def product_event(version: int = 1, product_id=None, event_type: str = "catalog.product.updated", **changes):
    """A catalog product event carrying the full product state."""
    product_id = str(product_id or uuid.uuid4())
    data = {**example_data(event_type), "id": product_id, **changes}
    return new_event(event_type, data, aggregate_id=product_id, aggregate_version=version)


def add_product(app, **changes) -> uuid.UUID:
    """A product in the app's copy, created the way the catalog announces it."""
    event = product_event(1, event_type="catalog.product.created", **changes)
    deliver(app, event)
    return uuid.UUID(event.aggregate_id)


def user_event(event_type: str, version: int, user_id, **changes):
    """A user event for one account."""
    data = {**example_data(event_type), "id": str(user_id), **changes}
    return new_event(event_type, data, aggregate_id=str(user_id), aggregate_version=version)


def stock_event(event_type: str, order_id, **changes):
    """The catalog's answer to an order (aggregate = the order, version 1)."""
    data = {**example_data(event_type), "order_id": str(order_id), **changes}
    return new_event(event_type, data, aggregate_id=str(order_id), aggregate_version=1)


def outbox_events(app, event_type: str | None = None) -> list[dict]:
    """The envelopes this system recorded to publish, oldest first."""
    with session_factory(app)() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.seq)
        if event_type:
            query = query.where(OutboxMessage.event_type == event_type)
        return [json.loads(row.body) for row in session.scalars(query)]


class _FormParser(HTMLParser):
    """Collects every form's action and the values of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action"), "fields": {}})
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""


def forms_on(html: str) -> list[dict]:
    """The forms of a page: [{"action": ..., "fields": {...}}]."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def submit(client, page: str, action: str, **values):
    """Load `page` and post its form for `action`: the page's values (CSRF token included), changed by `values`."""
    html = client.get(page).get_data(as_text=True)
    form = next((f for f in forms_on(html) if f["action"] == action), None)
    assert form is not None, f"no form posting to {action} on {page}"
    fields = dict(form["fields"])
    for name, value in values.items():
        matches = [key for key in fields if key == name or key.endswith(f"-{name}")]
        assert matches, f"no field {name} in the form posting to {action}"
        fields[matches[0]] = value
    return client.post(action, data=fields)

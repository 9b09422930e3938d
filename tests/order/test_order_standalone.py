"""The order system on its own: with no catalog, no user system and not even a broker, customers browse and order."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from federation.runtime_models import OutboxMessage
from tests.order.helpers import build_app, deliver, forms_on, product_event, session_factory, user_event

UNREACHABLE_BROKER = "amqp://guest:guest@127.0.0.1:1/"


@pytest.fixture
def lonely_app(data_dir, sqlite_url):
    """Only the order app and its database; the copies were filled by events received while the others were up."""
    app = build_app(data_dir, sqlite_url, "", UNREACHABLE_BROKER)
    yield app
    app.extensions["scs"].engine.dispose()


def test_browsing_and_ordering_from_the_copies_alone(lonely_app, mint_token):
    customer_id = uuid.uuid4()
    mug = uuid.uuid4()
    deliver(lonely_app, user_event("user.registered", 1, customer_id, display_name="Ada"))
    deliver(lonely_app, product_event(1, mug, "catalog.product.created", name="Enamel mug", price_cents=1250, stock=5))
    assert lonely_app.test_client().get("/readyz").json["checks"]["broker"] is False

    client = lonely_app.test_client()
    client.set_cookie("scs_token", mint_token(user_id=customer_id, display_name="Ada"))
    assert "Enamel mug" in client.get("/").get_data(as_text=True)
    product_page = client.get(f"/products/{mug}").get_data(as_text=True)
    add = next(f for f in forms_on(product_page) if f["action"] == f"/products/{mug}/add-to-cart")["fields"]
    assert client.post(f"/products/{mug}/add-to-cart", data={**add, "quantity": "2"}).status_code == 302
    checkout = next(f for f in forms_on(client.get("/cart").get_data(as_text=True)) if f["action"] == "/cart/checkout")[
        "fields"
    ]
    response = client.post("/cart/checkout", data=checkout)
    assert response.status_code == 302 and response.location.startswith("/orders/")

    order_page = client.get(response.location).get_data(as_text=True)
    assert "pending" in order_page and "€25.00" in order_page
    with session_factory(lonely_app)() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.published_at.is_(None))).all()
    assert [row.event_type for row in waiting] == ["order.placed"]

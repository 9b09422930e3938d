"""The JSON API: placing (idempotent), listing, reading and cancelling my orders, and every kind of bad input."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from systems.order.orders.models import Order
from tests.order.helpers import (
    add_product,
    deliver,
    outbox_events,
    product_event,
    session_factory,
    stock_event,
    user_event,
)


def place(client, headers, lines, **extra):
    return client.post("/api/orders", json={"lines": lines, **extra}, headers=headers)


def order_count(app) -> int:
    with session_factory(app)() as session:
        return session.scalar(select(func.count()).select_from(Order))


def test_placing_an_order_stores_it_pending_with_the_copied_names_and_prices(any_app, bearer, customer_id):
    mug = add_product(any_app, name="Enamel mug", price_cents=1250)
    teapot = add_product(any_app, name="Teapot", price_cents=3900)
    response = place(
        any_app.test_client(),
        bearer,
        [{"product_id": str(mug), "quantity": 2}, {"product_id": str(teapot), "quantity": 1}],
    )
    assert response.status_code == 201
    order = response.json
    assert (order["status"], order["version"], order["total_cents"], order["currency"]) == ("pending", 1, 6400, "EUR")
    assert order["customer_id"] == str(customer_id)
    assert [(line["name"], line["unit_price_cents"], line["quantity"]) for line in order["lines"]] == [
        ("Enamel mug", 1250, 2),
        ("Teapot", 3900, 1),
    ]
    assert [change["status"] for change in order["history"]] == ["pending"]
    (placed,) = outbox_events(any_app, "order.placed")
    assert placed["aggregate_id"] == order["id"] and placed["aggregate_version"] == 1
    assert placed["data"]["lines"] == order["lines"]


def test_a_replayed_checkout_returns_the_same_order(any_app, bearer):
    mug = add_product(any_app)
    client = any_app.test_client()
    lines = [{"product_id": str(mug), "quantity": 1}]
    first = client.post("/api/orders", json={"lines": lines}, headers={**bearer, "Idempotency-Key": "checkout-1"})
    again = client.post("/api/orders", json={"lines": lines}, headers={**bearer, "Idempotency-Key": "checkout-1"})
    in_body = client.post("/api/orders", json={"lines": lines, "idempotency_key": "checkout-1"}, headers=bearer)
    assert (first.status_code, again.status_code, in_body.status_code) == (201, 200, 200)
    assert first.json["id"] == again.json["id"] == in_body.json["id"]
    other = client.post("/api/orders", json={"lines": lines, "idempotency_key": "checkout-2"}, headers=bearer)
    assert other.status_code == 201 and other.json["id"] != first.json["id"]
    assert order_count(any_app) == 2 and len(outbox_events(any_app, "order.placed")) == 2


def test_concurrent_submits_with_one_key_place_one_order(any_app, bearer):
    mug = add_product(any_app)
    body = {"lines": [{"product_id": str(mug), "quantity": 1}], "idempotency_key": "double-click"}

    def submit_once(_):
        response = any_app.test_client().post("/api/orders", json=body, headers=bearer)
        return response.status_code, response.json["id"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(submit_once, range(6)))
    assert sorted(status for status, _ in results) == [200] * 5 + [201]
    assert len({order_id for _, order_id in results}) == 1
    assert order_count(any_app) == 1 and len(outbox_events(any_app, "order.placed")) == 1


def test_idempotency_keys_are_per_customer(app, mint_token):
    mug = add_product(app)
    client = app.test_client()
    lines = [{"product_id": str(mug), "quantity": 1}]
    ada = {"Authorization": f"Bearer {mint_token()}", "Idempotency-Key": "same"}
    bob = {"Authorization": f"Bearer {mint_token()}", "Idempotency-Key": "same"}
    assert client.post("/api/orders", json={"lines": lines}, headers=ada).status_code == 201
    assert client.post("/api/orders", json={"lines": lines}, headers=bob).status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [
        ({"lines": []}, "lines"),
        ({}, "lines"),
        ({"lines": "mug"}, "lines"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": -3}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": 101}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": 1.5}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": "2"}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": True}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": "PRODUCT"}]}, "lines.0.quantity"),
        ({"lines": [{"product_id": "not-a-uuid", "quantity": 1}]}, "lines.0.product_id"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": 1}, {"product_id": "PRODUCT", "quantity": 2}]}, "lines"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": 1}], "idempotency_key": ""}, "idempotency_key"),
        ({"lines": [{"product_id": "PRODUCT", "quantity": 1}], "idempotency_key": "k" * 101}, "idempotency_key"),
    ],
)
def test_bad_lines_are_a_400_naming_the_field(app, bearer, body, field):
    mug = str(add_product(app))
    body = json.loads(json.dumps(body).replace("PRODUCT", mug))
    response = app.test_client().post("/api/orders", json=body, headers=bearer)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "bad_request" and field in [problem["field"] for problem in error["details"]["errors"]]
    assert order_count(app) == 0 and outbox_events(app) == []


def test_a_body_that_is_not_a_json_object_is_a_400(app, bearer):
    client = app.test_client()
    for body in ([1, 2], "lines"):
        response = client.post("/api/orders", json=body, headers=bearer)
        assert response.status_code == 400 and "JSON object" in response.json["error"]["message"]
    response = client.post("/api/orders", data="{oops", content_type="application/json", headers=bearer)
    assert response.status_code == 400


def test_differing_idempotency_keys_in_header_and_body_are_a_400(app, bearer):
    mug = add_product(app)
    body = {"lines": [{"product_id": str(mug), "quantity": 1}], "idempotency_key": "a"}
    response = app.test_client().post("/api/orders", json=body, headers={**bearer, "Idempotency-Key": "b"})
    assert response.status_code == 400 and order_count(app) == 0


def test_unknown_or_discontinued_products_are_a_422_listing_them(app, bearer):
    mug = add_product(app)
    kettle = add_product(app, name="Kettle")
    deliver(app, product_event(2, kettle, "catalog.product.discontinued", discontinued=True))
    unknown = uuid.uuid4()
    lines = [{"product_id": str(p), "quantity": 1} for p in (mug, kettle, unknown)]
    response = place(app.test_client(), bearer, lines)
    assert response.status_code == 422
    assert response.json["error"]["details"]["product_ids"] == [str(kettle), str(unknown)]
    assert order_count(app) == 0 and outbox_events(app) == []


def test_products_in_different_currencies_cannot_share_an_order(app, bearer):
    lines = [{"product_id": str(add_product(app, currency=currency)), "quantity": 1} for currency in ("EUR", "USD")]
    response = place(app.test_client(), bearer, lines)
    assert response.status_code == 422 and response.json["error"]["details"]["currencies"] == ["EUR", "USD"]
    assert order_count(app) == 0


def test_a_deleted_customer_cannot_order(app, bearer, customer_id):
    deliver(app, user_event("user.deleted", 2, customer_id))
    response = place(app.test_client(), bearer, [{"product_id": str(add_product(app)), "quantity": 1}])
    assert response.status_code == 401 and order_count(app) == 0
    assert response.json["error"]["message"] == "This account no longer exists. Log in again."


def test_the_api_needs_a_token(app):
    client = app.test_client()
    assert client.get("/api/orders").status_code == 401
    assert client.post("/api/orders", json={"lines": []}).status_code == 401


def test_i_see_only_my_orders(app, bearer, mint_token):
    mug = add_product(app)
    client = app.test_client()
    mine = place(client, bearer, [{"product_id": str(mug), "quantity": 1}]).json
    theirs = place(client, {"Authorization": f"Bearer {mint_token()}"}, [{"product_id": str(mug), "quantity": 3}]).json
    assert [order["id"] for order in client.get("/api/orders", headers=bearer).json["items"]] == [mine["id"]]
    assert client.get(f"/api/orders/{mine['id']}", headers=bearer).json["id"] == mine["id"]
    response = client.get(f"/api/orders/{theirs['id']}", headers=bearer)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert client.get(f"/api/orders/{uuid.uuid4()}", headers=bearer).status_code == 404


def test_cancelling_pending_and_confirmed_orders(any_app, bearer):
    mug = add_product(any_app)
    client = any_app.test_client()
    pending = place(client, bearer, [{"product_id": str(mug), "quantity": 1}]).json
    response = client.post(f"/api/orders/{pending['id']}/cancel", headers=bearer)
    assert response.status_code == 200
    assert (response.json["status"], response.json["version"]) == ("cancelled", 2)
    assert [c["status"] for c in response.json["history"]] == ["pending", "cancelled"]

    confirmed = place(client, bearer, [{"product_id": str(mug), "quantity": 1}]).json
    deliver(
        any_app, stock_event("catalog.stock.reserved", confirmed["id"], lines=[{"product_id": str(mug), "quantity": 1}])
    )
    response = client.post(f"/api/orders/{confirmed['id']}/cancel", headers=bearer)
    assert (response.json["status"], response.json["version"]) == ("cancelled", 3)
    cancelled = outbox_events(any_app, "order.cancelled")
    assert [(e["aggregate_id"], e["aggregate_version"]) for e in cancelled] == [
        (pending["id"], 2),
        (confirmed["id"], 3),
    ]
    assert cancelled[0]["data"]["status"] == "cancelled"


def test_cancelling_a_rejected_or_cancelled_order_is_a_409_and_changes_nothing(app, bearer, mint_token):
    mug = add_product(app)
    client = app.test_client()
    rejected = place(client, bearer, [{"product_id": str(mug), "quantity": 1}]).json
    deliver(app, stock_event("catalog.stock.rejected", rejected["id"], shortfalls=[]))
    cancelled = place(client, bearer, [{"product_id": str(mug), "quantity": 1}]).json
    client.post(f"/api/orders/{cancelled['id']}/cancel", headers=bearer)
    for order, status in ((rejected, "rejected"), (cancelled, "cancelled")):
        response = client.post(f"/api/orders/{order['id']}/cancel", headers=bearer)
        assert response.status_code == 409 and response.json["error"]["code"] == "conflict"
        assert response.json["error"]["details"]["status"] == status
    assert len(outbox_events(app, "order.cancelled")) == 1
    stranger = {"Authorization": f"Bearer {mint_token()}"}
    pending = place(client, bearer, [{"product_id": str(mug), "quantity": 1}]).json
    assert client.post(f"/api/orders/{pending['id']}/cancel", headers=stranger).status_code == 404
    assert client.get(f"/api/orders/{pending['id']}", headers=bearer).json["status"] == "pending"

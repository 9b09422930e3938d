"""The products JSON API: browse, search, pages, admin writes, the stable error shape, and the events every change records."""

from __future__ import annotations

import uuid

from shared_contracts.catalog import ProductState
from systems.catalog.products.events import republish_products
from systems.catalog.products.queries import PER_PAGE
from systems.catalog.sales.models import ProductSales
from tests.catalog.conftest import add_product, get_product, outbox

NEW = {"sku": "mug-001", "name": "Enamel mug", "description": "Blue, 350 ml.", "price_cents": 1250, "stock": 40}


def test_create_product_stores_it_and_publishes_created(client, admin, session_factory):
    response = client.post("/api/products", json=NEW, headers=admin)
    assert response.status_code == 201
    body = response.json
    assert body["sku"] == "MUG-001" and body["currency"] == "EUR" and body["version"] == 1 and body["units_sold"] == 0
    assert response.headers["Location"].endswith(f"/api/products/{body['id']}")
    [event] = outbox(session_factory)
    assert event.type == "catalog.product.created" and event.aggregate_id == body["id"] and event.aggregate_version == 1
    assert event.data.model_dump(mode="json") == {k: v for k, v in body.items() if k not in ("version", "units_sold")}


def test_create_product_validates_every_field(client, admin, session_factory):
    bad = {"sku": "  ", "name": "x" * 201, "price_cents": -1, "stock": -5, "currency": "eu", "colour": "blue"}
    response = client.post("/api/products", json=bad, headers=admin)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "bad_request"
    assert set(error["details"]) == {"sku", "name", "price_cents", "stock", "currency", "colour"}
    assert client.post("/api/products", json={**NEW, "price_cents": "12"}, headers=admin).json["error"]["details"] == {
        "price_cents": "Input should be a valid integer"
    }
    assert client.post("/api/products", data="not json", headers=admin).status_code == 400
    assert client.post("/api/products", json=[NEW], headers=admin).status_code == 400
    assert outbox(session_factory) == []


def test_duplicate_sku_is_a_conflict(client, admin, session_factory):
    assert client.post("/api/products", json=NEW, headers=admin).status_code == 201
    response = client.post("/api/products", json={**NEW, "sku": "MUG-001 ", "name": "Other"}, headers=admin)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict" and response.json["error"]["details"] == {
        "sku": "already in use"
    }
    assert len(outbox(session_factory)) == 1


def test_writes_need_an_admin(client, customer, session_factory):
    product = add_product(session_factory)
    assert client.post("/api/products", json=NEW).status_code == 401
    assert client.post("/api/products", json=NEW, headers=customer).json["error"]["code"] == "forbidden"
    assert client.patch(f"/api/products/{product.id}", json={"stock": 1}, headers=customer).status_code == 403
    assert client.delete(f"/api/products/{product.id}", headers=customer).status_code == 403
    assert get_product(session_factory, product.id).stock == 10


def test_get_product_and_unknown_ids(client, session_factory):
    product = add_product(session_factory, name="Teapot")
    assert client.get(f"/api/products/{product.id}").json["name"] == "Teapot"
    missing = uuid.uuid4()
    response = client.get(f"/api/products/{missing}")
    assert response.status_code == 404
    assert response.json["error"] == {
        "code": "not_found",
        "message": f"There is no product {missing}.",
        "details": {"product_id": str(missing)},
    }
    assert client.get("/api/products/not-a-uuid").json["error"]["code"] == "not_found"


def test_list_searches_name_sku_and_description_and_pages(client, session_factory):
    for number in range(PER_PAGE + 5):
        add_product(session_factory, sku=f"CUP-{number:03d}", name=f"Cup {number:03d}")
    add_product(session_factory, sku="POT-1", name="Teapot", description="Cast iron, 100% handmade")
    add_product(session_factory, sku="OLD-1", name="Old cup", discontinued=True)
    first = client.get("/api/products").json
    assert len(first["items"]) == PER_PAGE and first["previous"] is None and first["next"]
    second = client.get("/api/products", query_string={"cursor": first["next"]}).json
    assert len(second["items"]) == 6 and second["items"][-1]["name"] == "Teapot" and second["next"] is None
    back = client.get("/api/products", query_string={"cursor": second["previous"]}).json
    assert back["items"] == first["items"]
    assert [p["sku"] for p in client.get("/api/products?q=pot-").json["items"]] == ["POT-1"]
    assert [p["sku"] for p in client.get("/api/products?q=IRON").json["items"]] == ["POT-1"]
    assert [p["sku"] for p in client.get("/api/products?q=100%25").json["items"]] == ["POT-1"]
    assert client.get("/api/products?q=nothing-like-this").json == {"items": [], "next": None, "previous": None}
    assert client.get("/api/products?limit=x").json["error"]["details"] == {
        "limit": "Input should be a valid integer, unable to parse string as an integer"
    }


def test_discontinued_products_are_listed_for_admins_only(client, admin, session_factory):
    add_product(session_factory, sku="OLD-1", discontinued=True)
    assert client.get("/api/products").json["items"] == []
    assert len(client.get("/api/products", headers=admin).json["items"]) == 1


def test_patch_changes_fields_and_publishes_updated(client, admin, session_factory):
    product = add_product(session_factory)
    response = client.patch(f"/api/products/{product.id}", json={"price_cents": 1300, "stock": 3}, headers=admin)
    assert response.status_code == 200
    assert (response.json["price_cents"], response.json["stock"], response.json["version"]) == (1300, 3, 2)
    event = outbox(session_factory)[-1]
    assert (
        event.type == "catalog.product.updated"
        and event.aggregate_version == 2
        and event.data_as(ProductState).stock == 3
    )
    unchanged = client.patch(f"/api/products/{product.id}", json={"stock": 3}, headers=admin)
    assert unchanged.json["version"] == 2 and len(outbox(session_factory)) == 2


def test_patch_refuses_bad_input(client, admin, session_factory):
    product = add_product(session_factory)
    other = add_product(session_factory, sku="TAKEN-1")
    url = f"/api/products/{product.id}"
    assert client.patch(url, json={"stock": -1}, headers=admin).json["error"]["details"] == {
        "stock": "Input should be greater than or equal to 0"
    }
    assert "may not be null" in client.patch(url, json={"name": None}, headers=admin).json["error"]["details"]["name"]
    assert client.patch(url, json={"sku": other.sku}, headers=admin).status_code == 409
    assert client.patch(f"/api/products/{uuid.uuid4()}", json={"stock": 1}, headers=admin).status_code == 404
    assert get_product(session_factory, product.id).version == 1
    assert len(outbox(session_factory)) == 2


def test_delete_discontinues_once_and_discontinued_products_cannot_be_edited(client, admin, session_factory):
    product = add_product(session_factory)
    response = client.delete(f"/api/products/{product.id}", headers=admin)
    assert response.status_code == 200 and response.json["discontinued"] is True and response.json["version"] == 2
    assert client.delete(f"/api/products/{product.id}", headers=admin).json["version"] == 2
    assert [e.type for e in outbox(session_factory)] == ["catalog.product.created", "catalog.product.discontinued"]
    edit = client.patch(f"/api/products/{product.id}", json={"stock": 5}, headers=admin)
    assert edit.status_code == 422 and edit.json["error"]["code"] == "unprocessable"
    assert client.delete(f"/api/products/{uuid.uuid4()}", headers=admin).status_code == 404


def test_republisher_publishes_every_product_at_its_current_version(session_factory):
    first = add_product(session_factory, sku="A-1")
    second = add_product(session_factory, sku="B-1", version=4)
    with session_factory() as session:
        assert republish_products(session) == 2
        session.commit()
    events = outbox(session_factory, "catalog.product.updated")
    assert [(e.aggregate_id, e.aggregate_version) for e in events] == [(str(first.id), 1), (str(second.id), 4)]


def test_best_sellers_page_by_units_sold_along_the_sales_copy(client, session_factory):
    for units in range(1, PER_PAGE + 4):
        product = add_product(session_factory, sku=f"S-{units:03d}", name=f"Seller {units:03d}")
        with session_factory() as session:
            session.add(ProductSales(product_id=product.id, units_sold=units % 10 + 1))
            session.commit()
    add_product(session_factory, sku="NONE-1", name="Never sold")
    first = client.get("/api/products?sort=bestsellers").json
    sold = [item["units_sold"] for item in first["items"]]
    assert len(sold) == PER_PAGE and sold == sorted(sold, reverse=True) and sold[0] == 10
    second = client.get("/api/products", query_string={"sort": "bestsellers", "cursor": first["next"]}).json
    assert len(second["items"]) == 3 and second["next"] is None
    seen = [item["sku"] for item in first["items"] + second["items"]]
    assert len(set(seen)) == PER_PAGE + 3 and "NONE-1" not in seen
    back = client.get("/api/products", query_string={"sort": "bestsellers", "cursor": second["previous"]}).json
    assert back["items"] == first["items"]

"""What a client of the three systems does, over HTTP only: register, log in, create products, order, look."""

from __future__ import annotations

import random
import uuid
from typing import Any

import requests

from tests.conftest import wait_for
from tests.e2e.federation_processes import Federation

PASSWORD = "correct horse battery staple"


def register_and_log_in(federation: Federation, name: str = "Ada") -> dict:
    """A new customer's bearer headers (registered and logged in through the user system's API)."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.org"
    created = requests.post(
        f"{federation.url('user')}/api/users",
        json={"email": email, "password": PASSWORD, "display_name": name},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return log_in(federation, email)


def log_in(federation: Federation, email: str, password: str = PASSWORD) -> dict:
    """Bearer headers for an existing account."""
    session = requests.post(
        f"{federation.url('user')}/api/sessions", json={"email": email, "password": password}, timeout=10
    )
    assert session.status_code in (200, 201), session.text
    return {"Authorization": f"Bearer {session.json()['token']}"}


def admin_headers(federation: Federation) -> dict:
    """Bearer headers of an admin created with `scs users add --admin`, once catalog and order know the grant."""
    email = f"admin-{uuid.uuid4().hex[:6]}@example.org"
    federation.scs("users", "add", email, "--password", PASSWORD, "--admin")
    return admin_known_everywhere(federation, email)


def admin_known_everywhere(federation: Federation, email: str, timeout: float = 30) -> dict:
    """Log the admin in and wait until catalog's and order's copies grant the role (admin rights need the copy)."""
    headers = log_in(federation, email)

    def admitted() -> bool:
        return all(
            requests.get(
                f"{federation.url(name)}/_status", headers=headers, timeout=10, allow_redirects=False
            ).status_code
            == 200
            for name in ("catalog", "order")
        )

    wait_for(admitted, timeout=timeout, interval=0.1, message=f"catalog and order to know {email} as an admin")
    return headers


def create_product(
    federation: Federation, admin: dict, stock: int, name: str = "Enamel mug", price_cents: int = 1250
) -> str:
    """A new catalog product's id."""
    body: dict[str, Any] = {
        "sku": f"E2E-{uuid.uuid4().hex[:8]}",
        "name": name,
        "description": "",
        "price_cents": price_cents,
        "stock": stock,
    }
    response = requests.post(f"{federation.url('catalog')}/api/products", json=body, headers=admin, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def copied_product(federation: Federation, product_id: str, headers: dict | None = None, timeout: float = 30) -> dict:
    """The order system's copy of a product, once it has arrived."""

    def find():
        params: dict[str, Any] = {"limit": 100}
        while True:  # every page of the copy, following its `next` cursors
            body = requests.get(
                f"{federation.url('order')}/api/products", params=params, headers=headers or {}, timeout=10
            ).json()
            found = next((item for item in body["items"] if item["id"] == product_id), None)
            if found is not None or body["next"] is None:
                return found
            params["cursor"] = body["next"]

    return wait_for(find, timeout=timeout, interval=0.2, message=f"product {product_id} in the order system's copy")


def place_order(federation: Federation, headers: dict, product_id: str, quantity: int) -> dict:
    """A new order, as the order system answered."""
    body: dict[str, Any] = {"lines": [{"product_id": product_id, "quantity": quantity}]}
    response = requests.post(f"{federation.url('order')}/api/orders", json=body, headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def order_settled(federation: Federation, headers: dict, order_id: str, timeout: float = 30) -> dict:
    """The order once it is no longer pending."""

    def settled():
        order = requests.get(f"{federation.url('order')}/api/orders/{order_id}", headers=headers, timeout=10).json()
        return order if order["status"] != "pending" else None

    return wait_for(settled, timeout=timeout, interval=0.2, message=f"order {order_id} to leave pending")


def catalog_stock(federation: Federation, product_id: str) -> int:
    """The catalog's own stock figure."""
    return requests.get(f"{federation.url('catalog')}/api/products/{product_id}", timeout=10).json()["stock"]


def my_orders_copy(federation: Federation, headers: dict) -> list[dict]:
    """The user system's copy of my orders."""
    return requests.get(f"{federation.url('user')}/api/users/me/orders", headers=headers, timeout=10).json()["items"]


def confirmed_then_too_many_rejected(federation: Federation) -> None:
    """The order flow: an order is confirmed, stock drops and my orders follow; an order for too many is rejected."""
    admin = admin_headers(federation)
    product_id = create_product(federation, admin, stock=5)
    customer = register_and_log_in(federation)
    copied_product(federation, product_id)

    order = place_order(federation, customer, product_id, 3)
    assert order["status"] == "pending"
    assert order_settled(federation, customer, order["id"])["status"] == "confirmed"
    wait_for(lambda: catalog_stock(federation, product_id) == 2, message="the catalog stock to drop to 2")
    wait_for(
        lambda: any(
            o["id"] == order["id"] and o["status"] == "confirmed" for o in my_orders_copy(federation, customer)
        ),
        message="the user system's copy of my orders",
    )

    too_many = place_order(federation, customer, product_id, 3)
    rejected = order_settled(federation, customer, too_many["id"])
    assert rejected["status"] == "rejected"
    assert "not enough stock" in rejected["reason"].lower()
    assert catalog_stock(federation, product_id) == 2


UI_PAGES = {"user": "/login", "catalog": "/", "order": "/"}


def answering_uis(federation: Federation) -> set[str]:
    """The systems whose UI answers a page with 200 right now."""

    def answers(system: str) -> bool:
        try:
            return requests.get(federation.url(system) + UI_PAGES[system], timeout=5).status_code == 200
        except requests.RequestException:
            return False

    return {system for system in UI_PAGES if answers(system)}


def from_another_client() -> dict[str, str]:
    """Headers of a request from a client address of its own, behind the one trusted proxy (SCS_TRUSTED_PROXIES=1)."""
    return {"X-Forwarded-For": f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"}

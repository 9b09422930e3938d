"""No 500 from bad input: each reproduction of the outside probe answers a 4xx and changes nothing stored.

Errors come in the stable JSON shape (or as a form message); invisible and control characters are refused in names
and text with a message naming the character.
"""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from federation.pagination import encode_cursor
from tests.catalog.conftest import add_product
from tests.security.conftest import assert_error_shape, stored
from tests.user.support import PASSWORD, log_in, make_admin, register

NESTED = "[" * 1000 + "]" * 1000
#: Every JSON body the three APIs take (system, method, path).
JSON_OPERATIONS = [
    ("user", "POST", "/api/users"),
    ("user", "POST", "/api/sessions"),
    ("user", "PATCH", "/api/users/me"),
    ("user", "DELETE", "/api/users/me"),
    ("catalog", "POST", "/api/products"),
    ("catalog", "PATCH", "/api/products/{product}"),
    ("order", "POST", "/api/orders"),
]
INVISIBLE = {
    "NUL": "\x00",
    "escape": "\x1b[31m",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "zero-width space": "\u200b",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "line separator": "\u2028",
}


@pytest.mark.parametrize(("system", "method", "path"), JSON_OPERATIONS, ids=[f"{m} {p}" for _, m, p in JSON_OPERATIONS])
def test_deeply_nested_json_is_a_400_and_changes_nothing(apps, callers, system, method, path):
    app = apps[system]
    if "{product}" in path:
        path = path.format(product=add_product(app.extensions["scs"].session_factory).id)
    before = stored(app)
    response = app.test_client().open(
        path, method=method, data=NESTED, content_type="application/json", headers=callers[system]
    )
    assert_error_shape(response)
    assert "nested" in response.get_json()["error"]["message"]
    assert stored(app) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/users", '{"email": "\\ud800@example.org", "password": "long enough password", "display_name": "Ada"}'),
        ("/api/users", '{"email": "eve@example.org", "password": "long enough \\udfff", "display_name": "Ada"}'),
        ("/api/sessions", '{"email": "\\ud800@example.org", "password": "whatever it is"}'),
        ("/api/sessions", '{"email": "ada@example.org", "password": "\\udc00"}'),
    ],
)
def test_a_lone_surrogate_is_a_400_and_changes_nothing(apps, path, body):
    before = stored(apps["user"])
    response = apps["user"].test_client().post(path, data=body, content_type="application/json")
    assert_error_shape(response)
    assert "surrogate" in response.get_json()["error"]["message"]
    assert stored(apps["user"]) == before


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_in_the_product_api_are_a_400(apps, callers, constant):
    before = stored(apps["catalog"])
    body = f'{{"sku": "MUG-1", "name": "Mug", "price_cents": {constant}, "stock": 1}}'
    response = (
        apps["catalog"]
        .test_client()
        .post("/api/products", data=body, content_type="application/json", headers=callers["catalog"])
    )
    assert_error_shape(response)
    assert stored(apps["catalog"]) == before


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on `path`."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def admin_browser(app: Flask, admin_headers) -> FlaskClient:
    """A test client carrying an admin's cookie."""
    client = app.test_client()
    client.set_cookie("scs_token", admin_headers(app)["Authorization"].removeprefix("Bearer "))
    return client


@pytest.mark.parametrize("price", ["NaN", "nan", "Infinity", "-Infinity", "inf", "sNaN", "-sNaN"])
def test_nan_and_infinity_in_the_product_forms_are_a_form_message(apps, admin_headers, price):
    app = apps["catalog"]
    browser = admin_browser(app, admin_headers)
    product = add_product(app.extensions["scs"].session_factory)
    before = stored(app)
    form = {"sku": "MUG-9", "name": "Mug", "description": "", "currency": "EUR", "stock": "1", "price": price}
    for path in ("/admin/products/new", f"/admin/products/{product.id}/edit"):
        extra = {"version": "1"} if path.endswith("/edit") else {}
        response = browser.post(path, data={**form, **extra, "csrf_token": csrf_token(browser, path)})
        assert response.status_code == 400, (path, response.status_code)
        assert "Enter the price as a number" in response.get_data(as_text=True), path
    assert stored(app) == before


def test_page_numbers_limits_and_cursors_are_clamped_or_a_400_naming_the_cursor(apps):
    app = apps["user"]
    client = app.test_client()
    account = register(client).get_json()
    make_admin(app, account["id"])
    log_in(client)
    for query in ("page=4611686018427387904", "page=-1", "page=999999999", "limit=0", "limit=1000000000"):
        response = client.get(f"/admin/users?{query}")
        assert response.status_code == 200 and "(you)" in response.get_data(as_text=True), query
    with app.test_request_context():
        orders_cursor = encode_cursor("user.my-orders", "next", ["2026-01-01T00:00:00", str(uuid.uuid4())])
        accounts_cursor = encode_cursor("user.accounts", "next", ["2026-01-01T00:00:00", str(uuid.uuid4())])
        wrong_key = encode_cursor("user.accounts", "next", ["not a time", "not a uuid"])
    tampered = accounts_cursor[:-3] + ("abc" if not accounts_cursor.endswith("abc") else "xyz")
    for cursor in (orders_cursor, wrong_key, tampered, "x" * 3000):
        response = client.get("/admin/users", query_string={"cursor": cursor})
        assert response.status_code == 400 and "cursor" in response.get_data(as_text=True), cursor
    for cursor in (accounts_cursor, tampered, "x" * 3000):
        api = client.get("/api/users/me/orders", query_string={"cursor": cursor, "limit": "0"})
        assert api.status_code == 400 and set(api.json["error"]["details"]) == {"cursor"}
    assert client.get("/admin/users", query_string={"cursor": accounts_cursor}).status_code == 200
    assert client.get("/api/users/me/orders", query_string={"cursor": orders_cursor}).json["items"] == []
    assert client.get("/api/users/me/orders?limit=1e3").json["error"]["details"] == {"limit": "1e3"}


@pytest.mark.parametrize("roles", [5, "admin", {"admin": True}, [["admin"]], None])
def test_a_signed_token_whose_roles_is_not_a_list_is_a_401(apps, data_dir, roles):
    from tests.federation.test_auth import signed

    token = signed(data_dir, roles=roles)
    headers = {"Authorization": f"Bearer {token}"}
    for name, path in (("user", "/api/users/me"), ("catalog", "/api/products"), ("order", "/api/orders")):
        client = apps[name].test_client()
        response = (
            client.post(path, json={}, headers=headers) if name == "catalog" else client.get(path, headers=headers)
        )
        assert_error_shape(response, 401)
        client.set_cookie("scs_token", token)
        assert client.get("/_status").status_code == 302, "a page sends the holder to log in"


@pytest.mark.parametrize("apps", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("character", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_invisible_and_control_characters_are_refused_in_names_and_text(apps, callers, character):
    user, catalog = apps["user"].test_client(), apps["catalog"].test_client()
    before = {name: stored(app) for name, app in apps.items()}
    name = f"Ad{character}a"
    registered = user.post("/api/users", json={"email": "eve@example.org", "password": PASSWORD, "display_name": name})
    assert_error_shape(registered)
    assert "display_name" in registered.get_json()["error"]["details"]
    renamed = user.patch("/api/users/me", json={"display_name": name}, headers=callers["user"])
    assert_error_shape(renamed)
    product = {"sku": "MUG-7", "name": f"Mug{character}", "description": "", "price_cents": 100, "stock": 1}
    created = catalog.post("/api/products", json=product, headers=callers["catalog"])
    assert_error_shape(created)
    assert "U+" in created.get_json()["error"]["details"]["name"], "the message names the character"
    described = catalog.post(
        "/api/products", json={**product, "name": "Mug", "description": f"Blue{character}"}, headers=callers["catalog"]
    )
    assert_error_shape(described)
    assert {name: stored(app) for name, app in apps.items()} == before


def test_descriptions_keep_their_line_breaks_and_tabs(apps, callers):
    body = {
        "sku": "MUG-8",
        "name": "Mug",
        "description": "Blue.\n\n\tDishwasher safe.\r\n",
        "price_cents": 1,
        "stock": 1,
    }
    assert apps["catalog"].test_client().post("/api/products", json=body, headers=callers["catalog"]).status_code == 201


def test_invisible_characters_in_the_forms_are_a_message_next_to_the_field(apps, admin_headers):
    browser = admin_browser(apps["catalog"], admin_headers)
    form = {"sku": "MUG-9", "name": "Mug\u202e", "description": "", "currency": "EUR", "stock": "1", "price": "1"}
    page = browser.post("/admin/products/new", data={**form, "csrf_token": csrf_token(browser, "/admin/products/new")})
    assert page.status_code == 400
    assert 'id="name-errors"' in page.get_data(as_text=True) and "U+202E" in page.get_data(as_text=True)
    user = apps["user"].test_client()
    page = user.post(
        "/register",
        data={
            "email": "eve@example.org",
            "display_name": "Eve\u200b",
            "password": PASSWORD,
            "csrf_token": csrf_token(user, "/register"),
        },
    )
    assert page.status_code == 400 and 'id="display_name-errors"' in page.get_data(as_text=True)


@pytest.mark.parametrize("apps", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize(
    ("system", "path"),
    [("catalog", "/api/products?q=%00"), ("catalog", "/?q=mug%00"), ("user", "/login?next=/%00")],
)
def test_nul_in_a_query_string_is_a_400(apps, system, path):
    response = apps[system].test_client().get(path)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


@pytest.mark.parametrize("apps", ["sqlite", "postgres"], indirect=True)
def test_nul_in_a_form_field_is_a_400_and_changes_nothing(apps):
    client = apps["user"].test_client()
    before = stored(apps["user"])
    response = client.post(
        "/login", data={"email": "ada\x00@example.org", "password": "x", "csrf_token": csrf_token(client, "/login")}
    )
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    assert stored(apps["user"]) == before

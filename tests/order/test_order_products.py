"""Browsing the product copy: start page with availability and freshness, product page, GET /api/products."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from systems.order.products_copy.queries import PER_PAGE
from tests.order.helpers import add_product, deliver, forms_on, product_event


def link(page: str, rel: str) -> str:
    """The href of the page's next/previous link."""
    found = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    assert found, f"no {rel} link"
    return html.unescape(found.group(1))


def test_the_start_page_says_when_no_product_has_arrived_yet(app):
    html = app.test_client().get("/").get_data(as_text=True)
    assert "No products to order yet" in html
    assert "No product data has arrived from the catalog yet" in html


def test_the_start_page_lists_orderable_products_with_availability_and_freshness(app):
    add_product(app, name="Enamel mug", price_cents=1250, stock=40)
    add_product(app, name="Teapot", price_cents=3900, stock=0)
    gone = add_product(app, name="Old kettle")
    deliver(app, product_event(2, gone, "catalog.product.discontinued", name="Old kettle", discontinued=True))
    response = app.test_client().get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enamel mug" in html and "€12.50" in html and "In stock (40)" in html
    assert "Teapot" in html and "Sold out" in html
    assert "Old kettle" not in html
    assert "data as of" in html and " UTC" in html


def test_the_product_page_offers_the_add_to_cart_form_to_a_logged_in_customer(app, browser):
    mug = add_product(app, name="Enamel mug", description="Blue, 350 ml.", stock=3)
    anonymous = app.test_client().get(f"/products/{mug}").get_data(as_text=True)
    assert "Log in to add it to your cart" in anonymous and "Add to cart" not in anonymous
    html = browser.get(f"/products/{mug}").get_data(as_text=True)
    assert "Blue, 350 ml." in html and "in stock (3)" in html and "Add to cart" in html
    form = next(f for f in forms_on(html) if f["action"] == f"/products/{mug}/add-to-cart")
    assert form["fields"]["quantity"] == "1" and form["fields"]["csrf_token"]


def test_the_product_page_of_a_sold_out_or_discontinued_product_has_no_form(app, browser):
    teapot = add_product(app, name="Teapot", stock=0)
    assert "Add to cart" not in browser.get(f"/products/{teapot}").get_data(as_text=True)
    kettle = add_product(app, name="Kettle")
    deliver(app, product_event(2, kettle, "catalog.product.discontinued", discontinued=True))
    html = browser.get(f"/products/{kettle}").get_data(as_text=True)
    assert "discontinued" in html and "Add to cart" not in html


def test_an_unknown_product_page_is_a_404(app):
    assert app.test_client().get(f"/products/{uuid.uuid4()}").status_code == 404
    assert app.test_client().get("/products/not-a-uuid").status_code == 404


def test_the_api_lists_the_copy_with_availability(app):
    assert app.test_client().get("/api/products").json == {"items": [], "next": None, "previous": None, "as_of": None}
    mug = add_product(app, name="Enamel mug", price_cents=1250, stock=40)
    add_product(app, name="Teapot", stock=0)
    gone = add_product(app, name="Old kettle")
    deliver(app, product_event(2, gone, "catalog.product.discontinued", discontinued=True))
    body = app.test_client().get("/api/products").json
    assert [item["name"] for item in body["items"]] == ["Enamel mug", "Teapot"]
    first = body["items"][0]
    assert first["id"] == str(mug) and first["price_cents"] == 1250 and first["currency"] == "EUR"
    assert (first["available"], first["availability"]) == (40, "in_stock")
    assert body["items"][1]["availability"] == "sold_out"
    assert body["as_of"].endswith("+00:00")


def test_the_start_page_pages_through_the_copy_with_next_and_previous(any_app):
    for number in range(PER_PAGE + 2):
        add_product(any_app, name=f"Cup {number:03d}", sku=f"CUP-{number:03d}")
    client = any_app.test_client()
    first = client.get("/").get_data(as_text=True)
    assert "Cup 000" in first and f"Cup {PER_PAGE - 1:03d}" in first and f"Cup {PER_PAGE:03d}" not in first
    assert 'rel="prev"' not in first
    second = client.get(link(first, "next")).get_data(as_text=True)
    assert f"Cup {PER_PAGE + 1:03d}" in second and "Cup 000" not in second and 'rel="next"' not in second
    back = client.get(link(second, "prev")).get_data(as_text=True)
    assert "Cup 000" in back and f"Cup {PER_PAGE:03d}" not in back


def test_customers_search_the_copy_ranked_with_prefixes_while_the_catalog_is_down(any_app):
    mug = add_product(any_app, name="Enamel mug", sku="MUG-1", description="Blue, holds tea")
    add_product(any_app, name="Teapot", sku="POT-1", description="Cast iron")
    add_product(any_app, name="Tea towel", sku="TOW-1", description="Linen")
    gone = add_product(any_app, name="Tea strainer", sku="STR-1")
    deliver(any_app, product_event(2, gone, "catalog.product.discontinued", name="Tea strainer", discontinued=True))
    client = any_app.test_client()
    names = [item["name"] for item in client.get("/api/products?q=tea").json["items"]]
    assert names[:2] in (["Teapot", "Tea towel"], ["Tea towel", "Teapot"]) and names[2] == "Enamel mug"
    assert [item["name"] for item in client.get("/api/products?q=ena").json["items"]] == ["Enamel mug"]
    deliver(any_app, product_event(2, mug, name="Steel mug", sku="MUG-1", description="Grey"))
    assert client.get("/api/products?q=enamel").json["items"] == []
    assert [item["name"] for item in client.get("/api/products?q=steel").json["items"]] == ["Steel mug"]
    deliver(any_app, product_event(3, mug, name="Steel mug", sku="MUG-1", description="Grey", price_cents=999))
    assert [item["price_cents"] for item in client.get("/api/products?q=steel").json["items"]] == [999]
    page = client.get("/?q=towel").get_data(as_text=True)
    assert "Tea towel" in page and "Teapot" not in page and 'value="towel"' in page
    assert "No products match “zebra”" in client.get("/?q=zebra").get_data(as_text=True)


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "'",
        'tea"',
        "AND",
        "OR NOT",
        "tea NEAR(pot)",
        "*",
        "^tea",
        "name:tea",
        "(tea",
        "tea)",
        "-tea",
        "t" * 1000,
        "Ünïcødé 茶",
        "🍵 tea",
        "'; DROP TABLE product_copy; --",
        "tea & pot | !x",
        "a:* & b",
    ],
)
def test_any_search_text_gives_results_or_an_empty_page(any_app, q):
    add_product(any_app, name="Teapot", sku="POT-1")
    client = any_app.test_client()
    api = client.get("/api/products", query_string={"q": q})
    assert api.status_code == 200 and isinstance(api.json["items"], list)
    assert client.get("/", query_string={"q": q}).status_code == 200
    assert [item["name"] for item in client.get("/api/products").json["items"]] == ["Teapot"]


def test_bad_limits_are_clamped_and_bad_cursors_are_a_400_naming_the_cursor(any_app):
    for number in range(3):
        add_product(any_app, name=f"Cup {number}")
    client = any_app.test_client()
    assert len(client.get("/api/products?limit=0").json["items"]) == 1
    assert len(client.get("/api/products?limit=1000000000").json["items"]) == 3
    assert len(client.get("/api/products?limit=-5&page=-1").json["items"]) == 1
    assert len(client.get("/api/products?page=999999999").json["items"]) == 3
    assert client.get("/api/products?limit=many").json["error"]["details"] == {"limit": "many"}
    cursor = client.get("/api/products?limit=1").json["next"]
    for bad in (cursor[:-2] + "xx", "not-a-cursor", "x" * 5000, cursor.replace(".", "", 1)):
        response = client.get("/api/products", query_string={"cursor": bad})
        assert response.status_code == 400 and set(response.json["error"]["details"]) == {"cursor"}
    other_list = client.get("/api/products", query_string={"q": "cup", "limit": 1}).json["next"]
    response = client.get("/api/products", query_string={"cursor": other_list})
    assert response.status_code == 400 and "another list" in response.json["error"]["message"]
    assert client.get("/", query_string={"cursor": "forged"}).status_code == 400


def test_a_long_unicode_search_still_pages(any_app):
    q = "cup " + "🍵" * 990
    for number in range(3):
        add_product(any_app, name=f"Cup {number} " + "🍵")
    client = any_app.test_client()
    first = client.get("/api/products", query_string={"q": "cup", "limit": 2}).json
    assert len(first["items"]) == 2 and len(first["next"]) < 300
    long = client.get("/api/products", query_string={"q": q, "limit": 2})
    assert long.status_code == 200 and long.json["next"] and len(long.json["next"]) < 300
    rest = client.get("/api/products", query_string={"q": q, "limit": 2, "cursor": long.json["next"]})
    assert rest.status_code == 200 and len(rest.json["items"]) == 1

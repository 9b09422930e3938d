"""Browsing the product copy: start page with availability and freshness, product page, GET /api/products."""

from __future__ import annotations

import uuid

from tests.order.helpers import add_product, deliver, forms_on, product_event


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
    assert app.test_client().get("/api/products").json == {"items": [], "as_of": None}
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

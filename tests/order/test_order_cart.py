"""The cart in the browser: add, change, remove, checkout once however often it is submitted, CSRF on every form."""

from __future__ import annotations

from sqlalchemy import func, select

from systems.order.cart.models import CartLine
from systems.order.orders.models import Order
from tests.order.helpers import add_product, deliver, forms_on, outbox_events, product_event, session_factory, submit


def cart_quantities(app, customer_id) -> dict:
    with session_factory(app)() as session:
        lines = session.scalars(select(CartLine).where(CartLine.customer_id == customer_id))
        return {line.product_id: line.quantity for line in lines}


def order_count(app) -> int:
    with session_factory(app)() as session:
        return session.scalar(select(func.count()).select_from(Order))


def add(browser, product_id, quantity):
    return submit(browser, f"/products/{product_id}", f"/products/{product_id}/add-to-cart", quantity=quantity)


def test_the_cart_needs_a_logged_in_customer(app):
    response = app.test_client().get("/cart")
    assert response.status_code == 302
    assert response.location.startswith("http://localhost:5001/login?next=")


def test_an_empty_cart_says_so(browser):
    html = browser.get("/cart").get_data(as_text=True)
    assert "Your cart is empty" in html and "Place order" not in html


def test_adding_changing_and_removing_lines(app, browser, customer_id):
    mug = add_product(app, name="Enamel mug", price_cents=1250, stock=40)
    response = add(browser, mug, "2")
    assert response.status_code == 302 and response.location == "/cart"
    add(browser, mug, "3")
    assert cart_quantities(app, customer_id) == {mug: 5}
    html = browser.get("/cart").get_data(as_text=True)
    assert "Enamel mug" in html and "€62.50" in html and "Place order" in html

    response = submit(browser, "/cart", f"/cart/{mug}/quantity", quantity="7")
    assert response.status_code == 302 and cart_quantities(app, customer_id) == {mug: 7}
    response = submit(browser, "/cart", f"/cart/{mug}/remove")
    assert response.status_code == 302 and cart_quantities(app, customer_id) == {}
    assert "Removed Enamel mug from your cart" in browser.get("/cart").get_data(as_text=True)


def test_a_bad_quantity_is_explained_next_to_the_field_and_nothing_is_stored(app, browser, customer_id):
    mug = add_product(app, name="Enamel mug")
    for bad, message in (
        ("0", "from 1 to 100"),
        ("101", "from 1 to 100"),
        ("abc", "Not a valid integer"),
        ("", "Enter a quantity"),
    ):
        response = add(browser, mug, bad)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True) and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert cart_quantities(app, customer_id) == {}
    add(browser, mug, "60")
    response = add(browser, mug, "41")
    assert response.status_code == 400 and "your cart already holds 60" in response.get_data(as_text=True)
    response = submit(browser, "/cart", f"/cart/{mug}/quantity", quantity="-1")
    assert response.status_code == 400 and "from 1 to 100" in response.get_data(as_text=True)
    assert cart_quantities(app, customer_id) == {mug: 60}


def test_a_discontinued_product_cannot_be_added(app, browser, customer_id):
    kettle = add_product(app, name="Kettle")
    page = f"/products/{kettle}"
    html = browser.get(page).get_data(as_text=True)
    deliver(app, product_event(2, kettle, "catalog.product.discontinued", name="Kettle", discontinued=True))
    fields = next(f for f in forms_on(html) if f["action"] == f"{page}/add-to-cart")["fields"]
    response = browser.post(f"{page}/add-to-cart", data=fields, follow_redirects=True)
    assert "Kettle has been discontinued" in response.get_data(as_text=True)
    assert cart_quantities(app, customer_id) == {}


def test_a_form_post_without_csrf_token_is_refused(app, browser, customer_id):
    mug = add_product(app)
    response = browser.post(f"/products/{mug}/add-to-cart", data={"quantity": "1"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert cart_quantities(app, customer_id) == {}
    assert browser.post("/cart/checkout", data={"idempotency_key": "k"}).status_code == 400


def test_checkout_places_one_pending_order_and_empties_the_cart(app, browser, customer_id):
    mug = add_product(app, name="Enamel mug", price_cents=1250)
    teapot = add_product(app, name="Teapot", price_cents=3900)
    add(browser, mug, "2")
    add(browser, teapot, "1")
    cart_page = browser.get("/cart").get_data(as_text=True)
    checkout = next(f for f in forms_on(cart_page) if f["action"] == "/cart/checkout")["fields"]
    assert checkout["idempotency_key"]

    first = browser.post("/cart/checkout", data=checkout)
    second = browser.post("/cart/checkout", data=checkout)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location and first.location.startswith("/orders/")
    assert order_count(app) == 1 and cart_quantities(app, customer_id) == {}

    placed = outbox_events(app, "order.placed")
    assert len(placed) == 1 and placed[0]["aggregate_version"] == 1
    data = placed[0]["data"]
    assert (data["status"], data["total_cents"], data["currency"]) == ("pending", 6400, "EUR")
    assert [(line["name"], line["quantity"], line["unit_price_cents"]) for line in data["lines"]] == [
        ("Enamel mug", 2, 1250),
        ("Teapot", 1, 3900),
    ]
    html = browser.get(first.location).get_data(as_text=True)
    assert "Your order is placed" in html and "pending" in html


def test_checkout_refuses_a_cart_with_a_discontinued_product(app, browser, customer_id):
    kettle = add_product(app, name="Kettle")
    add(browser, kettle, "1")
    deliver(app, product_event(2, kettle, "catalog.product.discontinued", name="Kettle", discontinued=True))
    assert "Discontinued: remove it to check out" in browser.get("/cart").get_data(as_text=True)
    response = submit(browser, "/cart", "/cart/checkout")
    assert response.location == "/cart"
    assert "Please remove: Kettle" in browser.get("/cart").get_data(as_text=True)
    assert order_count(app) == 0 and cart_quantities(app, customer_id) == {kettle: 1}


def test_checking_out_a_cart_emptied_in_another_tab_is_refused(app, browser, customer_id):
    mug = add_product(app)
    add(browser, mug, "1")
    checkout = next(f for f in forms_on(browser.get("/cart").get_data(as_text=True)) if f["action"] == "/cart/checkout")
    submit(browser, "/cart", f"/cart/{mug}/remove")
    response = browser.post("/cart/checkout", data=checkout["fields"], follow_redirects=True)
    assert "Nothing to order" in response.get_data(as_text=True)
    assert order_count(app) == 0

"""A customer's way through the three UIs in Chromium: register, log in, search, cart, keyboard checkout, my orders, cancel."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.ui import Visits
from tests.conftest import wait_for
from tests.e2e.federation_processes import Federation
from tests.e2e.journeys import PASSWORD, admin_headers, copied_product, create_product

SHELF = (("Linen apron", 2900), ("Cast iron pan", 4450), ("Stoneware bowl", 1800))


def stock_of_product_page(page: Page) -> str:
    """The stock badge's text on the catalog's product page."""
    return page.locator(".product .status").inner_text()


def test_a_customer_orders_sees_it_confirmed_in_my_orders_cancels_and_the_stock_comes_back(
    shop: Federation, visits: Visits, page: Page
):
    admin = admin_headers(shop)
    tag = uuid.uuid4().hex[:6]
    for name, price in SHELF:
        create_product(shop, admin, stock=25, name=f"{name} {tag}", price_cents=price)
    product_id = create_product(shop, admin, stock=8, name=f"Enamel mug {tag}", price_cents=1250)
    copied_product(shop, product_id)
    email = f"ada-{tag}@example.org"

    page.goto(f"{shop.url('user')}/register")
    visits.look("customer-01-register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.locator(".empty")).to_contain_text("You have no orders yet.")
    visits.look("customer-02-registered")

    page.goto(f"{shop.url('user')}/logout")
    visits.look("customer-03-log-out")
    page.get_by_role("button", name="Log out", exact=True).click()
    visits.look("customer-04-logged-out")

    page.goto(f"{shop.url('catalog')}/")
    visits.look("customer-05-catalog-anonymous")
    page.locator(".site-header").get_by_role("link", name="Log in").click()
    visits.look("customer-06-log-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{shop.url('catalog')}/")
    visits.look("customer-07-back-on-the-catalog")
    expect(page.locator("[data-fragment-source='account-badge']")).to_contain_text("Signed in as Ada")

    page.goto(f"{shop.url('order')}/")
    visits.look("customer-08-order-system")
    expect(page.locator("[data-fragment-source='account-badge']")).to_contain_text("Signed in as Ada")
    expect(page.locator("[data-fragment-source='cart-badge']")).to_have_text("Cart (0)")
    page.get_by_role("link", name="Your orders").click()
    expect(page.locator(".empty")).to_have_text("No orders yet.")
    visits.look("customer-08-no-orders-yet")

    page.goto(f"{shop.url('catalog')}/")
    page.get_by_label("Search products").fill(f"mug {tag}")
    page.get_by_label("Search products").press("Enter")
    visits.look("customer-09-search")
    expect(page.locator(".product-grid .card")).to_have_count(1)
    page.get_by_role("link", name=f"Enamel mug {tag}").click()
    visits.look("customer-10-catalog-product")
    assert stock_of_product_page(page) == "8 in stock"
    page.get_by_role("link", name="Order this").click()
    visits.look("customer-11-order-product")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{shop.url('order')}/cart")
    visits.look("customer-12-cart")
    expect(page.locator("[data-fragment-source='cart-badge']")).to_have_text("Cart (2)")

    for _ in range(40):  # the checkout step with the keyboard only: Tab to "Place order", press Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Place order":
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"{shop.url('order')}/orders/[0-9a-f-]{{36}}$"))
    order_url = page.url
    expect(page.locator("#order-status")).to_have_attribute("data-status", "confirmed", timeout=30_000)
    visits.look("customer-13-order-confirmed")

    page.goto(f"{shop.url('user')}/")

    def my_order_listed() -> bool:
        page.reload()
        return page.locator("#orders-heading + .freshness + table .status-confirmed").count() == 1

    wait_for(my_order_listed, timeout=30, interval=0.3, message="the confirmed order under My orders")
    visits.look("customer-14-my-orders")

    page.locator("table").get_by_role("link", name=re.compile("^Order ")).click()
    expect(page).to_have_url(order_url)
    visits.look("customer-15-order-again")
    page.get_by_role("button", name="Cancel order").click()
    expect(page.locator("#order-status")).to_have_attribute("data-status", "cancelled")
    visits.look("customer-16-cancelled")

    page.goto(f"{shop.url('catalog')}/products/{product_id}")

    def stock_back() -> bool:
        page.reload()
        return stock_of_product_page(page) == "8 in stock"

    wait_for(stock_back, timeout=30, interval=0.3, message="the stock back to 8 on the catalog's product page")
    visits.look("customer-17-stock-back")

"""Browsing the order system's product copy in Chromium: type-ahead search ranked from its own index, next/previous."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from systems.order.products_copy.queries import PER_PAGE
from tests.browser.ui import Visits
from tests.e2e.federation_processes import Federation
from tests.e2e.journeys import admin_headers, copied_product, create_product


def test_a_customer_searches_the_order_copy_and_pages_through_it(shop: Federation, visits: Visits, page: Page):
    admin = admin_headers(shop)
    tag = uuid.uuid4().hex[:8]
    ids = [create_product(shop, admin, stock=5, name=f"Ladle {tag} {n:02d}") for n in range(PER_PAGE + 2)]
    create_product(shop, admin, stock=5, name=f"Teapot {tag}")
    for product_id in ids:
        copied_product(shop, product_id)

    page.goto(f"{shop.url('order')}/")
    visits.look("order-browse-01-start")
    page.get_by_label("Search products").fill(f"ladle {tag[:5]}")  # the last word as a prefix, as while typing
    page.get_by_label("Search products").press("Enter")
    visits.look("order-browse-02-search")
    cards = page.locator(".grid .card")
    expect(cards).to_have_count(PER_PAGE)
    expect(page.get_by_role("link", name="Previous")).to_have_count(0)
    first_page = set(cards.locator("h2").all_inner_texts())

    page.get_by_role("link", name="Next").click()
    visits.look("order-browse-03-next")
    expect(cards).to_have_count(2)
    expect(page.get_by_role("link", name="Next")).to_have_count(0)
    expect(page.get_by_label("Search products")).to_have_value(f"ladle {tag[:5]}")
    second_page = set(cards.locator("h2").all_inner_texts())
    assert not first_page & second_page and len(first_page | second_page) == PER_PAGE + 2
    assert all(name.startswith(f"Ladle {tag}") for name in first_page | second_page)

    page.get_by_role("link", name="Previous").click()
    visits.look("order-browse-04-previous")
    expect(cards).to_have_count(PER_PAGE)
    assert set(cards.locator("h2").all_inner_texts()) == first_page

    page.get_by_label("Search products").fill(f'"Teapot" ({tag})*')  # quotes, brackets, stars are not syntax
    page.get_by_label("Search products").press("Enter")
    visits.look("order-browse-05-search-odd-input")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(f"Teapot {tag}")

    page.get_by_role("link", name="Clear").click()
    visits.look("order-browse-06-cleared")
    expect(page.get_by_role("link", name="Next")).to_be_visible()

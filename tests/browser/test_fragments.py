"""UI integration by fragments: the badges come from their owning systems across origins, and pages survive their absence."""

from __future__ import annotations

import requests
from playwright.sync_api import Page, expect

from tests.browser.ui import Visits
from tests.e2e.federation_processes import Federation
from tests.e2e.journeys import register_and_log_in


def log_in_browser(shop: Federation, page: Page, name: str) -> dict:
    """A new customer's bearer headers, with the token cookie also in the browser (as after the log-in page)."""
    headers = register_and_log_in(shop, name)
    token = headers["Authorization"].removeprefix("Bearer ")
    page.context.add_cookies([{"name": "scs_token", "value": token, "url": shop.url("user")}])
    return headers


def test_fragments_answer_cors_for_the_federation_only(shop: Federation):
    catalog_origin = shop.url("catalog")
    for system, path in (("user", "/fragments/v1/account-badge"), ("order", "/fragments/v1/cart-badge")):
        ours = requests.get(shop.url(system) + path, headers={"Origin": catalog_origin}, timeout=10)
        assert ours.status_code == 200 and "data-fragment-source" in ours.text and "<html" not in ours.text
        assert ours.headers["Access-Control-Allow-Origin"] == catalog_origin
        assert ours.headers["Access-Control-Allow-Credentials"] == "true"
        assert ours.headers["Cache-Control"] == "private, no-store"
        foreign = requests.get(shop.url(system) + path, headers={"Origin": "http://evil.example"}, timeout=10)
        assert "Access-Control-Allow-Origin" not in foreign.headers
    csp = requests.get(catalog_origin + "/", timeout=10).headers["Content-Security-Policy"]
    assert f"connect-src 'self' {shop.url('user')} {catalog_origin} {shop.url('order')}" in csp


def test_with_the_user_system_down_catalog_and_order_pages_work_and_the_badge_falls_back_to_the_link(
    shop: Federation, visits: Visits, page: Page
):
    log_in_browser(shop, page, "Hedy")
    page.goto(f"{shop.url('catalog')}/")
    visits.look("fragments-01-all-up")
    expect(page.locator("[data-fragment-source='account-badge']")).to_contain_text("Signed in as Hedy")

    shop.stop("user-web")
    try:
        for system in ("catalog", "order"):
            response = page.goto(f"{shop.url(system)}/")
            assert response is not None and response.status == 200
            visits.look(f"fragments-02-user-down-{system}")
            placeholder = page.locator(".nav-identity[data-fragment]")
            expect(placeholder).to_have_class("nav-identity fragment-unavailable")
            expect(placeholder.get_by_role("link", name="Log out")).to_be_visible()
            expect(page.locator("[data-fragment-source='account-badge']")).to_have_count(0)
            expect(page.locator("[data-fragment-source='cart-badge']")).to_have_text("Cart (0)")
    finally:
        shop.start("user-web")


def test_with_javascript_off_the_plain_links_stay(shop: Federation, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{shop.url('order')}/")
        expect(page.locator("a.cart-badge[data-fragment]")).to_have_attribute("href", f"{shop.url('order')}/cart")
        expect(page.locator(".nav-identity[data-fragment]").get_by_role("link", name="Log in")).to_be_visible()
    finally:
        context.close()

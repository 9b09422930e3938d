"""An admin creates a product in the catalog's UI, corrects a validation error, and sees it offered by the order system."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.browser.ui import Visits
from tests.conftest import wait_for
from tests.e2e.federation_processes import Federation
from tests.e2e.journeys import PASSWORD, admin_known_everywhere


def test_an_admin_fixes_a_validation_error_and_the_new_product_reaches_the_order_system(
    shop: Federation, visits: Visits, page: Page
):
    email = f"admin-{uuid.uuid4().hex[:6]}@example.org"
    shop.scs("users", "add", email, "--password", PASSWORD, "--admin")
    admin_known_everywhere(shop, email)
    name = f"Copper kettle {uuid.uuid4().hex[:6]}"

    page.goto(f"{shop.url('catalog')}/admin/products/new")
    visits.look("admin-01-log-in-first")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="New product")).to_be_visible()
    visits.look("admin-02-new-product")
    expect(page.locator("[data-fragment-source='account-badge'] .badge")).to_have_text("admin")

    page.get_by_label("SKU").fill(f"KET-{uuid.uuid4().hex[:6]}")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Price").fill("39.005")
    page.get_by_label("Stock").fill("7")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields")
    expect(page.get_by_label("Price")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#price-errors")).to_have_text("Use at most two decimals (whole cents).")
    visits.look("admin-03-validation-error")

    page.get_by_label("Price").fill("39.00")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    visits.look("admin-04-created")

    page.goto(f"{shop.url('order')}/")

    def offered() -> bool:
        page.reload()
        return page.get_by_role("link", name=name).count() == 1

    wait_for(offered, timeout=30, interval=0.3, message="the new product in the order system's list")
    visits.look("admin-05-in-the-order-system")
    expect(page.locator(".card", has_text=name)).to_contain_text("€39.00")

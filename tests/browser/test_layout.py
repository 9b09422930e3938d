"""The shared layout in Chromium: phone width without sideways scrolling, and error pages (404, 403) in the same frame."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.ui import Visits, no_horizontal_overflow
from tests.e2e.federation_processes import Federation
from tests.e2e.journeys import admin_headers, create_product, register_and_log_in

PHONE: ViewportSize = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser: Browser):
    """A tab 375 px wide, as on a small phone."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    visits = Visits(context.new_page())
    yield visits
    context.close()
    visits.assert_every_page_checked()


@pytest.fixture(scope="module")
def long_named_product(shop: Federation) -> str:
    """A product whose name has to wrap on a phone."""
    return create_product(
        shop, admin_headers(shop), stock=3, name="A stoneware teapot with a rather long name that must wrap"
    )


@pytest.mark.parametrize("system, path", [("catalog", "/"), ("order", "/"), ("user", "/register"), ("user", "/login")])
def test_pages_fit_a_phone_screen(shop: Federation, phone: Visits, long_named_product: str, system: str, path: str):
    phone.page.goto(shop.url(system) + path)
    phone.look(f"phone-{system}{path.replace('/', '-').rstrip('-')}")
    assert no_horizontal_overflow(phone.page)


@pytest.mark.parametrize("system", ["user", "catalog", "order"])
def test_an_unknown_page_is_a_404_in_the_shared_layout(shop: Federation, visits: Visits, page: Page, system: str):
    response = page.goto(f"{shop.url(system)}/no/such/page")
    assert response is not None and response.status == 404
    visits.look(f"error-404-{system}")
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    expect(page.get_by_role("navigation", name="Systems")).to_be_visible()


def test_a_customer_on_an_admin_page_gets_a_403_in_the_shared_layout(shop: Federation, visits: Visits, page: Page):
    token = register_and_log_in(shop, "Grace")["Authorization"].removeprefix("Bearer ")
    page.context.add_cookies([{"name": "scs_token", "value": token, "url": shop.url("catalog")}])
    response = page.goto(f"{shop.url('catalog')}/admin/products/new")
    assert response is not None and response.status == 403
    visits.look("error-403-catalog")
    expect(page.get_by_role("heading", level=1)).to_have_text("You may not see this page")
    expect(page.get_by_role("link", name="Log in as someone else")).to_be_visible()

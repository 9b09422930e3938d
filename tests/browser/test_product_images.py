"""Product images in the browser, and the 500 page.

An admin uploads an image and the thumbnail shows in catalog and order; with the catalog down a new visitor sees the
placeholder and orders still go through.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect
from werkzeug.serving import make_server

from tests.browser.ui import Visits
from tests.conftest import wait_for
from tests.e2e.federation_processes import Federation
from tests.e2e.journeys import PASSWORD, admin_known_everywhere
from tests.images import photo

LOADED = "img => img.complete && img.naturalWidth > 0"


def image_loaded(page: Page, url: str) -> bool:
    """Reload `url` and tell whether its first product image was fetched and decoded (lazy images scrolled into view)."""
    page.goto(url)
    image = page.locator(".product-image img").first
    if image.count() == 0:
        return False
    image.scroll_into_view_if_needed()
    return bool(image.evaluate(LOADED))


def test_an_admin_uploads_an_image_and_within_seconds_it_shows_in_catalog_and_order(
    shop: Federation, visits: Visits, page: Page, browser: Browser
):
    email = f"photo-admin-{uuid.uuid4().hex[:6]}@example.org"
    shop.scs("users", "add", email, "--password", PASSWORD, "--admin")
    admin_known_everywhere(shop, email)
    name = f"Speckled bowl {uuid.uuid4().hex[:6]}"
    page.goto(f"{shop.url('catalog')}/admin/products/new")
    visits.look("images-00-log-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="New product")).to_be_visible()
    visits.look("images-01-new-product")
    page.get_by_label("SKU").fill(f"BOWL-{uuid.uuid4().hex[:6]}")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Price").fill("24.50")
    page.get_by_label("Stock").fill("9")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    visits.look("images-02-created-without-image")
    expect(page.locator(".product-image.is-missing")).to_have_count(1)
    product_id = re.search(r"/products/([0-9a-f-]{36})", page.url).group(1)  # type: ignore[union-attr]

    page.get_by_role("link", name="Edit").click()
    bowl: FilePayload = {"name": "bowl.jpg", "mimeType": "image/jpeg", "buffer": photo(900, 600)}
    page.set_input_files("#image-file", files=[bowl])
    expect(page.locator(".upload-preview")).to_be_visible()  # the preview before sending (JavaScript)
    page.get_by_label("Alternative text", exact=True).last.fill("A speckled bowl, seen from above")
    visits.look("images-03-chosen-with-preview")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash-success")).to_contain_text("Image uploaded")
    visits.look("images-04-uploaded")

    catalog_page = f"{shop.url('catalog')}/products/{product_id}"
    wait_for(
        lambda: image_loaded(page, catalog_page), timeout=30, interval=0.3, message="the image on the catalog page"
    )
    image = page.locator(".product-image img").first
    expect(image).to_have_attribute("alt", "A speckled bowl, seen from above")
    expect(image).to_have_attribute("loading", "lazy")
    assert image.get_attribute("srcset").count("w,") == 2  # type: ignore[union-attr]  # three widths
    visits.look("images-05-catalog-product")
    page.goto(f"{shop.url('catalog')}/?q={name.split()[-1]}")
    expect(page.locator(".card .product-image img")).to_have_count(1)
    visits.look("images-06-catalog-list")

    order_page = f"{shop.url('order')}/products/{product_id}"
    wait_for(lambda: image_loaded(page, order_page), timeout=30, interval=0.3, message="the image on the order page")
    assert page.locator(".product-image img").first.get_attribute("src").startswith(shop.url("catalog"))  # type: ignore[union-attr]
    visits.look("images-07-order-product")

    shop.stop("catalog-web")
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})  # a visitor without the images in cache
    fresh.add_cookies(
        [{"name": c["name"], "value": c["value"], "url": shop.url("user")} for c in page.context.cookies()]
    )
    down = Visits(fresh.new_page())
    try:
        down.page.goto(order_page)
        expect(down.page.locator(".product-image").first).to_have_class(re.compile(r"\bis-missing\b"))
        down.look("images-08-catalog-down-placeholder")
        down.page.get_by_label("Quantity").fill("1")
        down.page.get_by_role("button", name="Add to cart").click()
        expect(down.page).to_have_url(f"{shop.url('order')}/cart")
        expect(down.page.locator(".line-product .product-image")).to_have_class(re.compile(r"\bis-missing\b"))
        down.look("images-09-cart-catalog-down")
        down.page.get_by_role("button", name="Place order").click()
        expect(down.page).to_have_url(re.compile(rf"{shop.url('order')}/orders/[0-9a-f-]{{36}}$"))
        expect(down.page.locator("#order-status")).to_have_attribute("data-status", "confirmed", timeout=30_000)
        expect(down.page.locator(".line-product .product-image")).to_have_class(re.compile(r"\bis-missing\b"))
        down.look("images-10-order-placed-catalog-down")
        down.assert_every_page_checked()
    finally:
        fresh.close()
        shop.start("catalog-web")

    def my_order_pictured() -> bool:  # the catalog's thumbnail fragment on the user system's "My orders"
        page.goto(f"{shop.url('user')}/")
        thumbnail = page.locator("#orders-heading ~ table .product-image img")
        return thumbnail.count() == 1 and bool(thumbnail.evaluate(LOADED))

    wait_for(my_order_pictured, timeout=30, interval=0.3, message="the order's picture under My orders")
    expect(page.locator("#orders-heading ~ table .product-image img")).to_have_attribute(
        "alt", "A speckled bowl, seen from above"
    )
    visits.look("images-11-my-orders")


@pytest.fixture
def failing_server(data_dir) -> Iterator[str]:
    """A catalog app in this process, with one route that fails, on a free port."""
    from systems.catalog import create_app

    app = create_app({"SCS_DATA_DIR": str(data_dir)})

    def explode():
        raise RuntimeError("a bug, on purpose")

    app.add_url_rule("/explode", "explode", explode)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_the_500_page_is_the_shared_error_page_and_accessible(failing_server: str, visits: Visits, page: Page):
    response = page.goto(f"{failing_server}/explode")
    assert response is not None and response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong on our side")
    expect(page.locator("main")).to_contain_text("Error 500 (internal_error) from the catalog system")
    assert "a bug, on purpose" not in page.content()
    visits.look("error-500")

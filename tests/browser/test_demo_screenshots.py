"""The demo data as a visitor sees it: every demo product with its picture, Ada's orders; the README's screenshots.

A federation of its own (the demo data would crowd the shared one's pages), loaded with `scs demo-data` as compose does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from systems.catalog.products.demo import DEMO_PRODUCTS
from systems.user.accounts.demo import DEMO_PASSWORD
from tests.browser.ui import Visits
from tests.conftest import delete_namespace, wait_for
from tests.e2e.federation_processes import Federation


@pytest.fixture
def demo_shop(tmp_path, amqp_url, new_namespace) -> Iterator[Federation]:
    """All three systems with the demo data loaded."""
    namespace = new_namespace()
    shop = Federation(data_dir=tmp_path / "var", namespace=namespace, amqp_url=amqp_url)
    try:
        shop.start_all()
        shop.scs("demo-data")
        yield shop
    finally:
        shop.stop_all()
        delete_namespace(amqp_url, namespace)


def all_pictured(page: Page, url: str, count: int) -> bool:
    """Reload `url`; whether `count` product pictures are there and every one of them has loaded."""
    page.goto(url)
    images = page.locator(".product-image img")
    if images.count() < count:
        return False
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    return bool(
        page.evaluate(
            "[...document.querySelectorAll('.product-image img')].every(i => i.complete && i.naturalWidth > 0)"
        )
    )


def test_the_demo_shop_shows_every_product_with_its_picture_in_all_three_systems(
    demo_shop: Federation, visits: Visits, page: Page
):
    page.goto(f"{demo_shop.url('user')}/login")
    visits.look("demo-00-log-in")
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    visits.look("demo-01-account")

    catalog = f"{demo_shop.url('catalog')}/"
    wait_for(lambda: all_pictured(page, catalog, len(DEMO_PRODUCTS)), timeout=60, interval=0.5, message="demo pictures")
    visits.look("demo-02-catalog", docs="catalog")

    wait_for(
        lambda: all_pictured(page, f"{demo_shop.url('order')}/", len(DEMO_PRODUCTS)),
        timeout=60,
        interval=0.5,
        message="order copy pictures",
    )
    visits.look("demo-03-order-products")
    page.goto(f"{demo_shop.url('order')}/orders")
    visits.look("demo-04-orders")
    page.locator("table a").first.click()
    expect(page.locator(".line-product .product-image img")).to_have_count(2)
    visits.look("demo-05-order", docs="order")

    def my_orders_pictured() -> bool:
        page.goto(f"{demo_shop.url('user')}/")
        return all_pictured(page, page.url, 2)

    wait_for(my_orders_pictured, timeout=30, interval=0.5, message="pictures under My orders")
    visits.look("demo-06-my-orders", docs="user")

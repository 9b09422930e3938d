"""The product copy keeps the catalog's image references; the order pages show them from the catalog, or a placeholder."""

from __future__ import annotations

import re

from shared_contracts.examples import example_data
from systems.order.products_copy.models import ProductCopy
from tests.order.helpers import add_product, deliver, product_event, session_factory

HASH = "ab" * 32


def images(alt: str = "A blue mug") -> list[dict]:
    """One processed image with two variants, as catalog.product.updated carries it."""
    return [
        {
            "id": example_data("catalog.product.updated")["images"][0]["id"],
            "alt": alt,
            "variants": [
                {"url": f"/images/{HASH[:62]}01.webp", "width": 160, "height": 120},
                {"url": f"/images/{HASH[:62]}02.webp", "width": 480, "height": 360},
            ],
        }
    ]


def copy(app, product_id) -> ProductCopy:
    with session_factory(app)() as session:
        return session.get(ProductCopy, product_id)


def test_the_copy_keeps_the_images_and_an_update_without_them_removes_them(any_app):
    mug = add_product(any_app, name="Enamel mug")
    assert copy(any_app, mug).images == []
    deliver(any_app, product_event(2, mug, name="Enamel mug", images=images()))
    [kept] = copy(any_app, mug).images
    assert kept["alt"] == "A blue mug" and [v["width"] for v in kept["variants"]] == [160, 480]
    deliver(any_app, product_event(1, mug, name="Enamel mug", images=[]))  # older: ignored
    assert copy(any_app, mug).images
    deliver(any_app, product_event(3, mug, name="Enamel mug", images=[]))
    assert copy(any_app, mug).images == []
    api = any_app.test_client().get("/api/products").get_json()["items"]
    assert api[0]["images"] == []


def test_pages_show_the_catalogs_variant_with_size_srcset_lazy_loading_and_alt(app, browser):
    catalog = app.extensions["scs"].settings.system_urls["catalog"]
    mug = add_product(app, name="Enamel mug")
    deliver(app, product_event(2, mug, name="Enamel mug", images=images()))
    plain = add_product(app, name="Teapot")
    listing = app.test_client().get("/").get_data(as_text=True)
    [img] = re.findall(r"<img [^>]*>", listing)
    assert f'src="{catalog}/images/{HASH[:62]}02.webp"' in img  # the 480 px variant for a 320 px card
    assert f"{catalog}/images/{HASH[:62]}01.webp 160w, {catalog}/images/{HASH[:62]}02.webp 480w" in img
    assert 'width="480" height="360"' in img and 'loading="lazy"' in img and 'alt="A blue mug"' in img
    assert listing.count('class="product-image  is-missing" aria-hidden="true"') == 1  # the teapot's placeholder
    page = app.test_client().get(f"/products/{mug}").get_data(as_text=True)
    assert 'alt="A blue mug"' in page
    assert "is-missing" in app.test_client().get(f"/products/{plain}").get_data(as_text=True)
    browser.post(f"/products/{mug}/add-to-cart", data={"quantity": "1", "csrf_token": _token(browser, mug)})
    cart = browser.get("/cart").get_data(as_text=True)
    assert f'src="{catalog}/images/{HASH[:62]}01.webp"' in cart and 'width="160" height="120"' in cart


def test_the_content_security_policy_lets_pages_load_images_from_the_catalog(app):
    catalog = app.extensions["scs"].settings.system_urls["catalog"]
    policy = app.test_client().get("/").headers["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert catalog.rstrip("/") in img_src


def _token(client, product_id) -> str:
    html = client.get(f"/products/{product_id}").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the product page"
    return match.group(1)

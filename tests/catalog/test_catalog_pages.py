"""The catalog's HTML pages: browse, search and pages, the product page, and the admin forms with their messages."""

from __future__ import annotations

import html
import re
import uuid

from shared_contracts.catalog import ProductState
from systems.catalog.products.queries import PER_PAGE
from systems.catalog.sales.models import ProductSales
from tests.catalog.conftest import add_product, csrf_token, get_product, outbox
from tests.conftest import account_known

FORM = {
    "sku": "bowl-7",
    "name": "Stoneware bowl",
    "description": "Glazed.",
    "price": "18.90",
    "currency": "eur",
    "stock": "12",
}


def login_admin(client, mint_token):
    user_id = uuid.uuid4()
    account_known(client.application, user_id, roles=("admin", "customer"))
    client.set_cookie("scs_token", mint_token(user_id=user_id, display_name="Root", roles=["admin"]))


def test_browse_shows_cards_search_and_empty_states(client, session_factory):
    assert "There are no products yet." in client.get("/").get_data(as_text=True)
    add_product(session_factory, sku="MUG-1", name="Enamel <mug>", price_cents=1250, stock=3)
    add_product(session_factory, sku="POT-1", name="Teapot", price_cents=4500, stock=0)
    page = client.get("/").get_data(as_text=True)
    assert "Enamel &lt;mug&gt;" in page and "€12.50" in page and "Only 3 left" in page and "Out of stock" in page
    found = client.get("/?q=teap").get_data(as_text=True)
    assert "Teapot" in found and "Enamel" not in found and 'value="teap"' in found
    assert "No products match “zebra”." in client.get("/?q=zebra").get_data(as_text=True)


def link(page: str, rel: str) -> str:
    """The href of the page's next/previous link."""
    found = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    assert found, f"no {rel} link"
    return html.unescape(found.group(1))


def test_browse_pages_through_twenty_products_at_a_time(client, session_factory):
    for number in range(PER_PAGE + 1):
        add_product(session_factory, sku=f"CUP-{number:03d}", name=f"Cup {number:03d}")
    first = client.get("/?sort=name&q=cup").get_data(as_text=True)
    assert "Cup 019" in first and "Cup 020" not in first and 'rel="prev"' not in first
    next_url = link(first, "next")
    assert "q=cup" in next_url and "sort=name" in next_url
    second = client.get(next_url).get_data(as_text=True)
    assert "Cup 020" in second and "Cup 000" not in second and 'rel="next"' not in second
    previous_url = link(second, "prev")
    back = client.get(previous_url).get_data(as_text=True)
    assert "Cup 000" in back and "Cup 019" in back and "Cup 020" not in back
    assert "Cup 000" in client.get("/?q=cup&sort=name&page=99").get_data(as_text=True)  # no page numbers any more


def test_a_bad_cursor_is_a_clear_error_page(client, session_factory):
    add_product(session_factory, name="Cup")
    response = client.get("/?cursor=forged")
    assert response.status_code == 400 and "cursor" in response.get_data(as_text=True)


def test_bestsellers_sort_uses_the_sales_copy(client, session_factory):
    add_product(session_factory, name="Apple crate")
    popular = add_product(session_factory, name="Zinc bucket")
    with session_factory() as session:
        session.add(ProductSales(product_id=popular.id, units_sold=7))
        session.commit()
    by_name = client.get("/").get_data(as_text=True)
    assert by_name.index("Apple crate") < by_name.index("Zinc bucket")
    with session_factory() as session:
        session.add(ProductSales(product_id=add_product(session_factory, name="Copper pot").id, units_sold=2))
        session.commit()
    best = client.get("/?sort=bestsellers").get_data(as_text=True)
    assert best.index("Zinc bucket") < best.index("Copper pot") and "7 sold" in best
    assert "Apple crate" not in best  # best sellers are the products that sold


def test_product_page_shows_sales_and_links_to_the_order_system(client, session_factory):
    product = add_product(session_factory, name="Enamel mug", description="Blue,\n350 ml.")
    with session_factory() as session:
        session.add(ProductSales(product_id=product.id, units_sold=3))
        session.commit()
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "<h1>Enamel mug</h1>" in page and "3 sold" in page
    assert f'href="http://localhost:5003/products/{product.id}">Order this</a>' in page
    assert "Edit" not in page
    missing = client.get(f"/products/{uuid.uuid4()}")
    assert missing.status_code == 404 and "There is no product" in missing.get_data(as_text=True)


def test_admin_pages_need_an_admin(client, mint_token, session_factory):
    product = add_product(session_factory)
    anonymous = client.get("/admin/products/new")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith(
        "http://localhost:5001/login?next="
    )
    client.set_cookie("scs_token", mint_token(roles=["customer"]))
    assert client.get("/admin/products/new").status_code == 403
    assert client.get(f"/admin/products/{product.id}/edit").status_code == 403
    assert client.get(f"/admin/products/{product.id}/discontinue").status_code == 403


def test_new_product_form_creates_and_publishes(client, mint_token, session_factory):
    login_admin(client, mint_token)
    token = csrf_token(client, "/admin/products/new")
    response = client.post("/admin/products/new", data={**FORM, "csrf_token": token})
    assert response.status_code == 302
    [event] = outbox(session_factory)
    assert event.type == "catalog.product.created"
    created = event.data_as(ProductState)
    assert (created.sku, created.price_cents, created.currency, created.stock) == (
        "BOWL-7",
        1890,
        "EUR",
        12,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“Stoneware bowl” is now in the catalog." in page and "€18.90" in page


def test_malformed_new_product_is_re_rendered_with_messages(client, mint_token, session_factory):
    login_admin(client, mint_token)
    token = csrf_token(client, "/admin/products/new")
    bad = {"csrf_token": token, "sku": "no spaces!", "name": "", "price": "-1", "currency": "euro", "stock": "-2"}
    response = client.post("/admin/products/new", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "Use letters, digits, dots, dashes and underscores only.",
        "Enter a name.",
        "The price can&#39;t be negative.",
        "Use a three-letter code such as EUR.",
        "Stock can&#39;t be negative.",
    ):
        assert message in page
    assert 'aria-invalid="true"' in page and 'value="NO SPACES!"' in page
    more = client.post("/admin/products/new", data={**FORM, "csrf_token": token, "price": "12.345", "stock": "many"})
    assert "Use at most two decimals" in more.get_data(as_text=True) and more.status_code == 400
    assert outbox(session_factory) == []


def test_duplicate_sku_in_the_form_is_a_field_message(client, mint_token, session_factory):
    add_product(session_factory, sku="BOWL-7")
    login_admin(client, mint_token)
    response = client.post(
        "/admin/products/new", data={**FORM, "csrf_token": csrf_token(client, "/admin/products/new")}
    )
    assert response.status_code == 400 and "Another product already uses this SKU." in response.get_data(as_text=True)
    assert len(outbox(session_factory)) == 1


def test_a_form_post_without_csrf_token_is_refused(client, mint_token, session_factory):
    product = add_product(session_factory)
    login_admin(client, mint_token)
    assert client.post("/admin/products/new", data=FORM).status_code == 400
    assert client.post(f"/admin/products/{product.id}/discontinue").status_code == 400
    assert not get_product(session_factory, product.id).discontinued
    assert len(outbox(session_factory)) == 1


def test_edit_form_saves_changes(client, mint_token, session_factory):
    product = add_product(session_factory, sku="MUG-1", name="Enamel mug", price_cents=1250)
    login_admin(client, mint_token)
    url = f"/admin/products/{product.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="12.50"' in form and 'name="version" type="hidden" value="1"' in form
    data = {
        **FORM,
        "sku": "MUG-1",
        "name": "Enamel mug, blue",
        "price": "13",
        "version": "1",
        "csrf_token": csrf_token(client, url),
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    saved = get_product(session_factory, product.id)
    assert (saved.name, saved.price_cents, saved.version) == ("Enamel mug, blue", 1300, 2)
    assert outbox(session_factory)[-1].type == "catalog.product.updated"
    again = client.post(url, data={**data, "version": "2"}, follow_redirects=True)
    assert "Nothing changed." in again.get_data(as_text=True) and len(outbox(session_factory)) == 2


def test_edit_form_rejects_bad_input_and_stale_versions(client, mint_token, session_factory):
    product = add_product(session_factory, stock=10)
    login_admin(client, mint_token)
    url = f"/admin/products/{product.id}/edit"
    token = csrf_token(client, url)
    invalid = client.post(url, data={**FORM, "price": "", "stock": "-1", "version": "1", "csrf_token": token})
    assert invalid.status_code == 400 and "Enter a price, e.g. 12.50." in invalid.get_data(as_text=True)
    with session_factory() as session:  # a reservation meanwhile
        session.get(type(product), product.id).stock, session.get(type(product), product.id).version = 8, 2
        session.commit()
    stale = client.post(url, data={**FORM, "stock": "15", "version": "1", "csrf_token": token})
    assert stale.status_code == 409
    assert "changed while you were editing it (stock is now 8)" in stale.get_data(as_text=True)
    assert 'name="version" type="hidden" value="2"' in stale.get_data(as_text=True)
    assert get_product(session_factory, product.id).stock == 8 and len(outbox(session_factory)) == 1
    assert client.get(f"/admin/products/{uuid.uuid4()}/edit").status_code == 404


def test_discontinue_asks_then_discontinues_once(client, mint_token, session_factory):
    product = add_product(session_factory, name="Teapot")
    login_admin(client, mint_token)
    url = f"/admin/products/{product.id}/discontinue"
    assert "Discontinue “Teapot”?" in client.get(url).get_data(as_text=True)
    done = client.post(url, data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "“Teapot” is discontinued." in page and "can no longer be ordered" in page and "Order this" not in page
    assert [e.type for e in outbox(session_factory)][-1] == "catalog.product.discontinued"
    assert "already discontinued" in client.get(url, follow_redirects=True).get_data(as_text=True)
    edit = client.get(f"/admin/products/{product.id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "can no longer be edited" in edit and len(outbox(session_factory)) == 2

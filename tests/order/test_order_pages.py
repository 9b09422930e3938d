"""My orders and the order page: empty state, status history, the polling script, cancelling from the page."""

from __future__ import annotations

import uuid

from tests.order.helpers import add_product, deliver, forms_on, stock_event, submit


def place(app, bearer, quantity: int = 1) -> str:
    mug = add_product(app, name="Enamel mug", price_cents=1250)
    body = {"lines": [{"product_id": str(mug), "quantity": quantity}]}
    return app.test_client().post("/api/orders", json=body, headers=bearer).json["id"]


def test_my_orders_page_has_an_empty_state(browser):
    assert "No orders yet" in browser.get("/orders").get_data(as_text=True)


def test_my_orders_lists_mine_only(app, browser, bearer, mint_token):
    mine = place(app, bearer, 2)
    theirs = place(app, {"Authorization": f"Bearer {mint_token()}"})
    html = browser.get("/orders").get_data(as_text=True)
    assert f"/orders/{mine}" in html and f"/orders/{theirs}" not in html
    assert "€25.00" in html and "pending" in html


def test_a_pending_order_page_polls_and_offers_cancel(app, browser, bearer):
    order_id = place(app, bearer)
    response = browser.get(f"/orders/{order_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<script src="/static/order.js" defer></script>' in html
    assert f'data-poll-url="/api/orders/{order_id}"' in html and 'data-status="pending"' in html
    assert "<script>" not in html and "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "reload it to see the outcome" in html and "Status history" in html
    assert any(f["action"] == f"/orders/{order_id}/cancel" for f in forms_on(html))
    script = browser.get("/static/order.js")
    assert script.status_code == 200 and b"1500" in script.data and b"location.reload()" in script.data


def test_the_order_api_answers_the_polling_script_with_the_session_cookie(app, browser, bearer):
    order_id = place(app, bearer)
    assert browser.get(f"/api/orders/{order_id}").json["status"] == "pending"


def test_a_rejected_order_page_shows_the_reason_and_history_without_polling(app, browser, bearer):
    order_id = place(app, bearer, 3)
    rejection = stock_event(
        "catalog.stock.rejected",
        order_id,
        reason="not enough stock",
        shortfalls=[{"product_id": str(uuid.uuid4()), "requested": 3, "available": 1}],
    )
    deliver(app, rejection)
    html = browser.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Rejected: not enough stock" in html and "3 requested, 1 available" in html
    assert html.count("status-rejected") == 2 and html.count("status-pending") == 1
    assert "order.js" not in html and f"/orders/{order_id}/cancel" not in html


def test_cancelling_from_the_order_page(app, browser, bearer):
    order_id = place(app, bearer)
    response = submit(browser, f"/orders/{order_id}", f"/orders/{order_id}/cancel")
    assert response.status_code == 302 and response.location == f"/orders/{order_id}"
    html = browser.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Your order is cancelled" in html and "Cancelled by the customer." in html


def test_cancelling_an_order_no_longer_cancellable_is_refused_with_a_message(app, browser, bearer):
    order_id = place(app, bearer)
    page = browser.get(f"/orders/{order_id}").get_data(as_text=True)
    fields = next(f for f in forms_on(page) if f["action"] == f"/orders/{order_id}/cancel")["fields"]
    deliver(app, stock_event("catalog.stock.rejected", order_id))
    response = browser.post(f"/orders/{order_id}/cancel", data=fields, follow_redirects=True)
    assert "This order is rejected; only pending or confirmed orders can be cancelled." in response.get_data(
        as_text=True
    )
    assert browser.get(f"/api/orders/{order_id}").json["status"] == "rejected"


def test_someone_elses_order_page_is_a_404(app, browser, mint_token):
    theirs = place(app, {"Authorization": f"Bearer {mint_token()}"})
    assert browser.get(f"/orders/{theirs}").status_code == 404
    assert browser.get(f"/orders/{uuid.uuid4()}").status_code == 404

"""One correlation id follows a checkout through the logs of all three systems; /metrics counters move as events flow."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

import requests

from tests.conftest import wait_for
from tests.e2e.journeys import admin_headers, copied_product, create_product, order_settled, register_and_log_in


def _log_entries(federation, process: str, correlation_id: str) -> list[dict]:
    """The JSON log lines of a process that carry the correlation id."""
    entries = []
    for line in federation.log(process).splitlines():
        if correlation_id in line and line.startswith("{"):
            entries.append(json.loads(line))
    return entries


def test_one_correlation_id_follows_a_checkout_through_all_three_systems(federation):
    admin = admin_headers(federation)
    product_id = create_product(federation, admin, stock=3)
    customer = register_and_log_in(federation)
    copied_product(federation, product_id)

    correlation_id = f"checkout-{uuid.uuid4().hex}"
    body: dict[str, Any] = {"lines": [{"product_id": product_id, "quantity": 1}]}
    placed = requests.post(
        f"{federation.url('order')}/api/orders",
        json=body,
        headers={**customer, "X-Request-ID": correlation_id},
        timeout=10,
    )
    assert placed.headers["X-Request-ID"] == correlation_id
    order_settled(federation, customer, placed.json()["id"])
    wait_for(
        lambda: any(
            "applied order.confirmed" in e["message"] for e in _log_entries(federation, "user-worker", correlation_id)
        ),
        message="the user worker applying order.confirmed under the id",
    )

    seen = {
        process: _log_entries(federation, process, correlation_id)
        for process in ("order-web", "order-worker", "catalog-worker", "user-worker")
    }
    assert any("POST /api/orders 201" in e["message"] for e in seen["order-web"])
    assert any("published order.placed" in e["message"] for e in seen["order-worker"])
    assert any("applied order.placed" in e["message"] for e in seen["catalog-worker"])
    assert any("published catalog.stock.reserved" in e["message"] for e in seen["catalog-worker"])
    assert any("applied catalog.stock.reserved" in e["message"] for e in seen["order-worker"])
    assert any("applied order.confirmed" in e["message"] for e in seen["user-worker"])
    assert {e["correlation_id"] for entries in seen.values() for e in entries} == {correlation_id}


def _sample(metrics_text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format (None when the series is absent)."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    for line in metrics_text.splitlines():
        match = re.match(rf"^{re.escape(name)}\{{(.*)\}} (\S+)$", line)
        if match and all(label in match.group(1) for label in wanted):
            return float(match.group(2))
    return None


def test_metrics_counters_move_when_events_flow(federation):
    def scrape() -> str:
        return requests.get(f"{federation.url('order')}/metrics", timeout=10).text

    before, began = scrape(), time.time()
    admin = admin_headers(federation)
    product_id = create_product(federation, admin, stock=3)
    customer = register_and_log_in(federation)
    copied_product(federation, product_id)
    placed = requests.post(
        f"{federation.url('order')}/api/orders",
        json={"lines": [{"product_id": product_id, "quantity": 1}]},
        headers=customer,
        timeout=10,
    )
    order_settled(federation, customer, placed.json()["id"])

    def moved() -> str | None:
        after = scrape()
        consumed = _sample(
            after, "scs_events_consumed_total", system="order", type="catalog.stock.reserved", outcome="applied"
        )
        published = _sample(after, "scs_events_published_total", system="order", type="order.confirmed")
        return after if consumed == 1 and published == 1 else None

    after = wait_for(moved, message="consumer and relay counters in /metrics")
    assert isinstance(after, str)
    place_order = {"endpoint": "api_place_order", "status": "201"}
    assert (
        _sample(after, "scs_http_requests_total", **place_order)
        == (_sample(before, "scs_http_requests_total", **place_order) or 0) + 1
    )
    created = {"system": "order", "type": "catalog.product.created", "outcome": "applied"}
    assert _sample(before, "scs_events_consumed_total", **created) is None
    assert _sample(after, "scs_events_consumed_total", **created) == 1
    assert _sample(after, "scs_outbox_backlog", system="order") == 0
    freshness = {"system": "order", "source": "catalog"}
    assert _sample(before, "scs_replica_seconds_since_last_event", **freshness) is None  # nothing from catalog yet
    since_last = _sample(after, "scs_replica_seconds_since_last_event", **freshness)
    assert since_last is not None and 0 <= since_last <= time.time() - began  # an event applied during this test
    assert "scs_consumer_processing_seconds_bucket" in after and "scs_http_request_duration_seconds_bucket" in after


def test_the_status_page_is_for_admins(federation):
    admin = admin_headers(federation)
    page = requests.get(f"{federation.url('order')}/_status", headers=admin, timeout=10)
    assert page.status_code == 200 and "Outbox backlog" in page.text and "Dead letters" in page.text
    customer = register_and_log_in(federation)
    assert requests.get(f"{federation.url('order')}/_status", headers=customer, timeout=10).status_code == 403


def test_scs_status_reports_every_system(federation):
    report = {entry["system"]: entry for entry in json.loads(federation.scs("status", "--json").stdout)}
    assert set(report) == {"user", "catalog", "order"}
    for entry in report.values():
        assert entry["web_reachable"] and entry["database_reachable"], entry
        assert entry["outbox_backlog"] is not None and entry["dead_letters"] == 0 and entry["inbox_depth"] is not None

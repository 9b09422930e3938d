"""The shared app factory: stable error shapes, CSRF on forms, token-based admin checks, health endpoints."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from federation.runtime_models import OutboxMessage, RuntimeBase
from federation.web import create_system_app
from tests.federation.web_sample import WEB_SAMPLE


@pytest.fixture
def client(data_dir, sqlite_url, amqp_url):
    app = create_system_app(
        WEB_SAMPLE,
        {
            "SCS_DATA_DIR": str(data_dir),
            "SCS_CATALOG_DATABASE_URL": sqlite_url,
            "SCS_AMQP_URL": amqp_url,
            "TESTING": True,
        },
    )
    RuntimeBase.metadata.create_all(app.extensions["scs"].engine)
    return app.test_client()


def test_api_errors_have_the_stable_json_shape(client):
    response = client.get("/api/things/42")
    assert response.status_code == 404
    assert response.json == {"error": {"code": "not_found", "message": "No thing 42.", "details": {"thing_id": "42"}}}
    unknown = client.get("/api/nothing-here")
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "not_found"


def test_html_errors_render_in_the_shared_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"SCS Shop" in response.data and b"404" in response.data


def test_a_form_post_without_csrf_token_is_refused(client):
    response = client.post("/form", data={"name": "x"})
    assert response.status_code == 400
    assert b"CSRF" in response.data


def test_admin_api_needs_an_admin_token(client, auth_headers):
    assert client.get("/api/admin").status_code == 401
    assert client.get("/api/admin", headers=auth_headers(roles=["customer"])).json["error"]["code"] == "forbidden"
    assert client.get("/api/admin", headers=auth_headers(display_name="Root", roles=["admin"])).json == {
        "admin": "Root"
    }


def test_a_cookie_alone_does_not_authorise_a_non_json_api_write(client, mint_token):
    client.set_cookie("scs_token", mint_token(roles=["admin"]))
    assert client.get("/api/admin").status_code == 200
    assert client.post("/api/admin", data="x", content_type="text/plain").status_code == 401
    assert client.post("/api/admin", json={}).status_code == 200


def test_health_and_readiness(client):
    assert client.get("/healthz").json["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": True, "broker": True, "outbox": True}


def test_readiness_reports_an_unreachable_broker(data_dir, sqlite_url):
    app = create_system_app(
        WEB_SAMPLE,
        {"SCS_DATA_DIR": str(data_dir), "SCS_CATALOG_DATABASE_URL": sqlite_url, "SCS_AMQP_URL": "amqp://127.0.0.1:1/"},
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json is not None and response.json["checks"]["broker"] is False


def test_the_request_id_is_echoed(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize("offered", ["é" * 200, "a" * 129, "two words", "tab\there", "nul\x00", "ünïcode"])
def test_a_request_id_that_is_not_short_printable_ascii_is_replaced_by_a_fresh_one(client, offered):
    answered = client.get("/healthz", headers={"X-Request-ID": offered}).headers["X-Request-ID"]
    assert answered != offered and len(answered) == 32 and int(answered, 16) >= 0


def _outbox_row(client, **values) -> str:
    """Add an outbox row with `values` straight to the app's database; its event id."""
    event_id = str(uuid.uuid4())
    with client.application.extensions["scs"].session_factory() as session:
        session.add(
            OutboxMessage(
                event_id=event_id, producer="catalog", event_type="catalog.product.updated", aggregate_id="p", body="{}"
            )
        )
        session.flush()
        session.execute(update(OutboxMessage).where(OutboxMessage.event_id == event_id).values(**values))
        session.commit()
    return event_id


def test_readiness_warns_of_a_parked_row_and_stays_ready(client):
    _outbox_row(client, parked_at=datetime.now(UTC), attempts=5, last_error="TypeError: no")
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"]["outbox"] is True
    assert ready.json["warnings"]["outbox"] == "1 outbox row(s) parked; see `scs outbox list catalog`"


def test_readiness_reports_a_stuck_outbox(client):
    _outbox_row(client, created_at=datetime.now(UTC) - timedelta(minutes=10))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "the oldest unpublished event has waited 600 s" in ready.json["reasons"]["outbox"]
    assert "is the worker's relay running?" in ready.json["reasons"]["outbox"]


def test_the_status_page_lists_parked_rows(client, auth_headers):
    event_id = _outbox_row(client, parked_at=datetime.now(UTC), attempts=5, last_error="TypeError: <cannot>")
    page = client.get("/_status", headers=auth_headers(roles=["admin"])).get_data(as_text=True)
    assert "Parked outbox rows" in page and event_id in page
    assert "TypeError: &lt;cannot&gt;" in page  # escaped like everything else


def test_invented_methods_and_unknown_paths_add_no_metric_series(client):
    for method in ("ABCXYZ1", "ABCXYZ2", "BREW"):
        client.open("/healthz", method=method)
    for index in range(3):
        client.get(f"/invented-{index}")
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "ABCXYZ" not in metrics and "BREW" not in metrics and "invented" not in metrics
    requests = [line for line in metrics.splitlines() if line.startswith("scs_http_requests_total{")]
    assert any('method="other"' in line and 'status="405"' in line for line in requests)
    assert any(
        'endpoint="unmatched"' in line and 'method="GET"' in line and 'status="404"' in line for line in requests
    )

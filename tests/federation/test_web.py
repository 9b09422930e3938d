"""The shared app factory: stable error shapes, CSRF on forms, token-based admin checks, health endpoints."""

from __future__ import annotations

import pytest

from federation.runtime_models import RuntimeBase
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

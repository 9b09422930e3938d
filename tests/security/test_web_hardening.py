"""Web hardening of every system: headers, cookies, redirects, error shapes and log-in throttling.

Security headers, no inline script, cookie flags, fresh token per log-in, no open redirect after log-in, 413 in the
JSON error shape, log-in throttling, no account discovery through log-in.
"""

from __future__ import annotations

import re

import pytest

from federation.auth import COOKIE_NAME
from federation.web import MAX_REQUEST_BYTES
from tests.security.conftest import migrated_app
from tests.user.support import PASSWORD, log_in, post_form, register

UUID = "00000000-0000-4000-8000-000000000000"
PAGES = ("/", "/api/openapi.json", "/healthz", "/no-such-page", "/api/no-such-thing")


def csp_directives(header: str) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive -> sources."""
    return {parts[0]: parts[1:] for parts in (d.split() for d in header.split(";")) if parts}


@pytest.fixture
def user_app(data_dir, sqlite_url):
    app = migrated_app("user", data_dir, sqlite_url)
    yield app
    app.extensions["scs"].engine.dispose()


def test_every_answer_carries_the_security_headers(any_app):
    client = any_app.test_client()
    for path in PAGES:
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer"), path
        csp = csp_directives(headers["Content-Security-Policy"])
        assert csp["frame-ancestors"] == ["'none'"], path
        assert csp["base-uri"] == ["'none'"], path  # no <base href> can redirect relative links and scripts
        for directive in ("default-src", "script-src", "style-src"):
            assert csp[directive] and not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(csp[directive]), (
                path,
                directive,
            )


def test_pages_hold_no_inline_script_the_policy_would_block(any_app):
    html = any_app.test_client().get("/").get_data(as_text=True)
    assert "<html" in html.lower()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.IGNORECASE), "inline <script> block"
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), "inline event handler attribute"
    assert "javascript:" not in html.lower()


def test_the_token_cookie_is_httponly_samesite_and_secure_over_https(user_app):
    register(user_app.test_client())
    for base_url, secure in (("http://localhost", False), ("https://localhost", True)):
        response = user_app.test_client().post(
            "/api/sessions", json={"email": "ada@example.org", "password": PASSWORD}, base_url=base_url
        )
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE_NAME}="))
        flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
        assert "httponly" in flags and flags["samesite"] == "SameSite=Lax" and flags["path"] == "Path=/"
        assert ("secure" in flags) is secure


@pytest.mark.parametrize(
    "public_url, secure", [("http://localhost:5001", False), ("https://accounts.example.org", True)]
)
def test_the_form_session_cookie_is_httponly_samesite_and_secure_when_served_over_https(
    data_dir, sqlite_url, public_url, secure
):
    app = migrated_app("user", data_dir, sqlite_url, SCS_USER_URL=public_url)
    page = app.test_client().get("/login", base_url=public_url)  # the form's CSRF secret goes into the session cookie
    cookie = next(c for c in page.headers.getlist("Set-Cookie") if c.startswith("scs_user_session="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite"} <= flags
    assert ("secure" in flags) is secure


def test_every_log_in_mints_a_fresh_token_replacing_one_planted_before(user_app):
    client = user_app.test_client()
    register(client)
    client.set_cookie(COOKIE_NAME, "planted-by-an-attacker")
    first = post_form(client, "/login", {"email": "ada@example.org", "password": PASSWORD}, page="/login")
    token_one = client.get_cookie(COOKIE_NAME).value
    post_form(client, "/login", {"email": "ada@example.org", "password": PASSWORD}, page="/login")
    token_two = client.get_cookie(COOKIE_NAME).value
    assert first.status_code == 302
    assert "planted-by-an-attacker" not in (token_one, token_two) and token_one != token_two
    api_one, api_two = log_in(client).get_json()["token"], log_in(client).get_json()["token"]
    assert api_one != api_two


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "http://localhost:5001@evil.example/",
        "http://localhost:5001.evil.example/",
        "javascript:alert(1)",
        "https:evil.example",
        "\thttps://evil.example",
    ],
)
def test_log_in_never_redirects_off_the_federation(user_app, next_url):
    client = user_app.test_client()
    register(client)
    response = post_form(
        client,
        f"/login?next={next_url}",
        {"email": "ada@example.org", "password": PASSWORD, "next": next_url},
        page="/login",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "next_url", ["/profile", "http://localhost:5002/products/" + UUID, "http://localhost:5003/cart"]
)
def test_log_in_returns_to_pages_of_the_federation(user_app, next_url):
    client = user_app.test_client()
    register(client)
    response = post_form(
        client, "/login", {"email": "ada@example.org", "password": PASSWORD, "next": next_url}, page="/login"
    )
    assert response.status_code == 302 and response.headers["Location"] == next_url


def test_a_body_over_one_mebibyte_is_refused_with_413_in_the_json_shape(any_app, admin_headers):
    name = any_app.extensions["scs"].system.name
    path = {"user": "/api/users", "catalog": "/api/products", "order": "/api/orders"}[name]
    headers = {**admin_headers(any_app), "Content-Type": "application/json"}
    response = any_app.test_client().post(path, data=b'{"x": "' + b"a" * MAX_REQUEST_BYTES + b'"}', headers=headers)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_log_in_is_throttled_after_repeated_failures(user_app):
    client = user_app.test_client()
    register(client)
    failures = [log_in(client, password="wrong password!").status_code for _ in range(5)]
    throttled = log_in(client)  # even the right password now waits
    assert failures == [401] * 5
    assert throttled.status_code == 429
    assert throttled.get_json()["error"]["details"]["retry_after_minutes"] >= 1


def test_log_in_answers_alike_for_an_unknown_email_and_a_wrong_password(user_app):
    client = user_app.test_client()
    register(client)
    unknown = log_in(client, email="nobody@example.org")
    wrong = log_in(client, password="not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()
    unknown_form = post_form(client, "/login", {"email": "nobody@example.org", "password": "x"}, page="/login")
    wrong_form = post_form(client, "/login", {"email": "ada@example.org", "password": "x"}, page="/login")
    assert unknown_form.status_code == wrong_form.status_code == 401
    message = "Incorrect email or password."
    assert message in unknown_form.get_data(as_text=True) and message in wrong_form.get_data(as_text=True)

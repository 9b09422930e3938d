"""Log in once, recognised everywhere: token and cookie, verification by the other systems, JWKS, throttling, safe redirects."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest

from federation.auth import InvalidToken, TokenVerifier, sign_token
from federation.keys import current_signing_key, generate_signing_key
from federation.settings import Settings
from federation.web import create_system_app
from systems.user.accounts.registrations import MAX_REGISTRATIONS_PER_CLIENT
from systems.user.sessions.credentials import MAX_FAILURES_PER_ACCOUNT_AND_CLIENT, MAX_FAILURES_PER_CLIENT
from systems.user.sessions.tokens import safe_next
from tests.federation.web_sample import WEB_SAMPLE
from tests.user.support import (
    PASSWORD,
    csrf_token,
    log_in,
    make_admin,
    migrated_app,
    post_form,
    register,
)


@pytest.fixture
def verifiers(data_dir):
    """How catalog and order verify tokens: the public keys in the shared data directory, nothing else."""
    return [TokenVerifier(Settings.from_env(name, {"SCS_DATA_DIR": str(data_dir)})) for name in ("catalog", "order")]


def test_log_in_answers_a_token_and_sets_it_as_an_http_only_cookie(client, verifiers):
    user = register(client).json
    response = log_in(client, email="ADA@example.org")
    assert response.status_code == 201
    body = response.json
    assert body["user"] == user and body["expires_at"].endswith("+00:00")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"scs_token={body['token']};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert 8 * 3600 - 1 < claims["exp"] - claims["iat"] <= 8 * 3600, "iat keeps its microseconds, exp is whole seconds"
    assert (claims["sub"], claims["name"], claims["roles"], claims["iss"], claims["aud"]) == (
        user["id"],
        "Ada",
        ["customer"],
        "scs-user",
        "scs",
    )
    for verifier in verifiers:
        assert verifier.verify(client.get_cookie("scs_token").value).user_id == uuid.UUID(user["id"])


def test_with_a_cookie_domain_every_host_under_it_gets_the_token_and_log_out_clears_it_there(data_dir, sqlite_url):
    client = migrated_app(data_dir, sqlite_url, SCS_COOKIE_DOMAIN="shop.example").test_client()
    register(client)
    cookie = log_in(client).headers["Set-Cookie"]
    assert "Domain=shop.example" in cookie and "HttpOnly" in cookie
    cleared = client.delete("/api/sessions").headers["Set-Cookie"]
    assert cleared.startswith("scs_token=;") and "Domain=shop.example" in cleared


def test_the_cookie_is_secure_over_https_and_every_log_in_mints_a_new_token(client):
    register(client)
    first = log_in(client).json["token"]
    secure = client.post(
        "/api/sessions", json={"email": "ada@example.org", "password": PASSWORD}, base_url="https://localhost"
    )
    assert "Secure" in secure.headers["Set-Cookie"]
    assert secure.json["token"] != first


def test_the_cookie_of_a_log_in_opens_a_catalog_like_app(app, client, data_dir):
    user_id = register(client, display_name="Root").json["id"]
    make_admin(app, user_id)
    post_form(client, "/login", {"email": "ada@example.org", "password": PASSWORD})
    catalog = create_system_app(WEB_SAMPLE, {"SCS_DATA_DIR": str(data_dir)}).test_client()
    catalog.set_cookie("scs_token", client.get_cookie("scs_token").value)
    assert catalog.get("/api/admin").json == {"admin": "Root"}
    assert catalog.post("/api/admin", data="x", content_type="text/plain").status_code == 401, (
        "cookie-only writes need JSON"
    )


def test_tokens_not_issued_by_the_user_system_are_refused(client, verifiers, data_dir, tmp_path):
    register(client)
    token = log_in(client).json["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    user_id, user_key = uuid.UUID(claims["sub"]), current_signing_key(data_dir / "keys")

    def mint(key, audience="scs", ttl=timedelta(hours=1)):
        return sign_token(
            key, user_id=user_id, display_name="Ada", roles=["admin"], issuer="scs-user", audience=audience, ttl=ttl
        )

    forged = {
        "signed by another key": mint(generate_signing_key(tmp_path / "elsewhere")),
        "expired": mint(user_key, ttl=timedelta(seconds=-1)),
        "for another audience": mint(user_key, audience="elsewhere"),
        "unsigned (alg none)": jwt.encode(claims, "", algorithm="none"),  # "" is PyJWT's "no key" for alg none
    }
    for verifier in verifiers:
        for reason, bad in forged.items():
            with pytest.raises(InvalidToken):
                verifier.verify(bad)
                pytest.fail(f"accepted a token {reason}")
    for reason, bad in forged.items():
        client.set_cookie("scs_token", bad)
        assert client.get("/api/users/me").status_code == 401, reason


def test_jwks_publishes_the_key_that_verifies_logged_in_tokens(client):
    register(client)
    token = log_in(client).json["token"]
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and "max-age=300" in response.headers["Cache-Control"]
    [jwk] = response.json["keys"]
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert jwk["kid"] == jwt.get_unverified_header(token)["kid"] and "d" not in jwk
    key = jwt.PyJWK(jwk).key
    assert jwt.decode(token, key, algorithms=["EdDSA"], audience="scs", issuer="scs-user")["name"] == "Ada"


def test_log_out_through_the_api_clears_the_cookie(client):
    register(client)
    log_in(client)
    response = client.delete("/api/sessions")
    assert response.status_code == 204 and "scs_token=;" in response.headers["Set-Cookie"]
    assert client.get("/api/users/me").status_code == 401


def test_unknown_email_and_wrong_password_get_the_same_answer(client):
    register(client)
    unknown, wrong = log_in(client, email="nobody@example.org"), log_in(client, password="wrong password")
    assert unknown.status_code == wrong.status_code == 401
    assert (
        unknown.json
        == wrong.json
        == {"error": {"code": "unauthorized", "message": "Incorrect email or password.", "details": {}}}
    )
    assert client.post("/api/sessions", json={"email": "ada@example.org"}).status_code == 400
    page = post_form(client, "/login", {"email": "nobody@example.org", "password": PASSWORD})
    assert page.status_code == 401 and "Incorrect email or password." in page.get_data(as_text=True)
    assert "scs_token" not in page.headers.get("Set-Cookie", "")


def test_repeated_failures_for_one_email_are_throttled(data_dir, database_url):
    app = migrated_app(data_dir, database_url)
    client = app.test_client()
    register(client)
    for _ in range(4):
        log_in(client, password="wrong password")
    assert log_in(client).status_code == 201, "a success forgets the failures"
    for _ in range(5):
        assert log_in(client, password="wrong password").status_code == 401
    throttled = log_in(client)
    assert throttled.status_code == 429
    assert throttled.json["error"] == {
        "code": "too_many_requests",
        "message": "Too many attempts, try again in 15 minutes.",
        "details": {"retry_after_minutes": 15},
    }
    page = post_form(client, "/login", {"email": "ADA@example.org", "password": PASSWORD})
    assert page.status_code == 429 and "Too many attempts, try again in 15 minutes." in page.get_data(as_text=True)
    other_user = register(client, email="bob@example.org", display_name="Bob")
    assert log_in(client, email="bob@example.org").status_code == 201 and other_user.status_code == 201
    app.extensions["scs"].engine.dispose()


def test_repeated_failures_from_one_address_are_throttled(client):
    for attempt in range(MAX_FAILURES_PER_CLIENT):
        log_in(client, email=f"guess{attempt}@example.org", password="wrong password")
    assert log_in(client, email="another@example.org").status_code == 429
    elsewhere = client.post(
        "/api/sessions",
        json={"email": "another@example.org", "password": "x"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert elsewhere.status_code == 401


def test_failures_from_one_address_do_not_stop_the_owner_from_another(client):
    register(client)
    guesser, owner = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.2"}
    for _ in range(MAX_FAILURES_PER_ACCOUNT_AND_CLIENT):
        wrong = client.post(
            "/api/sessions", json={"email": "ada@example.org", "password": "guess"}, environ_base=guesser
        )
        assert wrong.status_code == 401
    right = {"email": "ada@example.org", "password": PASSWORD}
    assert client.post("/api/sessions", json=right, environ_base=guesser).status_code == 429, "the guesser waits"
    assert client.post("/api/sessions", json=right, environ_base=owner).status_code == 201, "the owner does not"
    page = client.post(
        "/login",
        data={**right, "csrf_token": csrf_token(client, "/login")},
        environ_base=owner,
    )
    assert page.status_code == 302
    token = client.post("/api/sessions", json=right, environ_base=owner).json["token"]
    changed = client.patch(
        "/api/users/me",
        json={"display_name": "Ada L.", "email": "ada.l@example.org", "current_password": PASSWORD},
        headers={"Authorization": f"Bearer {token}"},
        environ_base=owner,
    )
    assert changed.status_code == 200, "confirming the password from the owner's address is not throttled either"
    assert client.post("/api/sessions", json=right, environ_base=guesser).status_code == 429, (
        "the owner's success does not clear the guesser's failures"
    )


def test_registration_is_throttled_per_address(client):
    for index in range(MAX_REGISTRATIONS_PER_CLIENT - 1):
        assert register(client, email=f"user{index}@example.org").status_code == 201
    assert register(client, email="user0@example.org").status_code == 409, "a taken email counts as an attempt"
    assert register(client, email="nope").status_code == 400, "malformed ones do not count"
    throttled = register(client, email="one-more@example.org")
    assert throttled.status_code == 429 and throttled.json["error"]["details"]["retry_after_minutes"] >= 1
    page = post_form(client, "/register", {"email": "form@example.org", "display_name": "F", "password": PASSWORD})
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)
    elsewhere = client.post(
        "/api/users",
        json={"email": "one-more@example.org", "password": PASSWORD, "display_name": "Ada"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert elsewhere.status_code == 201


def test_log_in_page_goes_back_to_a_safe_next_only(client):
    register(client)
    page = client.get("/login?next=http://localhost:5003/cart").get_data(as_text=True)
    assert 'name="next" type="hidden" value="http://localhost:5003/cart"' in page
    back = post_form(
        client, "/login", {"email": "ada@example.org", "password": PASSWORD, "next": "http://localhost:5003/cart"}
    )
    assert back.status_code == 302 and back.headers["Location"] == "http://localhost:5003/cart"
    evil = post_form(
        client, "/login", {"email": "ada@example.org", "password": PASSWORD, "next": "https://evil.example/phish"}
    )
    assert evil.headers["Location"] == "/"


@pytest.mark.parametrize(
    "next_url, expected",
    [
        ("/orders/42?tab=lines", "/orders/42?tab=lines"),
        ("http://localhost:5002/products/1", "http://localhost:5002/products/1"),
        ("http://localhost:5003", "http://localhost:5003"),
        ("http://localhost/profile", "http://localhost/profile"),
        ("http://localhost.evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("http://localhost:5003.evil.example/", "/"),
        ("http://localhost:5003@evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next(app, next_url, expected):
    with app.test_request_context():
        assert safe_next(next_url) == expected

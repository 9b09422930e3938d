"""Behind a TLS-terminating proxy (SCS_TRUSTED_PROXIES=<n>): cookies are Secure and URLs https, as the client saw them.

Without the setting, X-Forwarded-* headers are the client's own words and change nothing.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from federation.auth import COOKIE_NAME
from federation.settings import Settings
from tests.security.conftest import migrated
from tests.user.support import PASSWORD, register

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def token_cookie_flags(app) -> set[str]:
    """The flags of the token cookie a log-in over plain HTTP sets, the request carrying FORWARDED."""
    client = app.test_client()
    register(client)
    response = client.post("/api/sessions", json={"email": "ada@example.org", "password": PASSWORD}, headers=FORWARDED)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{COOKIE_NAME}="))
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


def test_behind_a_trusted_proxy_the_token_cookie_is_secure(data_dir, sqlite_url):
    with migrated("user", data_dir, sqlite_url, SCS_TRUSTED_PROXIES="1") as app:
        assert "secure" in token_cookie_flags(app)


def test_without_trusted_proxies_a_forwarded_scheme_is_ignored(data_dir, sqlite_url):
    with migrated("user", data_dir, sqlite_url) as app:
        assert "secure" not in token_cookie_flags(app)


@pytest.mark.parametrize("proxies, scheme", [("1", "https"), ("0", "http")])
def test_the_log_in_link_names_the_scheme_the_client_used(data_dir, sqlite_url, proxies, scheme):
    with migrated("catalog", data_dir, sqlite_url, SCS_TRUSTED_PROXIES=proxies) as app:
        response = app.test_client().get("/admin/products/new", headers={**FORWARDED, "Host": "shop.example.org"})
    assert response.status_code == 302
    [next_url] = parse_qs(urlsplit(response.headers["Location"]).query)["next"]
    assert next_url == f"{scheme}://shop.example.org/admin/products/new"


@pytest.mark.parametrize("value", ["-1", "one", "1.5", "²"])
def test_a_bad_proxy_count_is_refused_by_name(value):
    with pytest.raises(ValueError, match="SCS_TRUSTED_PROXIES must be a whole number of at least 0"):
        Settings.from_env("user", {"SCS_TRUSTED_PROXIES": value})

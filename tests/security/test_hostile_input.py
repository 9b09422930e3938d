"""Hypothesis-fuzzed hostile input that no schema describes, against every system: never a 500, nothing stored changes.

Raw JSON bodies (nested thousands of levels deep, NaN and Infinity, numbers of thousands of digits, lone surrogates,
NUL, fields of the wrong type), query strings with huge integers and control characters, and signed tokens whose
claims have the wrong types. Runs on SQLite and PostgreSQL (which cannot store NUL).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.keys import current_signing_key
from tests.catalog.conftest import add_product
from tests.security.conftest import assert_error_shape, stored
from tests.user.support import log_in, make_admin

FUZZ = settings(
    max_examples=30, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
#: Every JSON body the three APIs take: (system, method, path, fields of the body).
JSON_OPERATIONS = [
    ("user", "POST", "/api/users", ("email", "password", "display_name")),
    ("user", "POST", "/api/sessions", ("email", "password")),
    ("user", "PATCH", "/api/users/me", ("display_name", "email", "password", "current_password")),
    ("user", "DELETE", "/api/users/me", ("password",)),
    ("catalog", "POST", "/api/products", ("sku", "name", "description", "price_cents", "currency", "stock")),
    ("catalog", "PATCH", "/api/products/{product}", ("name", "price_cents", "stock")),
    ("order", "POST", "/api/orders", ("lines", "idempotency_key")),
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


def nested(depth: int, opener: str) -> str:
    """JSON text `depth` levels deep: [[[...]]] or {"a": {"a": ... 1}}."""
    if opener == "[":
        return "[" * depth + "]" * depth
    return '{"a": ' * depth + "1" + "}" * depth


def hostile_value() -> st.SearchStrategy[str]:
    """The JSON text of one value no field accepts."""
    return st.one_of(
        st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1E400"]),
        st.integers(min_value=20, max_value=6000).map(lambda digits: "9" * digits),
        st.integers(min_value=0xD800, max_value=0xDFFF).map(lambda code: f'"a\\u{code:04x}b"'),
        st.sampled_from(['"\\u0000"', '"a\\u0000b"', '"\\u202e"', '"\\u200b"', '"\\u2028"']),
        st.tuples(st.integers(min_value=2, max_value=3000), st.sampled_from(["[", "{"])).map(lambda t: nested(*t)),
        JSON_VALUES.map(json.dumps),
    )


def hostile_body(fields: tuple[str, ...]) -> st.SearchStrategy[str]:
    """A raw JSON body: a plausible object with one field hostile, or a hostile value instead of the object."""
    plausible = st.fixed_dictionaries({name: st.text(min_size=1, max_size=12).map(json.dumps) for name in fields})
    one_hostile = st.tuples(plausible, st.sampled_from(fields), hostile_value()).map(
        lambda t: "{" + ", ".join(f'"{k}": {v}' for k, v in {**t[0], t[1]: t[2]}.items()) + "}"
    )
    return one_hostile | hostile_value()


@pytest.mark.parametrize("apps", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize(
    ("system", "method", "path", "fields"), JSON_OPERATIONS, ids=[f"{m} {p}" for _, m, p, _ in JSON_OPERATIONS]
)
def test_hostile_json_bodies_never_cause_a_500_and_refusals_store_nothing(apps, callers, system, method, path, fields):
    app = apps[system]
    if "{product}" in path:
        path = path.format(product=add_product(app.extensions["scs"].session_factory).id)
    client = app.test_client()

    @FUZZ
    @given(body=hostile_body(fields))
    def send(body: str) -> None:
        before = stored(app)
        response = client.open(path, method=method, data=body, content_type="application/json", headers=callers[system])
        assert response.status_code < 500, (body[:200], response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            assert_error_shape(response, response.status_code)
            assert stored(app) == before, body[:200]

    send()


QUERY_VALUES = st.one_of(
    st.sampled_from(["\x00", "1\x00", "NaN", "inf", "-0", "1e999", "\u202e", "%00"]),
    st.integers(min_value=2**31).map(str),
    st.integers(max_value=-(2**31)).map(str),
    st.text(max_size=20),
)
PAGES = [
    ("catalog", "/", ("page", "q", "sort")),
    ("catalog", "/api/products", ("page", "q", "sort")),
    ("order", "/", ("page", "q")),
    ("order", "/api/orders", ("page",)),
    ("user", "/admin/users", ("page",)),
    ("user", "/login", ("next",)),
]


@pytest.mark.parametrize("apps", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize(("system", "path", "names"), PAGES, ids=[f"{s} {p}" for s, p, _ in PAGES])
def test_hostile_query_strings_never_cause_a_500(apps, callers, admin_headers, system, path, names):
    client = apps[system].test_client()
    if system == "user":
        make_admin(apps["user"], client.get("/api/users/me", headers=callers["user"]).get_json()["id"])
        headers = {"Authorization": f"Bearer {log_in(client).get_json()['token']}"}  # the grant voided the old one
    else:
        headers = admin_headers(apps[system])

    @FUZZ
    @given(query=st.dictionaries(st.sampled_from(names), QUERY_VALUES, min_size=1))
    def visit(query: dict[str, str]) -> None:
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code < 500, (query, response.get_data(as_text=True)[:300])

    visit()


def signed_as_is(header: dict, claims: dict, key) -> str:
    """A JWS over exactly these header and claims (PyJWT itself would refuse to encode some of them)."""
    parts = [base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=") for part in (header, claims)]
    signing_input = b".".join(parts)
    signature = base64.urlsafe_b64encode(key.private_key.sign(signing_input)).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


CLAIM_VALUES = JSON_VALUES | st.sampled_from([["admin"], "admin", {"admin": True}, 10**30, -(10**30), 1.5, ""])


@pytest.mark.parametrize("apps", ["sqlite"], indirect=True)
def test_signed_tokens_with_claims_of_the_wrong_type_never_cause_a_500(apps, callers, data_dir):
    key = current_signing_key(data_dir / "keys")
    me = apps["user"].test_client().get("/api/users/me", headers=callers["user"]).get_json()
    now = datetime.now(UTC).timestamp()
    valid = {"sub": me["id"], "name": "Ada", "roles": ["customer"], "iss": "scs-user", "aud": "scs", "iat": now}
    pages = {"user": "/api/users/me", "catalog": "/_status", "order": "/api/orders"}

    @FUZZ
    @given(
        claims=st.dictionaries(
            st.sampled_from(["sub", "name", "roles", "iat", "exp", "nbf", "iss", "aud"]), CLAIM_VALUES
        ),
        header=st.dictionaries(st.sampled_from(["kid", "typ", "crit"]), CLAIM_VALUES, max_size=1),
    )
    def call(claims: dict, header: dict) -> None:
        token = signed_as_is({"alg": "EdDSA", "kid": key.kid, **header}, {**valid, "exp": now + 300, **claims}, key)
        for name, path in pages.items():
            client = apps[name].test_client()
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code < 500, (name, claims, header)
            client.set_cookie("scs_token", token)
            assert client.get("/").status_code < 500, (name, claims, header)

    call()

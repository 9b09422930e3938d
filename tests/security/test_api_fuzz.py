"""Schemathesis against each system's JSON API through WSGI: no 5xx, errors in the stable shape, responses as documented.

Besides the bodies the documents describe, one field of a generated body may hold a hostile value the schema never
allows: an integer past 64 bits, a lone surrogate, NUL, a bidi override, JSON nested past any limit (NaN and Infinity,
which the client library will not send as JSON, are sent raw by test_hostile_input).
"""

from __future__ import annotations

import importlib
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from federation.openapi import Error, build_document
from tests.security.conftest import migrated

FUZZ = settings(
    max_examples=25, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@schemathesis.check
def errors_have_the_stable_shape(ctx, response, case):
    """Every 4xx/5xx answer of a JSON API is {"error": {code, message, details}}."""
    if response.status_code >= 400:
        Error.model_validate(response.json())


def _nested(depth: int) -> list:
    """[[[...]]] `depth` levels deep."""
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


#: Values no field of any body accepts, each of a kind the outside probe found a 500 with.
HOSTILE_VALUES: tuple[object, ...] = (
    2**63,
    -(2**63),
    10**400,
    "\ud800",
    "a\udfffb",
    "\x00",
    "Ad\u202ea",
    "\u200b",
    "a\u2028b",
    True,
    None,
    {},
)
HOSTILE = st.sampled_from(HOSTILE_VALUES) | st.integers(min_value=33, max_value=400).map(_nested)


def flatmap_body(_context, body):
    """Schemathesis hook: the generated body with one field (or, not an object, the whole body) hostile."""
    if not isinstance(body, dict) or not body:
        return HOSTILE
    return st.tuples(st.sampled_from(sorted(body)), HOSTILE).map(lambda pair: {**body, pair[0]: pair[1]})


def api_schema(name: str, *, hostile: bool = False):
    """The system's generated document as schemathesis reads it (test_openapi checks the app serves exactly this).

    With `hostile`, only the operations that take a body, each body with a hostile value in it.
    """
    schema = schemathesis.openapi.from_dict(build_document(importlib.import_module(f"systems.{name}.openapi").API))
    if not hostile:
        return schema
    schema.hook(flatmap_body)
    return schema.include(lambda ctx: "requestBody" in ctx.operation.definition.raw)


def fuzz(case, app, headers: dict) -> None:
    """Call the operation through the WSGI app with a valid caller's headers and run the checks.

    Positive data may still break business rules (a SKU in use, an unknown product), so its acceptance is not checked.
    The APIs ignore query parameters they do not know (as HTTP APIs commonly do; OpenAPI cannot say so), so a case
    made negative by an undeclared query parameter is not expected to be refused.
    """
    case.operation.schema.app = app  # this test's app, for the checks' own probes too
    excluded = [positive_data_acceptance]
    declared = {p["name"] for p in case.operation.definition.raw.get("parameters", []) if p.get("in") == "query"}
    if set(case.query or {}) - declared:
        excluded.append(negative_data_rejection)
    case.call_and_validate(app=app, headers=headers, excluded_checks=excluded)


@pytest.fixture
def user_app(data_dir, sqlite_url):
    with migrated("user", data_dir, sqlite_url) as app:
        yield app


@pytest.fixture
def catalog_app(data_dir, sqlite_url):
    with migrated("catalog", data_dir, sqlite_url) as app:
        yield app


@pytest.fixture
def order_app(data_dir, sqlite_url):
    with migrated("order", data_dir, sqlite_url) as app:
        yield app


@pytest.fixture
def user_headers(user_app, auth_headers):
    """A live account's bearer token (the user system looks the account up, so it must exist)."""
    body = {"email": "fuzz@example.org", "password": "fuzzing password", "display_name": "Fuzz"}
    account = user_app.test_client().post("/api/users", json=body).get_json()
    return auth_headers(user_id=uuid.UUID(account["id"]), display_name="Fuzz")


@api_schema("user").parametrize()
@FUZZ
def test_user_api(case, user_app, user_headers):
    fuzz(case, user_app, user_headers)


@api_schema("catalog").parametrize()
@FUZZ
def test_catalog_api(case, catalog_app, admin_headers):
    fuzz(case, catalog_app, admin_headers(catalog_app))  # every catalog operation is open to an admin


@api_schema("order").parametrize()
@FUZZ
def test_order_api(case, order_app, auth_headers):
    fuzz(case, order_app, auth_headers())


@api_schema("user", hostile=True).parametrize()
@FUZZ
def test_user_api_with_hostile_values(case, user_app, user_headers):
    fuzz(case, user_app, user_headers)


@api_schema("catalog", hostile=True).parametrize()
@FUZZ
def test_catalog_api_with_hostile_values(case, catalog_app, admin_headers):
    fuzz(case, catalog_app, admin_headers(catalog_app))


@api_schema("order", hostile=True).parametrize()
@FUZZ
def test_order_api_with_hostile_values(case, order_app, auth_headers):
    fuzz(case, order_app, auth_headers())

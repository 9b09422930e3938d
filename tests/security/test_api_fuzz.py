"""Schemathesis against each system's JSON API through WSGI: no 5xx, errors in the stable shape, responses as documented."""

from __future__ import annotations

import importlib
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

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


def api_schema(name: str):
    """The system's generated document as schemathesis reads it (test_openapi checks the app serves exactly this)."""
    return schemathesis.openapi.from_dict(build_document(importlib.import_module(f"systems.{name}.openapi").API))


def fuzz(case, app, headers: dict) -> None:
    """Call the operation through the WSGI app with a valid caller's headers and run the checks.

    Positive data may still break business rules (a SKU in use, an unknown product), so its acceptance is not checked.
    """
    case.operation.schema.app = app  # this test's app, for the checks' own probes too
    case.call_and_validate(app=app, headers=headers, excluded_checks=[positive_data_acceptance])


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

"""Every system serves its generated OpenAPI document, and the document covers every JSON API route of its route table."""

from __future__ import annotations

import importlib
import re

from federation.openapi import OPENAPI_PATH, build_document, flask_rule
from federation.systems import load_system
from tests.security.conftest import migrated_app


def test_each_system_serves_its_generated_document(any_app):
    name = any_app.extensions["scs"].system.name
    response = any_app.test_client().get(OPENAPI_PATH)
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document == build_document(importlib.import_module(f"systems.{name}.openapi").API)
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert {"code", "message", "details"} <= set(document["components"]["schemas"]["ErrorDetail"]["properties"])


def test_every_api_route_is_documented_and_every_documented_operation_exists():
    for name in ("user", "catalog", "order"):
        system = load_system(name)
        routes = {
            (route.rule, method)
            for route in system.routes
            if route.is_api and route.rule != OPENAPI_PATH
            for method in route.methods
        }
        api = importlib.import_module(f"systems.{name}.openapi").API
        documented = {(flask_rule(operation.path), operation.method) for operation in api.operations}
        assert routes == documented, f"{name}: undocumented {routes - documented}, stale {documented - routes}"


def test_operations_that_need_a_token_say_so_and_answer_401_without_one(any_app):
    client = any_app.test_client()
    document = client.get(OPENAPI_PATH).get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if operation["security"] == [{"bearer": []}]:
                concrete = re.sub(r"{\w+}", "00000000-0000-4000-8000-000000000000", path)
                response = client.open(concrete, method=method.upper(), json={})
                assert response.status_code == 401, (method, path)
                assert response.get_json()["error"]["code"] == "unauthorized"


def test_fields_that_may_be_left_out_are_not_documented_as_nullable_because_null_is_refused(
    data_dir, sqlite_url, admin_headers
):
    catalog = migrated_app("catalog", data_dir, sqlite_url)
    for name, model in (("catalog", "ProductChanges"), ("user", "AccountChanges")):
        schema = build_document(importlib.import_module(f"systems.{name}.openapi").API)["components"]["schemas"][model]
        assert all("null" not in repr(field) for field in schema["properties"].values()), model
    admin = admin_headers(catalog)
    created = catalog.test_client().post(
        "/api/products", json={"sku": "MUG-1", "name": "Mug", "price_cents": 100, "stock": 1}, headers=admin
    )
    response = catalog.test_client().patch(
        f"/api/products/{created.get_json()['id']}", json={"name": None}, headers=admin
    )
    assert response.status_code == 400 and "name" in response.get_json()["error"]["details"]

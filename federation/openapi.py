"""OpenAPI 3.1 document of a system's JSON API, generated from its description (pydantic models), served at /api/openapi.json.

A system describes its operations (path, method, body/query/response models, who may call); this module adds
the plumbing every API shares: path parameters, the error shape `{"error": {code, message, details}}`, the
errors the runtime itself answers (400 bad input, 401/403 auth, 404 unknown id, 413 too large) and the bearer scheme.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

from flask import Response, jsonify
from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.json_schema import models_json_schema

from federation.routing import Route

OPENAPI_PATH = "/api/openapi.json"
REF_TEMPLATE = "#/components/schemas/{model}"
Auth = Literal["none", "optional", "required", "admin"]


class ErrorDetail(BaseModel):
    """What went wrong: a stable machine code, a human message, details per field or id."""

    model_config = ConfigDict(extra="forbid")

    code: str
    message: str
    details: dict[str, Any]


class Error(BaseModel):
    """Every error of every JSON API has this shape."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


@dataclass(frozen=True)
class Operation:
    """One method on one path; path parameters are `{name}` placeholders and are UUIDs."""

    method: str
    path: str
    summary: str
    responses: Mapping[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    auth: Auth = "none"
    errors: Mapping[int, str] = field(default_factory=dict)

    def error_statuses(self) -> dict[int, str]:
        """The errors this operation can answer: the runtime's own (derived from its shape) plus the business ones."""
        derived: dict[int, str] = {}
        if self.body is not None or self.query is not None:
            derived[400] = "Invalid input: a message per field in details."
        if self.body is not None:
            derived[413] = "The request body is larger than 1 MiB."
        if self.auth in ("required", "admin"):
            derived[401] = "No valid token (bearer header or session cookie)."
        if self.auth == "admin":
            derived[403] = "The caller is not an administrator."
        if path_parameters(self.path):
            derived[404] = "Unknown id (or not a UUID)."
        return {**derived, **self.errors}


@dataclass(frozen=True)
class ApiDescription:
    """A system's JSON API: title, version and operations (business knowledge stays in the system)."""

    title: str
    version: str
    operations: Sequence[Operation]


def path_parameters(path: str) -> list[str]:
    """The `{name}` placeholders of an OpenAPI path."""
    return re.findall(r"{(\w+)}", path)


def flask_rule(path: str) -> str:
    """The Flask rule of an OpenAPI path (`{id}` -> `<uuid:id>`), to compare against a route table."""
    return re.sub(r"{(\w+)}", r"<uuid:\1>", path)


def build_document(api: ApiDescription) -> dict[str, Any]:
    """The OpenAPI 3.1 document: paths, parameters, bodies and responses with their JSON Schemas, security."""
    models = _models(api)
    refs, definitions = models_json_schema(models, ref_template=REF_TEMPLATE)
    paths: dict[str, dict[str, Any]] = {}
    for operation in api.operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": api.title, "version": api.version},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def omit_null(schema: dict[str, Any]) -> None:
    """`json_schema_extra` of a body whose optional fields may be left out but not sent as null (PATCH): document them so."""
    for prop in schema.get("properties", {}).values():
        variants = [variant for variant in prop.pop("anyOf", []) if variant != {"type": "null"}]
        prop.update(variants[0] if len(variants) == 1 else {"anyOf": variants} if variants else {})
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class PatchBody(BaseModel):
    """Base of a PATCH body: any subset of its optional fields; a field left out keeps its value, null is refused."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=omit_null)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        """Leave a field out to keep it; sending null is a mistake."""
        if value is None:
            raise ValueError("may not be null; leave the field out to keep its value")
        return value


def openapi_route(api: ApiDescription) -> Route:
    """The route that serves the document (built once, on first request)."""

    @functools.cache
    def document() -> dict[str, Any]:
        return build_document(api)

    def get_openapi() -> Response:
        """GET /api/openapi.json: this system's OpenAPI document."""
        return jsonify(document())

    return Route(OPENAPI_PATH, get_openapi)


def _models(api: ApiDescription) -> list[tuple[type[BaseModel], Literal["validation", "serialization"]]]:
    """Every model the document names, with the JSON Schema mode it is used in (requests validate, responses serialize)."""
    models: dict[tuple[type[BaseModel], str], None] = {(Error, "serialization"): None}
    for operation in api.operations:
        for model in (operation.body, operation.query):
            if model is not None:
                models[(model, "validation")] = None
        for model in operation.responses.values():
            if model is not None:
                models[(model, "serialization")] = None
    return list(models)  # type: ignore[arg-type]


def _operation(operation: Operation, refs: Mapping[tuple[Any, Any], Any]) -> dict[str, Any]:
    """One operation object."""
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
        for name in path_parameters(operation.path)
    ]
    if operation.query is not None:
        schema = operation.query.model_json_schema(mode="validation")
        parameters += [
            {"name": name, "in": "query", "required": name in schema.get("required", []), "schema": _plain(prop)}
            for name, prop in schema["properties"].items()
        ]
    result: dict[str, Any] = {
        "operationId": f"{operation.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', operation.path.lower()).strip('_')}",
        "summary": operation.summary,
        "parameters": parameters,
        "responses": _responses(operation, refs),
        "security": _security(operation.auth),
    }
    if operation.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(operation.body, "validation")]}},
        }
    return result


def _responses(operation: Operation, refs: Mapping[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    """Success responses with their bodies, and every error with the shared error shape."""
    responses: dict[str, Any] = {}
    for status, model in operation.responses.items():
        response: dict[str, Any] = {"description": HTTPStatus(status).phrase}
        if model is not None:
            response["content"] = {"application/json": {"schema": refs[(model, "serialization")]}}
        responses[str(status)] = response
    error = {"application/json": {"schema": refs[(Error, "serialization")]}}
    for status, description in sorted(operation.error_statuses().items()):
        responses[str(status)] = {"description": description, "content": error}
    return responses


def _security(auth: Auth) -> list[dict[str, list[str]]]:
    """Who may call: anyone, anyone (a token changes the answer), or bearer-token holders only."""
    if auth == "none":
        return []
    if auth == "optional":
        return [{}, {"bearer": []}]
    return [{"bearer": []}]


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without the pydantic-only title."""
    return {key: value for key, value in schema.items() if key != "title"}

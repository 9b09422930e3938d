"""from_amqp turns every kind of bad message into the right ContractError with a short reason."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from shared_contracts import (
    ContractError,
    InvalidEventData,
    MalformedMessage,
    UnknownEventType,
    UnsupportedSchemaVersion,
    from_amqp,
    new_event,
    to_amqp,
)
from shared_contracts.examples import example_data


@pytest.fixture
def body() -> dict[str, Any]:
    """A valid message body as a dict, for a test to spoil."""
    event = new_event(
        "catalog.product.created",
        example_data("catalog.product.created"),
        aggregate_id="p-1",
        aggregate_version=1,
    )
    return json.loads(to_amqp(event).body)


def _encode(document: Any) -> bytes:
    """JSON bytes of a document."""
    return json.dumps(document).encode("utf-8")


def _reject(raw: bytes, properties: dict[str, Any] | None = None) -> ContractError:
    """The ContractError from_amqp raises for raw (failing the test when it accepts it)."""
    with pytest.raises(ContractError) as caught:
        from_amqp(raw, properties)
    reason = caught.value.reason
    assert reason and len(reason) < 1000 and reason == str(caught.value)
    reason.encode("utf-8")
    return caught.value


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not JSON"),
        (b"\xff", "not UTF-8"),
        (b"[]", "not an array"),
        (b"null", "not null"),
        (b'"text"', "not a string"),
        (b"42", "not a number"),
        (b"{", "not JSON"),
        (b'{"a": NaN}', "NaN"),
        (b"[" * 100_000, "not JSON"),
        (b'{"id": ' + b"9" * 10_000 + b"}", "not JSON"),
        (b'"' + b"x" * 2_000_000 + b'"', "more than"),
        (b"{}", "id: Field required"),
    ],
    ids=[
        "empty",
        "not-utf8",
        "array",
        "null",
        "string",
        "number",
        "truncated",
        "nan",
        "deeply-nested",
        "huge-int",
        "huge-string",
        "empty-object",
    ],
)
def test_unreadable_bodies_are_malformed(raw: bytes, reason: str) -> None:
    """Bodies that are not a JSON object of bounded size raise MalformedMessage."""
    error = _reject(raw)
    assert isinstance(error, MalformedMessage)
    assert reason in error.reason


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("id", "not-a-uuid", "id: Input should be a valid UUID"),
        ("schema_version", 0, "schema_version: Input should be greater than or equal to 1"),
        ("occurred_at", "yesterday", "occurred_at:"),
        ("occurred_at", "2024-05-01T12:00:00", "occurred_at: Input should have timezone info"),
        ("aggregate_id", "", "aggregate_id: String should have at least 1 character"),
        ("aggregate_id", "a" * 5000, "aggregate_id: String should have at most 200 characters"),
        ("aggregate_version", "many", "aggregate_version: Input should be a valid integer"),
        ("correlation_id", 12, "correlation_id: Input should be a valid string"),
        ("data", [1, 2], "data: Input should be a valid dictionary"),
        ("producer", "order", "published by 'catalog', not 'order'"),
    ],
)
def test_bad_envelope_fields_are_malformed(body: dict[str, Any], field: str, value: Any, reason: str) -> None:
    """Each wrong envelope field raises MalformedMessage naming the field."""
    error = _reject(_encode({**body, field: value}))
    assert isinstance(error, MalformedMessage)
    assert reason in error.reason


def test_missing_envelope_field_is_malformed(body: dict[str, Any]) -> None:
    """A missing envelope field is named in the reason."""
    del body["aggregate_version"]
    error = _reject(_encode(body))
    assert isinstance(error, MalformedMessage)
    assert error.reason == "aggregate_version: Field required"


def test_unknown_type_is_reported(body: dict[str, Any]) -> None:
    """A type nobody registered raises UnknownEventType."""
    error = _reject(_encode({**body, "type": "catalog.product.teleported"}))
    assert isinstance(error, UnknownEventType)
    assert "catalog.product.teleported" in error.reason


def test_unsupported_version_names_the_supported_ones(body: dict[str, Any]) -> None:
    """A known type in an unknown schema version raises UnsupportedSchemaVersion."""
    error = _reject(_encode({**body, "schema_version": 2}))
    assert isinstance(error, UnsupportedSchemaVersion)
    assert error.reason == "catalog.product.created schema_version 2 is not supported (supported: 1)"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"price_cents": -5}, "data.price_cents: Input should be greater than or equal to 0"),
        ({"currency": "euro"}, "data.currency: String should match pattern"),
        ({"sku": None}, "data.sku: Input should be a valid string"),
        ({"id": None, "stock": "lots"}, "data.id: UUID input should be a string"),
    ],
)
def test_invalid_data_is_reported_per_field(body: dict[str, Any], change: dict[str, Any], reason: str) -> None:
    """Data that fails its model raises InvalidEventData listing the fields."""
    error = _reject(_encode({**body, "data": {**body["data"], **change}}))
    assert isinstance(error, InvalidEventData)
    assert reason in error.reason


def test_many_data_errors_stay_short() -> None:
    """A reason lists a few errors and counts the rest."""
    lines = [{"product_id": "x", "quantity": 0}] * 200
    data = {"order_id": str(uuid4()), "lines": lines}
    event = new_event(
        "catalog.stock.reserved",
        example_data("catalog.stock.reserved"),
        aggregate_id="o",
        aggregate_version=1,
    )
    error = _reject(_encode({**json.loads(to_amqp(event).body), "data": data}))
    assert isinstance(error, InvalidEventData)
    assert "data.lines[0].product_id" in error.reason
    assert "more errors" in error.reason


def test_missing_data_fields_are_named(body: dict[str, Any]) -> None:
    """A required data field that is absent is named."""
    del body["data"]["price_cents"]
    error = _reject(_encode(body))
    assert isinstance(error, InvalidEventData)
    assert error.reason == "data.price_cents: Field required"


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        ({"message_id": str(uuid4())}, "message_id"),
        ({"message_id": "not-a-uuid"}, "message_id"),
        ({"type": "catalog.product.updated"}, "AMQP type 'catalog.product.updated' does not match"),
    ],
)
def test_properties_must_agree_with_the_body(body: dict[str, Any], properties: dict[str, Any], reason: str) -> None:
    """message_id and type in AMQP properties, when present, equal the body's id and type."""
    error = _reject(_encode(body), properties)
    assert isinstance(error, MalformedMessage)
    assert reason in error.reason


def test_absent_properties_are_not_checked(body: dict[str, Any]) -> None:
    """Properties without message_id or type, or with None values, are fine."""
    assert from_amqp(_encode(body), {}).id == from_amqp(_encode(body), {"message_id": None, "type": None}).id
    assert from_amqp(_encode(body), {"message_id": body["id"].upper().encode()}).type == body["type"]


@pytest.mark.parametrize(
    "document",
    [
        {"id": {"$ref": "#"}, "type": [[[]]], "data": {"a": [{"b": None}] * 50}},
        {"type": "\ud800", "id": "\u0000"},
        {"data": "x" * 100_000},
        {"schema_version": 10**30, "aggregate_version": -(10**30)},
        {"type": None, "occurred_at": 1e308, "producer": True},
    ],
    ids=["nested-garbage", "surrogates", "long-data", "huge-numbers", "wrong-kinds"],
)
def test_garbage_only_ever_raises_contract_errors(body: dict[str, Any], document: dict[str, Any]) -> None:
    """Whatever is in the body, the only exceptions are ContractError subclasses."""
    raw = json.dumps({**body, **document}).encode("utf-8")
    _reject(raw)


def test_hostile_text_gives_a_header_safe_reason(body: dict[str, Any]) -> None:
    """A reason quoting hostile text stays one line of valid UTF-8."""
    error = _reject(_encode({**body, "type": "evil\r\ntype\u2028é"}))
    assert isinstance(error, UnknownEventType)
    assert "\n" not in error.reason and "\r" not in error.reason
    surrogate = _reject(_encode({**body, "type": "x\ud800"}))
    assert isinstance(surrogate, MalformedMessage)

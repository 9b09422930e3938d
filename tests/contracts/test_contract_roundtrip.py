"""Every registered event survives new_event -> to_amqp -> from_amqp unchanged, with typed data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import jsonschema
import pytest

from shared_contracts import (
    EVENT_TYPES,
    Envelope,
    InvalidEventData,
    MalformedMessage,
    UnknownEventType,
    UnsupportedSchemaVersion,
    event_spec,
    from_amqp,
    new_event,
    to_amqp,
)
from shared_contracts.catalog import ProductState
from shared_contracts.examples import PRODUCT_ID, example_data
from shared_contracts.snapshots import SCHEMA_DIR, snapshot_name

ALL_VERSIONS = sorted((t, v) for t, spec in EVENT_TYPES.items() for v in spec.versions)


def _event(event_type: str, version: int) -> Envelope:
    """A valid event of one type and version."""
    return new_event(
        event_type,
        example_data(event_type, version),
        aggregate_id=str(uuid4()),
        aggregate_version=3,
        correlation_id="req-42",
        schema_version=version,
    )


@pytest.mark.parametrize(("event_type", "version"), ALL_VERSIONS)
def test_round_trip(event_type: str, version: int) -> None:
    """from_amqp(to_amqp(e)) == e, and data is the registered model."""
    event = _event(event_type, version)
    message = to_amqp(event)
    received = from_amqp(message.body, message.properties)
    assert received == event
    assert type(received.data) is event_spec(event_type).versions[version]
    assert from_amqp(message.body) == event


@pytest.mark.parametrize(("event_type", "version"), ALL_VERSIONS)
def test_body_matches_the_schema_snapshots(event_type: str, version: int) -> None:
    """The JSON body validates against envelope.json and its data against the type's snapshot."""
    body = json.loads(to_amqp(_event(event_type, version)).body)
    envelope_schema = json.loads((SCHEMA_DIR / "envelope.json").read_text("utf-8"))
    data_schema = json.loads((SCHEMA_DIR / snapshot_name(event_type, version)).read_text("utf-8"))
    jsonschema.validate(body, envelope_schema)
    jsonschema.validate(body["data"], data_schema)


def test_amqp_message_carries_routing_exchange_and_plain_properties() -> None:
    """Routing key is the type, exchange is '<producer>.events', properties mirror the envelope."""
    event = _event("catalog.product.created", 1)
    message = to_amqp(event)
    assert message.routing_key == "catalog.product.created"
    assert message.exchange_suffix == "catalog.events"
    assert message.properties == {
        "message_id": str(event.id),
        "type": "catalog.product.created",
        "app_id": "catalog",
        "content_type": "application/json",
        "content_encoding": "utf-8",
        "delivery_mode": 2,
        "correlation_id": "req-42",
        "timestamp": int(event.occurred_at.timestamp()),
        "headers": {"schema_version": 1, "aggregate_id": event.aggregate_id, "aggregate_version": 3},
    }


def test_new_event_fills_id_time_and_producer() -> None:
    """Defaults: a fresh uuid4, now in UTC, the registered producer, the latest version."""
    before = datetime.now(UTC)
    event = new_event("user.deleted", {"id": str(uuid4())}, aggregate_id="u1", aggregate_version=1)
    assert isinstance(event.id, UUID) and event.id.version == 4
    assert before <= event.occurred_at <= datetime.now(UTC)
    assert event.producer == "user"
    assert event.schema_version == 1
    assert event.correlation_id is None
    assert event.data.model_dump(mode="json")["deleted"] is True


def test_new_event_accepts_a_model_instance_and_explicit_metadata() -> None:
    """A data model instance is kept; given id and time are used, time normalised to UTC."""
    data = ProductState.model_validate(example_data("catalog.product.created"))
    event_id = uuid4()
    local = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    event = new_event(
        "catalog.product.updated",
        data,
        aggregate_id=PRODUCT_ID,
        aggregate_version=7,
        event_id=event_id,
        occurred_at=local,
    )
    assert event.data is data
    assert event.id == event_id
    assert event.occurred_at == local and event.occurred_at.tzinfo == UTC
    assert event.model_dump(mode="json")["occurred_at"] == "2024-05-01T12:00:00Z"
    assert event.model_dump(mode="json")["data"]["price_cents"] == 1250


def test_envelope_is_frozen() -> None:
    """Events are immutable."""
    event = _event("order.placed", 1)
    with pytest.raises(ValueError):
        event.aggregate_version = 99  # type: ignore[misc]


def test_data_models_ignore_unknown_fields() -> None:
    """Producers may add optional fields; today's consumers ignore them."""
    data = {**example_data("user.registered"), "favourite_colour": "teal"}
    event = new_event("user.registered", data, aggregate_id="u", aggregate_version=1)
    assert "favourite_colour" not in event.model_dump(mode="json")["data"]


def _new(event_type: str = "user.deleted", data: object = None, **overrides: object) -> Envelope:
    """new_event with valid defaults that a test overrides one at a time."""
    arguments: dict = {"aggregate_id": "a-1", "aggregate_version": 1, **overrides}
    payload = example_data(event_type) if data is None and event_type in EVENT_TYPES else data or {}
    return new_event(event_type, payload, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "reason", "event_type", "data", "overrides"),
    [
        (UnknownEventType, "user.exploded", "user.exploded", None, {}),
        (UnsupportedSchemaVersion, "supported: 1", "user.deleted", None, {"schema_version": 9}),
        (InvalidEventData, "data.id: Input should be a valid UUID", "user.deleted", {"id": "x"}, {}),
        (InvalidEventData, "must be an object", "user.deleted", [1], {}),
        (MalformedMessage, "aggregate_id", "user.deleted", None, {"aggregate_id": ""}),
        (MalformedMessage, "aggregate_version", "user.deleted", None, {"aggregate_version": 0}),
        (MalformedMessage, "occurred_at", "user.deleted", None, {"occurred_at": datetime(2024, 1, 1)}),
        (MalformedMessage, "correlation_id", "user.deleted", None, {"correlation_id": "c" * 201}),
    ],
    ids=[
        "unknown-type",
        "unsupported-version",
        "invalid-data",
        "data-not-object",
        "empty-aggregate",
        "version-zero",
        "naive-time",
        "long-correlation",
    ],
)
def test_new_event_rejects_bad_input(
    error: type[Exception], reason: str, event_type: str, data: object, overrides: dict
) -> None:
    """new_event raises the ContractError subclass that names the problem."""
    with pytest.raises(error) as caught:
        _new(event_type, data, **overrides)
    assert reason in caught.value.reason  # type: ignore[attr-defined]


def test_invalid_data_reason_is_compact() -> None:
    """The reason lists each failing field as 'data.<path>: <message>'."""
    data = {**example_data("catalog.product.created"), "price_cents": -1}
    with pytest.raises(InvalidEventData) as caught:
        _new("catalog.product.created", data)
    assert caught.value.reason == "data.price_cents: Input should be greater than or equal to 0"

"""Building events and mapping them to and from AMQP messages, with contract errors on bad input."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn
from uuid import UUID, uuid4

from pydantic import BaseModel, ValidationError

from .envelope import Envelope, EnvelopeFields, WireEnvelope
from .errors import (
    ContractError,
    InvalidEventData,
    MalformedMessage,
    UnsupportedSchemaVersion,
    describe_validation_error,
)
from .registry import EventSpec, event_spec

MAX_BODY_BYTES = 1024 * 1024
MAX_SHORT_STRING_BYTES = 255  # AMQP short strings (message_id, type, app_id, correlation_id): a length byte, then UTF-8
CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class AmqpMessage:
    """What to publish: body, routing key, exchange name without namespace, and plain properties."""

    body: bytes
    routing_key: str
    exchange_suffix: str
    properties: dict[str, Any]


def _model_for(spec: EventSpec, version: int) -> type[BaseModel]:
    """The data model of one schema version, or UnsupportedSchemaVersion."""
    model = spec.versions.get(version)
    if model is None:
        supported = ", ".join(str(v) for v in sorted(spec.versions))
        raise UnsupportedSchemaVersion(
            f"{spec.type} schema_version {version} is not supported (supported: {supported})"
        )
    return model


def _typed_data(spec: EventSpec, version: int, data: BaseModel | Mapping[str, Any]) -> BaseModel:
    """Validate data against the registered model, raising InvalidEventData."""
    model = _model_for(spec, version)
    if type(data) is model:
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump()
    if not isinstance(data, Mapping):
        raise InvalidEventData(f"data: must be an object, not {type(data).__name__}")
    try:
        return model.model_validate(dict(data))
    except ValidationError as exc:
        raise InvalidEventData(describe_validation_error(exc, "data")) from None


def new_event(
    event_type: str,
    data: BaseModel | Mapping[str, Any],
    *,
    aggregate_id: str,
    aggregate_version: int,
    correlation_id: str | None = None,
    schema_version: int | None = None,
    event_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Create a validated event of a registered type, filling id, time and producer."""
    spec = event_spec(event_type)
    version = spec.latest_version if schema_version is None else schema_version
    typed = _typed_data(spec, version, data)
    try:
        return Envelope(
            id=event_id or uuid4(),
            type=event_type,
            schema_version=version,
            occurred_at=occurred_at or datetime.now(UTC),
            producer=spec.producer,
            aggregate_id=aggregate_id,
            aggregate_version=aggregate_version,
            correlation_id=correlation_id,
            data=typed,
        )
    except ValidationError as exc:
        raise MalformedMessage(describe_validation_error(exc)) from None


def _short_string(value: str) -> str:
    """`value` cut to what an AMQP short string holds (255 bytes of UTF-8), at a character boundary."""
    encoded = value.encode("utf-8")
    if len(encoded) <= MAX_SHORT_STRING_BYTES:
        return value
    return encoded[:MAX_SHORT_STRING_BYTES].decode("utf-8", "ignore")


def to_amqp(envelope: Envelope) -> AmqpMessage:
    """Map an event to an AMQP message for the producer's topic exchange (the body keeps every value whole)."""
    return _message(envelope, envelope.to_json_bytes())


def stored_to_amqp(body: bytes) -> AmqpMessage:
    """The message `to_amqp` makes of a stored event body (an outbox row's), sending the stored bytes as they are.

    The data was validated when the event was made (`new_event`); only the envelope is read again, by pydantic's
    own JSON parser, so the relay no longer rebuilds every event's typed data. A body that is not such an envelope
    raises the ContractError from_amqp names for it.
    """
    try:
        fields = EnvelopeFields.model_validate_json(body)
        whole = len(body) <= MAX_BODY_BYTES and event_spec(fields.type).producer == fields.producer
    except (ValidationError, ContractError):
        whole = False
    if not whole:
        return to_amqp(from_amqp(body))  # raises what is wrong with it
    return _message(fields, bytes(body))


def _message(envelope: EnvelopeFields, body: bytes) -> AmqpMessage:
    """The AMQP message of an event whose JSON body is `body`: the envelope's values mirrored in the properties."""
    properties: dict[str, Any] = {
        "message_id": str(envelope.id),
        "type": _short_string(envelope.type),
        "app_id": _short_string(envelope.producer),
        "content_type": CONTENT_TYPE,
        "content_encoding": "utf-8",
        "delivery_mode": 2,
        "correlation_id": _short_string(envelope.correlation_id) if envelope.correlation_id else None,
        "timestamp": int(envelope.occurred_at.timestamp()),
        "headers": {
            "schema_version": envelope.schema_version,
            "aggregate_id": envelope.aggregate_id,
            "aggregate_version": envelope.aggregate_version,
        },
    }
    return AmqpMessage(
        body=body,
        routing_key=envelope.type,
        exchange_suffix=f"{envelope.producer}.events",
        properties=properties,
    )


def _reject_constant(name: str) -> NoReturn:
    """Refuse NaN and Infinity, which are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def _json_kind(value: Any) -> str:
    """Name a decoded JSON value's kind the way JSON does."""
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _parse_body(body: bytes) -> dict[str, Any]:
    """Decode a UTF-8 JSON object, raising MalformedMessage."""
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise MalformedMessage(f"body must be bytes, not {type(body).__name__}")
    if len(body) > MAX_BODY_BYTES:
        raise MalformedMessage(f"body is {len(body)} bytes, more than {MAX_BODY_BYTES}")
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedMessage(f"body is not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise MalformedMessage("body is not JSON: nested too deeply") from None
    except ValueError as exc:
        raise MalformedMessage(f"body is not JSON: {str(exc)[:200]}") from None
    if not isinstance(document, dict):
        raise MalformedMessage(f"body must be a JSON object, not {_json_kind(document)}")
    return document


def _property(properties: Mapping[str, Any], name: str) -> str | None:
    """A property as text, or None when absent."""
    value = properties.get(name)
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    return None if value is None else str(value)


def _check_properties(wire: WireEnvelope, properties: Mapping[str, Any]) -> None:
    """AMQP message_id and type, when present, must agree with the body."""
    message_id = _property(properties, "message_id")
    if message_id is not None:
        try:
            agrees = UUID(message_id) == wire.id
        except ValueError:
            agrees = False
        if not agrees:
            raise MalformedMessage(f"message_id {message_id[:80]!r} does not match body id {str(wire.id)!r}")
    amqp_type = _property(properties, "type")
    if amqp_type is not None and amqp_type != wire.type:
        raise MalformedMessage(f"AMQP type {amqp_type[:100]!r} does not match body type {wire.type!r}")


def _parse(body: bytes, properties: Mapping[str, Any] | None) -> Envelope:
    """The steps of from_amqp, each raising its own ContractError subclass."""
    document = _parse_body(body)
    try:
        wire = WireEnvelope.model_validate(document)
    except ValidationError as exc:
        raise MalformedMessage(describe_validation_error(exc)) from None
    if properties is not None:
        _check_properties(wire, properties)
    spec = event_spec(wire.type)
    if wire.producer != spec.producer:
        raise MalformedMessage(f"{spec.type} is published by {spec.producer!r}, not {wire.producer!r}")
    data = _typed_data(spec, wire.schema_version, wire.data)
    try:
        return Envelope.model_validate({**wire.model_dump(exclude={"data"}), "data": data})
    except ValidationError as exc:
        raise MalformedMessage(describe_validation_error(exc)) from None


def from_amqp(body: bytes, properties: Mapping[str, Any] | None = None) -> Envelope:
    """Parse and validate a received message into an Envelope with typed data."""
    try:
        return _parse(body, properties)
    except ContractError:
        raise
    except Exception as exc:  # a last guard: consumers dead-letter ContractErrors only
        raise MalformedMessage(f"message could not be read: {type(exc).__name__}") from exc

"""Shared event contracts of the user, catalog and order systems: envelope, models, AMQP mapping."""

from .amqp import AmqpMessage, from_amqp, new_event, stored_to_amqp, to_amqp
from .envelope import Envelope
from .errors import (
    ContractError,
    InvalidEventData,
    MalformedMessage,
    UnknownEventType,
    UnsupportedSchemaVersion,
)
from .registry import EVENT_TYPES, PRODUCERS, EventSpec, event_spec, events_of

__all__ = [
    "EVENT_TYPES",
    "PRODUCERS",
    "AmqpMessage",
    "ContractError",
    "Envelope",
    "EventSpec",
    "InvalidEventData",
    "MalformedMessage",
    "UnknownEventType",
    "UnsupportedSchemaVersion",
    "event_spec",
    "events_of",
    "from_amqp",
    "new_event",
    "stored_to_amqp",
    "to_amqp",
]

"""Hypothesis strategies for poison messages: valid events of a system's types, mutated into something the contract refuses."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from shared_contracts import EVENT_TYPES, event_spec, new_event, to_amqp
from shared_contracts.examples import example_data

REQUIRED_FIELDS = (
    "id",
    "type",
    "schema_version",
    "occurred_at",
    "producer",
    "aggregate_id",
    "aggregate_version",
    "data",
)
MUTATIONS = (
    "not_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "huge_string",
    "unknown_type",
    "schema_version",
    "schema_version_type",
    "data_field",
    "property_mismatch",
    "producer",
)
# Mutations no valid contract may accept, whatever was drawn: a test refusing less than these is a failing test.
# (The others may happen to draw something valid: a wrong_type of the right type, a schema_version_type of "1".)
ALWAYS_REFUSED = ("not_json", "not_an_object", "missing_field", "unknown_type", "schema_version", "producer")
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)


@dataclass(frozen=True)
class Message:
    """An AMQP message as a producer would publish it: routing key, body, properties, and what was done to it."""

    routing_key: str
    body: bytes
    properties: dict[str, Any]
    mutation: str


def valid_message(event_type: str) -> Message:
    """A real event of `event_type` as published."""
    aggregate_id = str(uuid.uuid4())
    data = {**example_data(event_type), **({"id": aggregate_id} if "id" in example_data(event_type) else {})}
    message = to_amqp(new_event(event_type, data, aggregate_id=aggregate_id, aggregate_version=1))
    properties = {k: v for k, v in message.properties.items() if k in ("message_id", "type", "content_type")}
    return Message(message.routing_key, message.body, properties, "none")


@st.composite
def mutated_messages(draw, event_types: list[str], mutations: tuple[str, ...] = MUTATIONS) -> Message:
    """A valid event of one of `event_types`, then one of `mutations` (MUTATIONS by default).

    Wrong types, missing fields, huge strings, unknown type, wrong schema_version, mismatched properties, a foreign
    producer, bad data, not JSON or not an object.
    """
    original = valid_message(draw(st.sampled_from(sorted(event_types))))
    document = json.loads(original.body)
    properties = dict(original.properties)
    mutation = draw(st.sampled_from(mutations))
    body: bytes | None = None
    if mutation == "not_json":
        body = draw(st.binary(max_size=200) | st.text(max_size=50).map(lambda t: ("{" + t).encode()))
    elif mutation == "not_an_object":
        body = json.dumps(draw(JSON_VALUES.filter(lambda value: not isinstance(value, dict)))).encode()
    elif mutation == "missing_field":
        del document[draw(st.sampled_from(REQUIRED_FIELDS))]
    elif mutation == "wrong_type":
        document[draw(st.sampled_from(REQUIRED_FIELDS))] = draw(JSON_VALUES)
    elif mutation == "huge_string":
        field = draw(st.sampled_from([*REQUIRED_FIELDS, "correlation_id"]))
        document[field] = draw(st.sampled_from("xé€")) * draw(st.sampled_from([300, 5_000, 400_000, 1_100_000]))
    elif mutation == "unknown_type":
        document["type"] = properties["type"] = draw(
            st.text(min_size=1, max_size=40).filter(lambda t: t not in EVENT_TYPES)
            | st.just(f"{document['producer']}.exploded")
        )
    elif mutation == "schema_version":  # a version number the type does not have
        supported = event_spec(document["type"]).versions
        document["schema_version"] = draw(st.integers().filter(lambda v: v not in supported))
    elif mutation == "schema_version_type":
        document["schema_version"] = draw(st.text(max_size=4) | st.floats(allow_nan=False))
    elif mutation == "data_field":
        key = draw(st.sampled_from(sorted(document["data"])))
        if draw(st.booleans()):
            del document["data"][key]
        else:
            document["data"][key] = draw(JSON_VALUES)
    elif mutation == "property_mismatch":
        name = draw(st.sampled_from(["message_id", "type"]))
        properties[name] = str(uuid.uuid4()) if name == "message_id" else draw(st.text(min_size=1, max_size=30))
    elif mutation == "producer":
        document["producer"] = draw(
            st.sampled_from(["user", "catalog", "order", "mallory"]).filter(lambda p: p != document["producer"])
        )
    if body is None:
        body = json.dumps(document).encode()
    return Message(original.routing_key, body, properties, mutation)

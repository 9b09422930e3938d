"""The relay sends an outbox row's stored body as it is: the same bytes and properties as re-serialising it would."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from shared_contracts import EVENT_TYPES, ContractError, from_amqp, new_event, stored_to_amqp, to_amqp
from shared_contracts.amqp import MAX_BODY_BYTES
from shared_contracts.examples import example_data

ALL_VERSIONS = sorted((t, v) for t, spec in EVENT_TYPES.items() for v in spec.versions)


@pytest.mark.parametrize(("event_type", "version"), ALL_VERSIONS)
@pytest.mark.parametrize("correlation_id", [None, "req-42", "é" * 200])  # 400 bytes: cut to an AMQP short string
def test_a_stored_body_maps_to_the_message_to_amqp_makes_of_it(event_type, version, correlation_id) -> None:
    stored = new_event(
        event_type,
        example_data(event_type, version),
        aggregate_id=str(uuid4()),
        aggregate_version=7,
        correlation_id=correlation_id,
        schema_version=version,
    ).to_json_bytes()
    sent = stored_to_amqp(stored)
    assert sent == to_amqp(from_amqp(stored)), "same body, routing key, exchange and properties"
    assert sent.body == stored


def _valid_body() -> dict:
    """A stored body as a dict, for a test to spoil."""
    event = new_event(
        "catalog.product.updated", example_data("catalog.product.updated"), aggregate_id="p-1", aggregate_version=2
    )
    return json.loads(event.to_json_bytes())


@pytest.mark.parametrize(
    "spoil",
    [
        lambda body: b"{oops",
        lambda body: b'{"not": "an event"}',
        lambda body: json.dumps({**body, "type": "catalog.product.vanished"}).encode(),
        lambda body: json.dumps({**body, "producer": "order"}).encode(),
        lambda body: json.dumps({**body, "aggregate_version": 0}).encode(),
        lambda body: json.dumps({**body, "id": "not-a-uuid"}).encode(),
        lambda body: json.dumps(body).encode() + b" " * MAX_BODY_BYTES,
    ],
    ids=["not JSON", "no envelope", "unknown type", "wrong producer", "version 0", "bad id", "too big"],
)
def test_a_stored_body_that_is_no_event_raises_what_from_amqp_raises(spoil) -> None:
    bad = spoil(_valid_body())
    with pytest.raises(ContractError) as expected:
        from_amqp(bad)
    with pytest.raises(type(expected.value)) as raised:
        stored_to_amqp(bad)
    assert str(raised.value) == str(expected.value)

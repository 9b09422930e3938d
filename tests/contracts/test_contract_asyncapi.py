"""asyncapi.json and docs/events.md: valid AsyncAPI 3.0, complete, and equal to what `scs contracts` generates now."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from federation.systems import load_systems
from shared_contracts import EVENT_TYPES, new_event, to_amqp
from shared_contracts.examples import example_data

ROOT = Path(__file__).resolve().parents[2]
#: The official AsyncAPI 3.0.0 JSON Schema, from the npm package @asyncapi/specs 6.11.1 (schemas/3.0.0.json, Apache-2.0).
ASYNCAPI_SCHEMA = Path(__file__).with_name("asyncapi-3.0.0.schema.json")


@cache
def committed() -> dict[str, Any]:
    """The AsyncAPI document in the repository."""
    return json.loads((ROOT / "asyncapi.json").read_text("utf-8"))


@cache
def asyncapi_validator() -> Draft7Validator:
    """A validator of AsyncAPI 3.0.0 documents (the spec's schema is draft-07 with its definitions bundled)."""
    return Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text("utf-8")))


def scs_contracts(command: str) -> str:
    """The output of `scs contracts COMMAND`, run as its own process like CI would."""
    done = subprocess.run(
        [sys.executable, "-m", "federation.cli", "contracts", command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(("command", "path"), [("asyncapi", "asyncapi.json"), ("markdown", "docs/events.md")])
def test_committed_files_equal_what_is_generated(command: str, path: str) -> None:
    """A change to the contracts or an event table must come with the regenerated files."""
    assert scs_contracts(command) == (ROOT / path).read_text("utf-8"), (
        f"{path} is stale: run `scs contracts {command} > {path}`"
    )


def test_the_document_is_valid_asyncapi_3() -> None:
    """The committed document validates against the official AsyncAPI 3.0.0 JSON Schema."""
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in asyncapi_validator().iter_errors(committed())]
    assert not errors, "\n".join(errors)


def test_the_validator_catches_a_broken_document() -> None:
    """The schema check has teeth: an unknown operation action and a channel without its messages object are refused."""
    broken = copy.deepcopy(committed())
    next(iter(broken["operations"].values()))["action"] = "publish"
    next(iter(broken["channels"].values()))["messages"] = ["not", "a", "map"]
    assert len(list(asyncapi_validator().iter_errors(broken))) >= 2


def test_every_event_producer_and_consumer_is_described() -> None:
    """A channel per routing key on its producer's exchange, a message per schema version, a send and each receive operation."""
    document = committed()
    for event_type, spec in EVENT_TYPES.items():
        channel = document["channels"][event_type]
        assert channel["address"] == event_type
        assert channel["bindings"]["amqp"]["exchange"] == {
            "name": f"{spec.producer}.events",
            "type": "topic",
            "durable": True,
            "autoDelete": False,
            "vhost": "/",
        }
        assert sorted(channel["messages"]) == [f"{event_type}.v{v}" for v in sorted(spec.versions)]
        assert document["operations"][f"{spec.producer}.sends.{event_type}"]["action"] == "send"
    receives = {key for key, operation in document["operations"].items() if operation["action"] == "receive"}
    assert receives == {f"{s.name}.receives.{t}" for s in load_systems() for t in s.event_handlers}


def payload_validator(message_key: str) -> Draft202012Validator:
    """A validator of one message's payload schema, resolving $refs inside the document."""
    document = committed()
    return Draft202012Validator({"$ref": f"#/components/schemas/{message_key}", "components": document["components"]})


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_payload_schemas_accept_real_events_and_refuse_wrong_ones(event_type: str) -> None:
    """A body built by the contracts validates against the documented payload; one without its data's required fields does not."""
    version = EVENT_TYPES[event_type].latest_version
    validator = payload_validator(f"{event_type}.v{version}")
    body = json.loads(
        to_amqp(new_event(event_type, example_data(event_type), aggregate_id="a-1", aggregate_version=3)).body
    )
    assert list(validator.iter_errors(body)) == []
    assert list(validator.iter_errors({**body, "data": {}})), "a payload without its data fields must be refused"
    assert list(validator.iter_errors({**body, "type": "some.other.event"})), "the payload pins its event type"

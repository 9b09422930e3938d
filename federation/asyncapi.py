"""The event contract as documentation: AsyncAPI 3.0 from shared_contracts and the systems' event tables, and Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, cast
from uuid import NAMESPACE_URL, uuid5

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from federation.systems import System
from federation.topology import Names
from shared_contracts import EVENT_TYPES, Envelope, new_event
from shared_contracts.examples import example_data

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING = "0.3.0"
SCHEMAS = "#/components/schemas/"
EXAMPLE_TIME = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NAMES = Names()
Document = dict[str, Any]


@dataclass(frozen=True)
class Consumer:
    """A system whose event table handles an event type, and the reactive functions that run for it."""

    system: str
    handlers: tuple[str, ...]

    @property
    def label(self) -> str:
        """How messages name this consumer: 'catalog (systems.catalog.sales.reactive.on_order_confirmed)'."""
        return f"{self.system} ({', '.join(self.handlers)})"


def handler_name(handler: Callable[..., object]) -> str:
    """A reactive function's dotted path; its module alone when the file is named after it (the convention)."""
    module, name = handler.__module__, handler.__qualname__
    return module if module.rsplit(".", 1)[-1] == name else f"{module}.{name}"


def consumers_of(systems: Iterable[System]) -> dict[str, list[Consumer]]:
    """Event type -> the systems whose event tables handle it (in the order given), with their reactive functions."""
    found: dict[str, list[Consumer]] = {}
    for system in systems:
        for event_type, handlers in sorted(system.event_handlers.items()):
            found.setdefault(event_type, []).append(Consumer(system.name, tuple(map(handler_name, handlers))))
    return found


def consumer_labels(systems: Iterable[System]) -> dict[str, list[str]]:
    """Event type -> readable consumer labels, the way the compatibility gate names them."""
    return {event_type: [c.label for c in consumers] for event_type, consumers in consumers_of(systems).items()}


def message_id(event_type: str, version: int) -> str:
    """Key of one event version among the document's messages and schemas: 'order.placed.v1'."""
    return f"{event_type}.v{version}"


def _data_schemas() -> tuple[dict[type[BaseModel], str], Document]:
    """Every data model of every event version as named JSON Schemas under components: each model's $ref, and the schemas."""
    models = sorted(
        {model for spec in EVENT_TYPES.values() for model in spec.versions.values()}, key=lambda m: m.__name__
    )
    refs, definitions = models_json_schema(
        [(model, "validation") for model in models], ref_template=SCHEMAS + "{model}"
    )
    return {cast(type[BaseModel], model): schema["$ref"] for (model, _), schema in refs.items()}, definitions.get(
        "$defs", {}
    )


def _example(event_type: str, version: int) -> dict[str, Any]:
    """A complete, deterministic example message of one event version (the body as published)."""
    data = example_data(event_type, version)
    aggregate_id = next((str(v) for k, v in data.items() if k == "id" or k.endswith("_id")), event_type)
    envelope = new_event(
        event_type,
        data,
        aggregate_id=aggregate_id,
        aggregate_version=1,
        schema_version=version,
        event_id=uuid5(NAMESPACE_URL, f"scs:example:{message_id(event_type, version)}"),
        occurred_at=EXAMPLE_TIME,
        correlation_id="example-correlation-id",
    )
    body: dict[str, Any] = json.loads(envelope.to_json_bytes())
    return body


def _message(event_type: str, version: int, model: type[BaseModel]) -> Document:
    """The AsyncAPI message of one event version: envelope payload, AMQP headers, binding and example."""
    key = message_id(event_type, version)
    return {
        "name": event_type,
        "title": f"{event_type} v{version}",
        "summary": (model.__doc__ or model.__name__).strip().splitlines()[0],
        "contentType": "application/json",
        "payload": {"$ref": SCHEMAS + key},
        "headers": {"$ref": SCHEMAS + "AmqpHeaders"},
        "correlationId": {"location": "$message.payload#/correlation_id"},
        "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": event_type, "bindingVersion": AMQP_BINDING}},
        "examples": [{"name": "example", "payload": _example(event_type, version)}],
    }


def _payload(event_type: str, version: int, producer: str, data_ref: str) -> Document:
    """The envelope schema narrowed to one event version: fixed type, version and producer, typed data."""
    return {
        "allOf": [
            {"$ref": SCHEMAS + "Envelope"},
            {
                "type": "object",
                "properties": {
                    "type": {"const": event_type},
                    "schema_version": {"const": version},
                    "producer": {"const": producer},
                    "data": {"$ref": data_ref},
                },
            },
        ]
    }


AMQP_HEADERS: Document = {
    "type": "object",
    "description": "AMQP headers mirroring envelope fields (message_id, type, app_id, correlation_id mirror the rest).",
    "properties": {
        "schema_version": {"type": "integer", "minimum": 1},
        "aggregate_id": {"type": "string"},
        "aggregate_version": {"type": "integer", "minimum": 1},
        "traceparent": {
            "type": "string",
            "description": "W3C trace context of the relay's publish span, the child of the transaction that wrote "
            "the event (that transaction's own when the relay does not trace); optional, a malformed one starts a "
            "new trace (docs/tracing.md).",
        },
        "tracestate": {"type": "string", "description": "W3C trace state that goes with `traceparent`; optional."},
    },
}


def _channel(event_type: str, producer: str, consumers: list[Consumer], messages: list[str]) -> Document:
    """The routing key of one event type on its producer's topic exchange."""
    readers = ", ".join(f"{c.system} (queue `{NAMES.inbox_queue(c.system)}`)" for c in consumers) or "nobody yet"
    return {
        "address": event_type,
        "title": event_type,
        "description": f"Routing key `{event_type}` on the topic exchange `{NAMES.events_exchange(producer)}`; "
        f"published by {producer}; consumed by {readers}.",
        "messages": {key: {"$ref": f"#/components/messages/{key}"} for key in messages},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {
                    "name": NAMES.events_exchange(producer),
                    "type": "topic",
                    "durable": True,
                    "autoDelete": False,
                    "vhost": "/",
                },
                "bindingVersion": AMQP_BINDING,
            }
        },
        "x-scs-producer": producer,
        "x-scs-consumers": {c.system: list(c.handlers) for c in consumers},
    }


def _operations(event_type: str, producer: str, consumers: list[Consumer], messages: list[str]) -> Document:
    """The producer's send operation and each consumer's receive operation on one channel."""
    channel = {"$ref": f"#/channels/{event_type}"}
    refs = [{"$ref": f"#/channels/{event_type}/messages/{key}"} for key in messages]
    operations: Document = {
        f"{producer}.sends.{event_type}": {
            "action": "send",
            "channel": channel,
            "messages": refs,
            "title": f"{producer} publishes {event_type}",
            "description": "Written to the outbox in the transaction of the change; the relay publishes it persistent, "
            "with publisher confirms and `mandatory`.",
            "tags": [{"name": producer}],
            "bindings": {
                "amqp": {"deliveryMode": 2, "mandatory": True, "timestamp": True, "bindingVersion": AMQP_BINDING}
            },
        }
    }
    for consumer in consumers:
        operations[f"{consumer.system}.receives.{event_type}"] = {
            "action": "receive",
            "channel": channel,
            "messages": refs,
            "title": f"{consumer.system} receives {event_type}",
            "description": f"From queue `{NAMES.inbox_queue(consumer.system)}`; applied once (inbox) by "
            + ", ".join(f"`{name}`" for name in consumer.handlers)
            + f"; poison messages go to `{NAMES.dead_letter_queue(consumer.system)}`.",
            "tags": [{"name": consumer.system}],
            "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING}},
        }
    return operations


def asyncapi_document(systems: Iterable[System]) -> Document:
    """The AsyncAPI 3.0 document of every registered event: exchanges, routing keys, payloads, producers and consumers."""
    consumers = consumers_of(systems)
    channels: Document = {}
    operations: Document = {}
    messages: Document = {}
    data_refs, data_schemas = _data_schemas()
    schemas: Document = {"Envelope": Envelope.model_json_schema(), "AmqpHeaders": AMQP_HEADERS, **data_schemas}
    for event_type, spec in sorted(EVENT_TYPES.items()):
        keys = [message_id(event_type, version) for version in sorted(spec.versions)]
        for version, model in sorted(spec.versions.items()):
            messages[message_id(event_type, version)] = _message(event_type, version, model)
            schemas[message_id(event_type, version)] = _payload(event_type, version, spec.producer, data_refs[model])
        readers = consumers.get(event_type, [])
        channels[event_type] = _channel(event_type, spec.producer, readers, keys)
        operations.update(_operations(event_type, spec.producer, readers, keys))
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "SCS federation events",
            "version": metadata.version("scs-federation"),
            "description": "Domain events the self-contained systems publish to RabbitMQ. Generated by "
            "`scs contracts asyncapi` from shared_contracts and the systems' event tables; do not edit by hand.",
            "license": {"name": "MIT"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                "host": "localhost:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": (
                    "The broker of SCS_AMQP_URL; every exchange and queue name gets the `SCS_NAMESPACE.` prefix when set."
                ),
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render_json(document: Document) -> str:
    """Stable JSON text of a document, with a trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _resolve(schema: Document, document: Document) -> tuple[Document, str | None]:
    """A schema with a local $ref followed, and the name it was found under."""
    ref = schema.get("$ref")
    if not ref:
        return schema, None
    name = ref.removeprefix(SCHEMAS)
    return document["components"]["schemas"][name], name


def _type_of(schema: Document, document: Document) -> str:
    """A property's type in words: 'string (uuid)', 'array of OrderLine', 'integer or null'."""
    if "anyOf" in schema:
        return " or ".join(_type_of(option, document) for option in schema["anyOf"])
    target, name = _resolve(schema, document)
    if name:
        return name
    if "const" in target:
        return f"`{json.dumps(target['const'])}`"
    if "enum" in target:
        return "one of " + ", ".join(f"`{json.dumps(value)}`" for value in target["enum"])
    kind = target.get("type", "any")
    if kind == "array" and isinstance(target.get("items"), dict):
        return f"array of {_type_of(target['items'], document)}"
    return f"{kind} ({target['format']})" if "format" in target else str(kind)


_LIMITS = (
    ("minLength", "length ≥ {}"),
    ("maxLength", "length ≤ {}"),
    ("minimum", "≥ {}"),
    ("maximum", "≤ {}"),
    ("minItems", "≥ {} items"),
    ("maxItems", "≤ {} items"),
    ("pattern", "pattern `{}`"),
)


def _notes(schema: Document) -> str:
    """Constraints, default and description of a property, in one cell."""
    options = [schema, *schema.get("anyOf", [])]
    notes = [text.format(option[key]) for option in options for key, text in _LIMITS if key in option]
    if "default" in schema:
        notes.append(f"default `{json.dumps(schema['default'])}`")
    if schema.get("description"):
        notes.append(schema["description"])
    return "; ".join(notes).replace("|", "\\|").replace("<", "&lt;")


def _field_rows(
    schema: Document, document: Document, prefix: str = "", seen: frozenset[str] = frozenset()
) -> list[str]:
    """Markdown table rows of an object schema's properties, nested objects and array items flattened as a.b / a[].b."""
    target, name = _resolve(schema, document)
    if name in seen:
        return []
    seen = seen | {name} if name else seen
    rows = []
    required = set(target.get("required", []))
    for prop, prop_schema in target.get("properties", {}).items():
        path = f"{prefix}{prop}"
        rows.append(
            f"| `{path}` | {_type_of(prop_schema, document)} | {'yes' if prop in required else 'no'} | {_notes(prop_schema)} |"
        )
        inner = prop_schema.get("items", prop_schema) if prop_schema.get("type") == "array" else prop_schema
        if "$ref" in inner:
            rows += _field_rows(inner, document, f"{path}[]." if inner is not prop_schema else f"{path}.", seen)
    return rows


def _table(rows: list[str]) -> list[str]:
    """A field table with its header."""
    return ["| field | type | required | notes |", "|---|---|---|---|", *rows, ""]


def render_markdown(document: Document) -> str:
    """Browsable Markdown of an AsyncAPI document made by asyncapi_document: exchanges, queues, envelope, every event."""
    channels, operations = document["channels"], document["operations"]
    lines = [
        "# Events",
        "",
        "Generated by `scs contracts markdown > docs/events.md` from shared_contracts and the systems' event tables",
        "(the same source as `asyncapi.json`, written by `scs contracts asyncapi > asyncapi.json`); do not edit by hand.",
        "Names get the `SCS_NAMESPACE.` prefix when it is set.",
        "",
        "## Exchanges",
        "",
        "| exchange (topic) | producer | routing keys |",
        "|---|---|---|",
    ]
    exchanges: dict[str, list[str]] = {}
    for key, channel in channels.items():
        exchanges.setdefault(channel["bindings"]["amqp"]["exchange"]["name"], []).append(key)
    for exchange, keys in exchanges.items():
        producer = channels[keys[0]]["x-scs-producer"]
        lines.append(f"| `{exchange}` | {producer} | {', '.join(f'[`{k}`](#{_anchor(k)})' for k in keys)} |")
    lines += ["", "## Consumers", "", "| system | queue | routing keys bound |", "|---|---|---|"]
    bound: dict[str, list[str]] = {}
    for operation in operations.values():
        if operation["action"] == "receive":
            bound.setdefault(operation["tags"][0]["name"], []).append(operation["channel"]["$ref"].rsplit("/", 1)[-1])
    for system, keys in sorted(bound.items()):
        lines.append(f"| {system} | `{NAMES.inbox_queue(system)}` | {', '.join(f'`{k}`' for k in sorted(keys))} |")
    lines += ["", "## Envelope", "", "Every message body is this envelope around the event's `data`.", ""]
    lines += _table(_field_rows({"$ref": SCHEMAS + "Envelope"}, document))
    lines += [
        "AMQP properties mirror it: `message_id` = `id`, `type`, `app_id` = `producer`, `correlation_id`;",
        "headers `schema_version`, `aggregate_id`, `aggregate_version`; persistent, `application/json`.",
        "",
    ]
    lines += ["## Events", ""]
    for key, channel in channels.items():
        lines += [f"### {key}", "", channel["description"], ""]
        for system, handlers in channel["x-scs-consumers"].items():
            lines.append(f"- consumer **{system}**: " + ", ".join(f"`{h}`" for h in handlers))
        lines.append("")
        for ref in channel["messages"].values():
            message = document["components"]["messages"][ref["$ref"].rsplit("/", 1)[-1]]
            data_schema = document["components"]["schemas"][message["payload"]["$ref"].removeprefix(SCHEMAS)]["allOf"][
                1
            ]
            data_ref = data_schema["properties"]["data"]
            lines += [
                f"#### {message['title']} — data `{data_ref['$ref'].removeprefix(SCHEMAS)}`",
                "",
                message["summary"],
                "",
            ]
            lines += _table(_field_rows(data_ref, document, "data."))
            example = json.dumps(message["examples"][0]["payload"], indent=2, ensure_ascii=False)
            lines += [
                "<details><summary>example message</summary>",
                "",
                "```json",
                example,
                "```",
                "",
                "</details>",
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _anchor(heading: str) -> str:
    """The GitHub anchor of a heading made of an event type."""
    return heading.replace(".", "")

"""Trace context along an event's way: stored with its outbox row, sent as AMQP headers, continued by the consumer.

Only the OpenTelemetry API is used here (no SDK, no Flask): with no SDK set up (federation/telemetry.py) every call is
a no-op on the invalid span, so the outbox, the relay and the consumer pay next to nothing for it. Spans follow the
messaging semantic conventions (system `rabbitmq`, destination = exchange, routing key, message id, conversation id
= correlation id). A process span is the child of the context the message carries and links to it as well: the
conventions require the link (a batch cannot have many parents) and allow the parent when one message is processed
on its own, as each is here, and the parent is what keeps a checkout one trace instead of one trace per hop.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanContext, SpanKind

_TRACER = trace.get_tracer("federation")  # a proxy until the SDK is set up, then the SDK's tracer
MAX_HEADER_CHARS = 1024  # traceparent is 55 characters, tracestate at most 32 members of ~256: longer is hostile
PUBLISH, PROCESS = "publish", "process"


def current_trace_context() -> str | None:
    """The W3C trace context (traceparent, tracestate) of the span in progress as JSON for an outbox row, else None."""
    if not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return json.dumps(carrier, separators=(",", ":")) if carrier else None


def stored_context(value: str | None) -> Context:
    """The context an outbox row stored (an empty context for none, or for anything but the JSON object we wrote)."""
    try:
        carrier = json.loads(value) if value else {}
    except ValueError:
        carrier = {}
    return context_from(carrier if isinstance(carrier, dict) else {})


def context_from(headers: Mapping[str, Any] | None) -> Context:
    """The trace context in message headers; a malformed or hostile traceparent yields an empty one (a new trace)."""
    return propagate.extract(headers or {}, getter=_HEADERS)


def trace_headers() -> dict[str, str]:
    """The current span's context as AMQP headers (`traceparent`, `tracestate`), for the message being published."""
    carrier: dict[str, str] = {}
    if trace.get_current_span().get_span_context().is_valid:
        propagate.inject(carrier)
    return carrier


@contextmanager
def messaging_span(
    operation: str,
    *,
    exchange: str,
    routing_key: str,
    message_id: str | None,
    correlation_id: str | None,
    parent: Context | None,
    queue: str | None = None,
    body_size: int | None = None,
) -> Iterator[Span]:
    """A `publish` (producer, kind PRODUCER) or `process` (consumer, kind CONSUMER) span of one message, made current.

    A process span is the child of `parent` (None: the current context) and links to it; an exception ends the span
    as an error and propagates. With no SDK set up, `parent` is made current as it is (a context passes through).
    """
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):  # no SDK: what the no-op does, cheaper
        with within(parent if parent is not None else otel_context.get_current()):
            yield trace.get_current_span()
        return
    attributes: dict[str, str | int] = {
        "messaging.system": "rabbitmq",
        "messaging.operation.name": operation,
        "messaging.operation.type": "send" if operation == PUBLISH else PROCESS,
        "messaging.destination.name": exchange,
        "messaging.rabbitmq.destination.routing_key": routing_key,
    }
    optional = {
        "messaging.message.id": message_id,
        "messaging.message.conversation_id": correlation_id,
        "messaging.destination.subscription_name": queue,
        "messaging.message.body.size": body_size,
    }
    attributes.update({key: value for key, value in optional.items() if value is not None})
    parent_context = trace.get_current_span(parent).get_span_context()
    links = [Link(parent_context)] if operation == PROCESS and parent_context.is_valid else None
    with _TRACER.start_as_current_span(
        f"{operation} {exchange}",
        context=parent,
        kind=SpanKind.PRODUCER if operation == PUBLISH else SpanKind.CONSUMER,
        attributes=attributes,
        links=links,
        record_exception=True,
        set_status_on_exception=True,
    ) as span:
        yield span


@contextmanager
def within(parent: Context | SpanContext) -> Iterator[None]:
    """Make a context (or a finished span's context) current for the block, so log lines there carry its trace."""
    if isinstance(parent, SpanContext):
        parent = trace.set_span_in_context(NonRecordingSpan(parent))
    token = otel_context.attach(parent)
    try:
        yield
    finally:
        otel_context.detach(token)


def log_ids() -> tuple[str, str] | None:
    """The current trace id and span id in their W3C hex forms, for log lines, or None outside a valid span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)


class _HeaderGetter(Getter[Mapping[str, Any]]):
    """Reads trace headers from AMQP headers or a stored carrier: text or bytes, short ones only, anything else ignored."""

    def get(self, carrier: Mapping[str, Any], key: str) -> list[str] | None:
        """The header's value as one string, or None when absent, not text, or too long to be honest."""
        value = carrier.get(key)
        if isinstance(value, bytes):
            value = value.decode("ascii", errors="replace")
        if not isinstance(value, str) or len(value) > MAX_HEADER_CHARS:
            return None
        return [value]

    def keys(self, carrier: Mapping[str, Any]) -> list[str]:
        """Every header name."""
        return [key for key in carrier if isinstance(key, str)]


_HEADERS = _HeaderGetter()

"""Trace context through outbox, relay and consumer; hostile trace headers never fail a message or a request.

The tests share one SDK tracer provider recording into memory (OpenTelemetry allows one global provider per process),
installed by the `spans` fixture the first time it is used.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY
from sqlalchemy import select, update

from federation import outbox, telemetry
from federation.runtime_models import OutboxMessage, RuntimeBase
from federation.settings import InvalidSetting
from federation.telemetry import exporter_for
from federation.topology import Names
from federation.web import create_system_app
from shared_contracts.examples import example_data
from tests.conftest import wait_for
from tests.federation.harness import applied, drain_queue, product_event, publish_event
from tests.federation.test_relay import _relay
from tests.federation.web_sample import WEB_SAMPLE

_MEMORY = InMemorySpanExporter()
HOSTILE_TRACEPARENTS = [
    "garbage",
    b"00-\xff\xfe-not-ascii",
    "00-" + "a" * 5000 + "-b7ad6b7169203331-01",
    "00-00000000000000000000000000000000-b7ad6b7169203331-01",  # the all-zero trace id is invalid
    "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  # version ff is forbidden
    12345,
]
VALID = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans recorded by this process's SDK tracer provider (installed once), emptied before each test."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_MEMORY))
        trace.set_tracer_provider(provider)
    _MEMORY.clear()
    yield _MEMORY


def _named(exporter: InMemorySpanExporter, prefix: str) -> list[ReadableSpan]:
    """The finished spans whose name starts with `prefix`."""
    return [span for span in exporter.get_finished_spans() if span.name.startswith(prefix)]


def _attributes(span: ReadableSpan) -> dict[str, Any]:
    """The span's attributes."""
    return dict(span.attributes or {})


def _add_product_event(session_factory) -> str:
    """Add one outbox row in a transaction of its own; its event id."""
    product_id = str(uuid.uuid4())
    with session_factory() as session:
        data = {**example_data("catalog.product.updated"), "id": product_id}
        envelope = outbox.add(session, "catalog.product.updated", data, aggregate_id=product_id, aggregate_version=1)
        session.commit()
    return str(envelope.id)


def _stored_context(session_factory, event_id: str) -> str | None:
    with session_factory() as session:
        return session.scalar(select(OutboxMessage.trace_context).where(OutboxMessage.event_id == event_id))


def test_an_outbox_row_keeps_the_trace_context_of_the_transaction_that_wrote_it(spans, session_factory):
    untraced = _add_product_event(session_factory)
    with trace.get_tracer("test").start_as_current_span("request") as span:
        traced = _add_product_event(session_factory)
    assert _stored_context(session_factory, untraced) is None
    stored = json.loads(_stored_context(session_factory, traced) or "{}")
    trace_id, span_id = (
        trace.format_trace_id(span.get_span_context().trace_id),
        trace.format_span_id(span.get_span_context().span_id),
    )
    assert stored["traceparent"].startswith(f"00-{trace_id}-{span_id}-")  # then the flags


def test_the_relay_publishes_under_the_stored_context_and_sends_it_as_headers(
    spans, session_factory, amqp_url, namespace
):
    with trace.get_tracer("test").start_as_current_span("request") as request:
        traced = _add_product_event(session_factory)
    hostile = [_add_product_event(session_factory) for _ in range(3)]
    with session_factory() as session, session.begin():
        for event_id, value in zip(
            hostile, ["not json", '["a list"]', json.dumps({"traceparent": "00-zz"})], strict=True
        ):
            session.execute(update(OutboxMessage).where(OutboxMessage.event_id == event_id).values(trace_context=value))
    relay = _relay(amqp_url, namespace, session_factory, batch_size=10)
    try:
        assert relay.publish_pending(until_empty=True) == 4
    finally:
        relay.close()

    published = {_attributes(span)["messaging.message.id"]: span for span in _named(spans, "publish ")}
    assert set(published) == {traced, *hostile}  # every row went out, whatever it had stored
    publish = published[traced]
    assert publish.parent is not None and publish.parent.span_id == request.get_span_context().span_id
    assert publish.context.trace_id == request.get_span_context().trace_id
    assert publish.kind == trace.SpanKind.PRODUCER
    assert _attributes(publish)["messaging.system"] == "rabbitmq"
    assert _attributes(publish)["messaging.rabbitmq.destination.routing_key"] == "catalog.product.updated"
    assert _attributes(publish)["messaging.destination.name"] == Names(namespace).events_exchange("catalog")
    assert all(published[event_id].parent is None for event_id in hostile)  # each a new trace

    delivered = {
        props.message_id: props.headers for props, _ in drain_queue(amqp_url, Names(namespace).inbox_queue("sample"))
    }
    span_id = trace.format_span_id(publish.context.span_id)
    assert delivered[traced]["traceparent"].startswith(
        f"00-{trace.format_trace_id(publish.context.trace_id)}-{span_id}-"
    )


def test_the_consumer_continues_the_trace_a_message_carries(spans, consumer, session_factory, amqp_url, namespace):
    event = product_event(1)
    publish_event(amqp_url, namespace, event, headers={"traceparent": VALID, "tracestate": "vendor=x"})
    wait_for(lambda: applied(session_factory, event), message="the traced event to be applied")
    wait_for(lambda: _named(spans, "process "), message="its process span")
    (process,) = _named(spans, "process ")
    assert trace.format_trace_id(process.context.trace_id) == "0af7651916cd43dd8448eb211c80319c"
    assert process.parent is not None and trace.format_span_id(process.parent.span_id) == "b7ad6b7169203331"
    assert [trace.format_span_id(link.context.span_id) for link in process.links] == ["b7ad6b7169203331"]
    assert process.kind == trace.SpanKind.CONSUMER
    assert _attributes(process)["messaging.message.id"] == str(event.id)
    assert _attributes(process)["messaging.destination.subscription_name"] == Names(namespace).inbox_queue("sample")


def test_a_hostile_traceparent_on_a_message_never_fails_it_and_starts_a_new_trace(
    spans, consumer, session_factory, amqp_url, namespace
):
    events = [product_event(1) for _ in HOSTILE_TRACEPARENTS]
    for event, value in zip(events, HOSTILE_TRACEPARENTS, strict=True):
        publish_event(amqp_url, namespace, event, headers={"traceparent": value, "tracestate": "\x00" * 600})
    wait_for(lambda: all(applied(session_factory, event) for event in events), message="every message to be applied")
    assert not drain_queue(amqp_url, Names(namespace).dead_letter_queue("sample"))
    wait_for(lambda: len(_named(spans, "process ")) == len(events), message="a process span per message")
    processes = _named(spans, "process ")
    assert all(span.parent is None and not span.links for span in processes)
    assert len({span.context.trace_id for span in processes}) == len(events)


@pytest.fixture
def traced_client(data_dir, sqlite_url, amqp_url, spans, monkeypatch):
    """The sample web app, instrumented as `scs web` does when it exports traces."""
    monkeypatch.setattr(
        telemetry, "_active", telemetry.Telemetry(tracer_provider=cast(TracerProvider, trace.get_tracer_provider()))
    )
    app = create_system_app(
        WEB_SAMPLE, {"SCS_DATA_DIR": str(data_dir), "SCS_CATALOG_DATABASE_URL": sqlite_url, "TESTING": True}
    )
    RuntimeBase.metadata.create_all(app.extensions["scs"].engine)
    return app.test_client()


def test_a_hostile_traceparent_on_a_request_never_fails_it_and_starts_a_new_trace(traced_client, spans):
    for value in [v for v in HOSTILE_TRACEPARENTS if isinstance(v, str)]:
        response = traced_client.get("/api/things/1", headers={"traceparent": value, "tracestate": "=" * 600})
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    response = traced_client.get("/api/things/2", headers={"traceparent": VALID})
    assert response.status_code == 404
    requests = [span for span in spans.get_finished_spans() if span.kind == trace.SpanKind.SERVER]
    assert [span.parent is None for span in requests] == [True] * (len(requests) - 1) + [False]
    assert trace.format_trace_id(requests[-1].context.trace_id) == "0af7651916cd43dd8448eb211c80319c"
    assert _attributes(requests[-1])["scs.correlation_id"] == response.headers["X-Request-ID"]


@pytest.fixture
def black_hole() -> Iterator[str]:
    """An OTLP endpoint that takes connections and never answers (a hung collector): its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1/traces"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_a_hung_otlp_endpoint_never_holds_up_the_work_and_dropped_spans_are_counted(black_hole, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", black_hole)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "2")
    monkeypatch.setenv("OTEL_BSP_MAX_QUEUE_SIZE", "8")
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4")
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "10")
    dropped_before = REGISTRY.get_sample_value("scs_trace_spans_dropped_total", {"reason": "queue_full"}) or 0
    provider = telemetry.tracer_provider("otlp")
    tracer = provider.get_tracer("test")
    for index in range(200):  # the export thread is stuck in its first request all along
        with tracer.start_as_current_span(f"work {index}"):
            pass
    dropped = (
        REGISTRY.get_sample_value("scs_trace_spans_dropped_total", {"reason": "queue_full"}) or 0
    ) - dropped_before
    assert 200 - 8 - 2 * 4 <= dropped <= 200  # at most the queue and the batches in flight got through
    provider.shutdown()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "none"),  # no endpoint: nothing exported
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"}, "none"),
        ({"OTEL_TRACES_EXPORTER": "console"}, "console"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, "none"),
    ],
)
def test_the_exporter_follows_the_standard_settings(environ, expected):
    assert exporter_for("traces", environ) == expected


def test_an_unknown_exporter_is_refused_naming_the_variable():
    with pytest.raises(InvalidSetting, match="OTEL_TRACES_EXPORTER='jaeger'"):
        exporter_for("traces", {"OTEL_TRACES_EXPORTER": "jaeger"})


def test_scs_refuses_an_unknown_exporter_before_starting_a_process(tmp_path):
    environ = {**os.environ, "OTEL_TRACES_EXPORTER": "zipkin", "SCS_DATA_DIR": str(tmp_path)}
    finished = subprocess.run(
        [sys.executable, "-m", "federation.cli", "worker", "user"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 1
    assert finished.stderr.strip().splitlines()[-1] == (
        "Error: OTEL_TRACES_EXPORTER='zipkin': expected one of otlp, console, none"
    )

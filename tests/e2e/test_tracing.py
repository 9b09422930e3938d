"""One checkout is one OpenTelemetry trace across the three systems and through RabbitMQ, received by a real OTLP endpoint."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import wait_for
from tests.e2e.federation_processes import ROOT, Federation
from tests.e2e.journeys import (
    admin_headers,
    copied_product,
    create_product,
    order_settled,
    place_order,
    register_and_log_in,
)
from tests.e2e.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.e2e.trace_waterfall import waterfall_svg

RENDERING = ROOT / "docs" / "tracing" / "checkout-trace.svg"
EXPORT_QUICKLY = {
    "OTEL_BSP_SCHEDULE_DELAY": "100",
    "OTEL_BLRP_SCHEDULE_DELAY": "100",
    "OTEL_METRIC_EXPORT_INTERVAL": "500",
}


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    """An OTLP/HTTP endpoint on loopback."""
    running = OtlpReceiver().start()
    yield running
    running.stop()


@pytest.fixture
def traced(tmp_path: Path, namespace: str, amqp_url: str, receiver: OtlpReceiver) -> Iterator[Federation]:
    """The three systems as processes, every one exporting traces, metrics and logs to the receiver."""
    running = Federation(
        data_dir=tmp_path / "var",
        namespace=namespace,
        amqp_url=amqp_url,
        extra_env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, **EXPORT_QUICKLY},
    )
    running.start_all()
    yield running
    running.stop_all()


def _one(spans: list[ReceivedSpan], service: str, operation: str, routing_key: str, **attributes) -> ReceivedSpan:
    """The one `publish` or `process` span of `service` for messages with that routing key (and attributes)."""
    found = [
        span
        for span in spans
        if span.service == service
        and span.name.startswith(f"{operation} ")
        and span.attributes.get("messaging.rabbitmq.destination.routing_key") == routing_key
        and all(span.attributes.get(key) == value for key, value in attributes.items())
    ]
    assert len(found) == 1, (
        f"{service} {operation} {routing_key}: {found or sorted({(s.service, s.name) for s in spans})}"
    )
    return found[0]


def _is_sql(span: ReceivedSpan) -> bool:
    """Whether the span is a database statement's (SQLAlchemy instrumentation)."""
    return any(key.startswith("db.") for key in span.attributes)


def test_one_checkout_is_one_trace_through_the_outbox_and_the_broker(traced: Federation, receiver: OtlpReceiver):
    admin = admin_headers(traced)
    product_id = create_product(traced, admin, stock=3)
    customer = register_and_log_in(traced)
    copied_product(traced, product_id)

    placed = place_order(traced, {**customer, "X-Request-ID": "checkout-traced"}, product_id, 1)
    order_settled(traced, customer, placed["id"])

    def request_span() -> ReceivedSpan | None:
        return next(
            (
                span
                for span in receiver.snapshot()
                if span.service == "order-web" and span.kind == "server" and span.name == "POST /api/orders"
            ),
            None,
        )

    web = wait_for(request_span, message="order-web's request span")
    assert isinstance(web, ReceivedSpan)

    hops = [  # (service, operation, routing key) of every hop, in the saga's order
        ("order-worker", "publish", "order.placed"),
        ("catalog-worker", "process", "order.placed"),
        ("catalog-worker", "publish", "catalog.stock.reserved"),
        ("order-worker", "process", "catalog.stock.reserved"),
        ("order-worker", "publish", "order.confirmed"),
        ("user-worker", "process", "order.confirmed"),
    ]

    def whole_trace() -> list[ReceivedSpan] | None:
        """The trace once every hop's span has arrived (each process exports in batches of its own, in any order)."""
        spans = [span for span in receiver.snapshot() if span.trace_id == web.trace_id]
        seen = {
            (s.service, s.name.split(" ", 1)[0], s.attributes.get("messaging.rabbitmq.destination.routing_key"))
            for s in spans
        }
        return spans if all(hop in seen for hop in hops) else None

    spans = wait_for(whole_trace, message="every hop's span of the trace")
    assert isinstance(spans, list)
    assert web.attributes["scs.correlation_id"] == "checkout-traced"
    conversation = {"messaging.message.conversation_id": "checkout-traced"}

    publish_placed = _one(spans, "order-worker", "publish", "order.placed", **conversation)
    catalog_process = _one(spans, "catalog-worker", "process", "order.placed", **conversation)
    publish_answer = _one(spans, "catalog-worker", "publish", "catalog.stock.reserved", **conversation)
    order_process = _one(spans, "order-worker", "process", "catalog.stock.reserved", **conversation)
    publish_confirmed = _one(spans, "order-worker", "publish", "order.confirmed", **conversation)
    user_process = _one(spans, "user-worker", "process", "order.confirmed", **conversation)

    # Each hop is the child of the one before it; a process span also links to the message's creation context.
    assert publish_placed.parent_span_id == web.span_id  # the context stored with the outbox row, not the relay's
    for producer, consumer in (
        (publish_placed, catalog_process),
        (publish_answer, order_process),
        (publish_confirmed, user_process),
    ):
        assert consumer.parent_span_id == producer.span_id
        assert consumer.links == ((producer.trace_id, producer.span_id),)
    assert publish_answer.parent_span_id == catalog_process.span_id
    assert publish_confirmed.parent_span_id == order_process.span_id

    for span in (publish_placed, publish_answer, publish_confirmed):
        assert span.kind == "producer"
        assert span.attributes["messaging.system"] == "rabbitmq"
        assert span.attributes["messaging.operation.type"] == "send"
        assert span.attributes["messaging.destination.name"].endswith(".events")
        assert span.attributes["messaging.message.id"]
    for span in (catalog_process, order_process, user_process):
        assert span.kind == "consumer" and span.attributes["messaging.operation.type"] == "process"
        assert span.attributes["messaging.destination.subscription_name"].endswith(".inbox")
    # SQL is traced inside the request and inside processing (OpenTelemetry's SQLAlchemy instrumentation).
    assert any(span.parent_span_id == web.span_id and _is_sql(span) for span in spans)
    assert any(span.parent_span_id == catalog_process.span_id and _is_sql(span) for span in spans)
    # Statements outside a request or message (the relay's polling, lease renewals) start no traces of their own.
    assert not [span for span in receiver.snapshot() if _is_sql(span) and not span.parent_span_id]

    # Log lines carry the trace: in the process's JSON lines and in the log records sent over OTLP.
    relay_line = next(
        json.loads(line)
        for line in traced.log("order-worker").splitlines()
        if line.startswith("{") and "published order.placed" in line
    )
    assert (relay_line["trace_id"], relay_line["span_id"]) == (web.trace_id, publish_placed.span_id)
    assert relay_line["correlation_id"] == "checkout-traced"
    wait_for(
        lambda: any(r.trace_id == web.trace_id and "applied order.confirmed" in r.body for r in receiver.logs),
        message="user-worker's log record over OTLP",
    )
    wait_for(
        lambda: any(
            service == "order-web" and name.startswith("http.server.") for service, name in receiver.metric_names
        ),
        message="order-web's HTTP server metrics over OTLP",
    )
    # The Prometheus endpoint stays.
    assert "scs_http_requests_total" in requests.get(f"{traced.url('order')}/metrics", timeout=10).text

    if os.environ.get("SCS_UPDATE_SCREENSHOTS"):
        RENDERING.parent.mkdir(parents=True, exist_ok=True)
        RENDERING.write_text(waterfall_svg([span for span in spans if not _is_sql(span)], traced.namespace))

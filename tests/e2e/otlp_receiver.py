"""A real OTLP/HTTP endpoint on loopback for tests and benchmarks: decodes export requests with opentelemetry-proto."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest, ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as an OTLP backend received it, ids in hex."""

    service: str
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    links: tuple[tuple[str, str], ...]  # (trace id, span id) of each link
    status_code: int


@dataclass(frozen=True)
class ReceivedLog:
    """One log record as received, with the trace it was written in."""

    service: str
    body: str
    trace_id: str
    span_id: str


@dataclass
class OtlpReceiver:
    """Serves POST /v1/traces, /v1/metrics and /v1/logs on 127.0.0.1 and keeps what arrives."""

    keep: bool = True  # False: only count (a benchmark's receiver should cost little beside what it measures)
    spans: list[ReceivedSpan] = field(default_factory=list)
    logs: list[ReceivedLog] = field(default_factory=list)
    metric_names: set[tuple[str, str]] = field(default_factory=set)  # (service, metric)
    requests: int = 0
    span_count: int = 0

    def __post_init__(self) -> None:
        """Bind a free port; `start` serves it."""
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="otlp-receiver", daemon=True)

    @property
    def url(self) -> str:
        """The base URL to put in OTEL_EXPORTER_OTLP_ENDPOINT."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> OtlpReceiver:
        """Serve in a thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port."""
        self._server.shutdown()
        self._server.server_close()

    def snapshot(self) -> list[ReceivedSpan]:
        """The spans received so far."""
        with self._lock:
            return list(self.spans)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class, bound to this receiver."""
        receiver = self
        decoders: dict[str, tuple[Any, Any, Callable[[Any], None]]] = {  # (request type, response, keep)
            "/v1/traces": (ExportTraceServiceRequest, ExportTraceServiceResponse(), receiver._keep_spans),
            "/v1/metrics": (ExportMetricsServiceRequest, ExportMetricsServiceResponse(), receiver._keep_metrics),
            "/v1/logs": (ExportLogsServiceRequest, ExportLogsServiceResponse(), receiver._keep_logs),
        }

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                """Decode one export request and answer with an empty success response."""
                decoder = decoders.get(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if decoder is None or self.headers.get("Content-Type") != "application/x-protobuf":
                    self.send_error(404 if decoder is None else 415)
                    return
                request_type, response, keep = decoder
                request = request_type()
                request.ParseFromString(body)
                keep(request)
                payload = response.SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
                """Quiet: the test's output is not the place for every export."""

        return Handler

    def _keep_spans(self, request: ExportTraceServiceRequest) -> None:
        """Store every span of a trace export (or only count them)."""
        count = sum(len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans)
        with self._lock:
            self.span_count += count
            self.requests += 1
        if not self.keep:
            return
        received = []
        for resource_spans in request.resource_spans:
            service = str(_attributes(resource_spans.resource.attributes).get("service.name", ""))
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        ReceivedSpan(
                            service=service,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            name=span.name,
                            kind=KINDS.get(span.kind, str(span.kind)),
                            start_ns=span.start_time_unix_nano,
                            end_ns=span.end_time_unix_nano,
                            attributes=_attributes(span.attributes),
                            links=tuple((link.trace_id.hex(), link.span_id.hex()) for link in span.links),
                            status_code=span.status.code,
                        )
                    )
        with self._lock:
            self.spans.extend(received)

    def _keep_metrics(self, request: ExportMetricsServiceRequest) -> None:
        """Remember which metrics each service sent."""
        with self._lock:
            if not self.keep:
                self.requests += 1
                return
            for resource_metrics in request.resource_metrics:
                service = str(_attributes(resource_metrics.resource.attributes).get("service.name", ""))
                for scope_metrics in resource_metrics.scope_metrics:
                    self.metric_names.update((service, metric.name) for metric in scope_metrics.metrics)
            self.requests += 1

    def _keep_logs(self, request: ExportLogsServiceRequest) -> None:
        """Store every log record with its trace."""
        with self._lock:
            if not self.keep:
                self.requests += 1
                return
            for resource_logs in request.resource_logs:
                service = str(_attributes(resource_logs.resource.attributes).get("service.name", ""))
                for scope_logs in resource_logs.scope_logs:
                    for record in scope_logs.log_records:
                        self.logs.append(
                            ReceivedLog(service, _value(record.body), record.trace_id.hex(), record.span_id.hex())
                        )
            self.requests += 1


def _attributes(pairs: Any) -> dict[str, Any]:
    """OTLP key-values as a dict."""
    return {pair.key: _value(pair.value) for pair in pairs if isinstance(pair, KeyValue)}


def _value(value: AnyValue) -> Any:
    """One OTLP AnyValue as a Python value."""
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind in ("string_value", "bool_value", "int_value", "double_value") else str(value)

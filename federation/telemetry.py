"""The OpenTelemetry SDK of one process, from the standard OTEL_* settings: traces, metrics and logs over OTLP/HTTP.

A signal is exported when its exporter (`OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER`:
`otlp` by default, `console`, `none`) is `console`, or `otlp` with an endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or the
signal's own `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`); with no endpoint nothing is set up and the API's no-op stays in
place (the cost: tests/benchmarks/bench_tracing.py). `OTEL_SDK_DISABLED=true` turns all of it off. The SDK itself reads
the rest: `OTEL_SERVICE_NAME` (default: the process, e.g. `order-web`), `OTEL_RESOURCE_ATTRIBUTES`,
`OTEL_TRACES_SAMPLER` and its argument, `OTEL_BSP_*` (the bounded span queue), `OTEL_EXPORTER_OTLP_*` (headers, timeout).

Spans leave through a batch processor's bounded queue on a thread of its own, so an unreachable endpoint never slows a
request or an event: once the queue is full, spans are dropped and counted (`scs_trace_spans_dropped_total`). Set it
up per process after any fork (gunicorn: in each worker's `load()`): the processor's thread does not survive a fork.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.metrics import Counter, NoOpCounter, NoOpMeter, NoOpMeterProvider
from opentelemetry.trace import INVALID_SPAN, Link, Span, SpanKind, Tracer, TracerProvider
from opentelemetry.util.types import Attributes

from federation.settings import InvalidSetting

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.util._decorator import _AgnosticContextManager
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

SIGNALS = ("traces", "metrics", "logs")
EXPORTERS = ("otlp", "console", "none")
INTERNAL_METRICS = "OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED"
SHUTDOWN_SECONDS = 3.0


@dataclass
class Telemetry:
    """The SDK providers this process set up; None for a signal that is not exported."""

    tracer_provider: SdkTracerProvider | None = None
    meter_provider: MeterProvider | None = None
    logger_provider: LoggerProvider | None = None

    def shutdown(self, timeout_seconds: float = SHUTDOWN_SECONDS) -> None:
        """Flush and stop every provider, for at most `timeout_seconds` (an endpoint that is away must not hold up an exit)."""
        providers = [p for p in (self.tracer_provider, self.meter_provider, self.logger_provider) if p is not None]
        if not providers:
            return
        flushing = threading.Thread(target=lambda: [p.shutdown() for p in providers], name="otel-shutdown", daemon=True)
        flushing.start()
        flushing.join(timeout_seconds)


_active = Telemetry()


def active() -> Telemetry:
    """What `start_telemetry` set up in this process (nothing before it ran, or when no signal is exported)."""
    return _active


def exporter_for(signal: str, environ: Mapping[str, str] = os.environ) -> str:
    """The exporter of `signal` the settings ask for: `otlp` (only with an endpoint), `console`, or `none`."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return "none"
    variable = f"OTEL_{signal.upper()}_EXPORTER"
    wanted = environ.get(variable, "otlp").strip().lower() or "otlp"
    if wanted not in EXPORTERS:
        raise InvalidSetting(f"{variable}={wanted!r}: expected one of {', '.join(EXPORTERS)}")
    endpoint = environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT") or environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    return "none" if wanted == "otlp" and not endpoint else wanted


def check_settings() -> None:
    """Refuse an unknown exporter before any process starts (gunicorn's workers would each die of it)."""
    for signal in SIGNALS:
        exporter_for(signal)


def start_telemetry(default_service_name: str) -> Telemetry:
    """Set up this process's providers from the OTEL_* settings and make them global; returns what was set up."""
    global _active
    kinds = {signal: exporter_for(signal) for signal in SIGNALS}
    if all(kind == "none" for kind in kinds.values()):
        return _active
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: default_service_name}))
    telemetry = Telemetry()
    if kinds["metrics"] != "none":
        telemetry.meter_provider = _meter_provider(kinds["metrics"], resource)
    if kinds["traces"] != "none":
        telemetry.tracer_provider = tracer_provider(kinds["traces"], resource)
        trace.set_tracer_provider(telemetry.tracer_provider)
    if kinds["logs"] != "none":
        telemetry.logger_provider = _logger_provider(kinds["logs"], resource)
    _active = telemetry
    log.info("telemetry: %s as %s", ", ".join(f"{s} {k}" for s, k in kinds.items()), resource.attributes[SERVICE_NAME])
    return telemetry


def tracer_provider(kind: str, resource: Any = None) -> SdkTracerProvider:
    """A tracer provider exporting (`otlp` or `console`) through a bounded batch queue, its drops counted in Prometheus."""
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    exporter: SpanExporter
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    else:
        exporter = ConsoleSpanExporter()
    provider = SdkTracerProvider(resource=resource, shutdown_on_exit=False)  # Telemetry.shutdown, bounded, instead
    # The processor reports what it drops only with the SDK's own metrics on (OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED),
    # read when it is built: on for it alone, since the provider's per-span metrics would cost every span.
    saved = os.environ.get(INTERNAL_METRICS)
    os.environ[INTERNAL_METRICS] = "true"
    try:
        processor = BatchSpanProcessor(exporter, meter_provider=_DropCounting())
    finally:
        if saved is None:
            del os.environ[INTERNAL_METRICS]
        else:
            os.environ[INTERNAL_METRICS] = saved
    provider.add_span_processor(processor)
    return provider


def _meter_provider(kind: str, resource: Any) -> MeterProvider:
    """A meter provider the instrumentations (HTTP server, database client) report to, read periodically."""
    from opentelemetry import metrics
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, MetricExporter, PeriodicExportingMetricReader

    exporter: MetricExporter
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        exporter = OTLPMetricExporter()
    else:
        exporter = ConsoleMetricExporter()
    provider = MeterProvider(
        resource=resource, metric_readers=[PeriodicExportingMetricReader(exporter)], shutdown_on_exit=False
    )
    metrics.set_meter_provider(provider)
    return provider


def _logger_provider(kind: str, resource: Any) -> LoggerProvider:
    """A logger provider fed by a handler on the root logger (beside the process's own), records with their span."""
    from opentelemetry._logs import set_logger_provider
    from opentelemetry.instrumentation.logging.handler import LoggingHandler
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogRecordExporter, LogRecordExporter

    exporter: LogRecordExporter
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

        exporter = OTLPLogExporter()
    else:
        exporter = ConsoleLogRecordExporter()
    provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    set_logger_provider(provider)
    handler = LoggingHandler(logger_provider=provider)
    handler.addFilter(lambda record: not record.name.startswith("opentelemetry"))  # an export failure is not exported
    logging.getLogger().addHandler(handler)
    return provider


def instrument_engine(engine: Engine) -> None:
    """Trace the engine's statements (OpenTelemetry's SQLAlchemy instrumentation) inside a traced request or message.

    Statements outside one (the relay's polling, lease renewals, housekeeping) start no trace of their own.
    """
    if _active.tracer_provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # The instrumentation declares SQLAlchemy < 2.1 (it predates 2.1, which keeps the engine events it uses); the
    # e2e trace test checks that statements are traced.
    # Its pool-usage metric (two updates per checkout and checkin) cost more per request than the spans: left out.
    SQLAlchemyInstrumentor().instrument(
        engine=engine,
        tracer_provider=ChildSpansOnly(_active.tracer_provider),
        meter_provider=NoOpMeterProvider(),
        skip_dep_check=True,
    )


class ChildSpansOnly(TracerProvider):
    """A tracer provider whose tracers start spans only under a valid parent (else the invalid, non-recording span)."""

    def __init__(self, provider: TracerProvider) -> None:
        """Wrap `provider`."""
        self.provider = provider

    def get_tracer(self, *args: Any, **kwargs: Any) -> Tracer:
        """The wrapped provider's tracer, wrapped."""
        return _ChildTracer(self.provider.get_tracer(*args, **kwargs))


class _ChildTracer(Tracer):
    """Starts a span only when the context has a valid span to be its parent."""

    def __init__(self, tracer: Tracer) -> None:
        """Wrap `tracer`."""
        self.tracer = tracer

    def start_span(self, name: str, context: Context | None = None, *args: Any, **kwargs: Any) -> Span:
        """A child span, or the invalid span when there is no parent."""
        if not trace.get_current_span(context).get_span_context().is_valid:
            return INVALID_SPAN
        return self.tracer.start_span(name, context, *args, **kwargs)

    def start_as_current_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> _AgnosticContextManager[Span]:
        """A child span made current, or the invalid span when there is no parent."""
        span = self.start_span(name, context, kind, attributes, links, start_time, record_exception)
        return trace.use_span(span, end_on_exit, record_exception, set_status_on_exception)


class _DropCounting(NoOpMeterProvider):
    """The meter the span processor reports to: its drops (queue full, after shutdown) go to Prometheus, the rest nowhere."""

    def get_meter(self, name: str, *args: Any, **kwargs: Any) -> NoOpMeter:
        """A meter whose `otel.sdk.processor.span.processed` counter counts the dropped spans."""
        return _DropMeter(name)


class _DropMeter(NoOpMeter):
    """Hands out the drop-counting counter for the processor's processed-spans metric."""

    def create_counter(self, name: str, unit: str = "", description: str = "") -> Counter:
        """The processed-spans counter, counting the spans processed with an error (dropped)."""
        return _DroppedSpans(name, unit=unit, description=description)


class _DroppedSpans(NoOpCounter):
    """Adds spans the processor reports with an `error.type` (dropped) to `scs_trace_spans_dropped_total`."""

    def add(self, amount: int | float, attributes: Attributes = None, *args: Any, **kwargs: Any) -> None:
        """Count `amount` dropped spans, by reason; processed spans without an error are not counted."""
        reason = (attributes or {}).get("error.type")
        if reason is not None:
            from federation import metrics

            metrics.TRACE_SPANS_DROPPED.labels(str(reason)).inc(amount)

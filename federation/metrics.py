"""Prometheus metrics of a system (multiprocess-safe: gunicorn workers and the worker process share one directory).

PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is first imported; `scs web` and `scs worker`
set it to `Settings.metrics_dir` before they import any system.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from federation.lease_state import read_lease
from federation.outbox_parking import WAITING, count_parked
from federation.runtime_models import InboxMessage, OutboxMessage, as_utc

HTTP_REQUESTS = Counter("scs_http_requests_total", "HTTP requests served", ["system", "endpoint", "method", "status"])
HTTP_LATENCY = Histogram("scs_http_request_duration_seconds", "HTTP request latency", ["system", "endpoint"])
EVENTS_PUBLISHED = Counter("scs_events_published_total", "Events confirmed by the broker", ["system", "type"])
EVENTS_CONSUMED = Counter(
    "scs_events_consumed_total", "Events taken from the inbox queue, by outcome", ["system", "type", "outcome"]
)
CONSUMER_LATENCY = Histogram("scs_consumer_processing_seconds", "Time to apply one event", ["system", "type"])
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
RELAY_LEASE_HELD = Gauge(
    "scs_relay_lease_held",
    "1 while this process's relay holds its system's lease (a killed process's last value stays: see scs_relay_lease_holder)",
    ["system"],
    multiprocess_mode="liveall",
)
RELAY_LEASE_CHANGES = Counter(
    "scs_relay_lease_changes_total",
    "Relay leases taken by this system's processes (first take and takeovers)",
    ["system"],
)
TRACE_SPANS_DROPPED = Counter(
    "scs_trace_spans_dropped_total",
    "Spans dropped before export (the bounded queue was full: the OTLP endpoint is slow or away), by reason",
    ["reason"],
)
ROWS_PRUNED = Counter(
    "scs_rows_pruned_total",
    "Outbox and inbox rows deleted by housekeeping once past their retention",
    ["system", "table"],
)


def method_label(method: str) -> str:
    """The request method as a label value: invented methods share one, so no client can add series at will."""
    return method if method in KNOWN_METHODS else "other"


def endpoint_label(endpoint: str | None) -> str:
    """The route's endpoint as a label value: every path that matches no route shares one."""
    return endpoint or UNMATCHED


def exposition(session_factory: sessionmaker[Session], system: str) -> tuple[bytes, str]:
    """The /metrics body: every process's counters plus database-derived gauges read at scrape time."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated
    else:
        registry.register(_ProcessLocal())
    registry.register(_DatabaseGauges(session_factory, system))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessLocal(Collector):
    """This process's own metrics, when not running under a multiprocess server."""

    def collect(self) -> Iterator[Metric]:
        """Yield what the default registry holds."""
        yield from REGISTRY.collect()


class _DatabaseGauges(Collector):
    """Outbox backlog and age of its oldest event, parked rows, replica freshness, and who holds the relay lease."""

    def __init__(self, session_factory: sessionmaker[Session], system: str) -> None:
        """Gauges of `system`, read through `session_factory` at each scrape."""
        self.session_factory = session_factory
        self.system = system

    def collect(self) -> Iterator[Metric]:
        """Read the figures from the system's database."""
        now = datetime.now(UTC)
        backlog = GaugeMetricFamily("scs_outbox_backlog", "Outbox rows waiting for the relay", labels=["system"])
        oldest = GaugeMetricFamily(
            "scs_outbox_oldest_unpublished_seconds", "Age of the oldest event waiting for the relay", labels=["system"]
        )
        parked = GaugeMetricFamily(
            "scs_outbox_parked", "Outbox rows refused for their content and parked for an operator", labels=["system"]
        )
        freshness = GaugeMetricFamily(
            "scs_replica_seconds_since_last_event",
            "Seconds since the last applied event, per source",
            labels=["system", "source"],
        )
        holder = GaugeMetricFamily(
            "scs_relay_lease_holder", "1 for the process holding the system's relay lease", labels=["system", "holder"]
        )
        with self.session_factory() as session:
            backlog.add_metric([self.system], session.scalar(select(func.count(OutboxMessage.seq)).where(WAITING)) or 0)
            first = session.scalar(select(func.min(OutboxMessage.created_at)).where(WAITING))
            oldest.add_metric([self.system], (now - as_utc(first)).total_seconds() if first else 0.0)
            parked.add_metric([self.system], count_parked(session))
            rows = session.execute(
                select(InboxMessage.producer, func.max(InboxMessage.processed_at)).group_by(InboxMessage.producer)
            )
            for source, last in rows:
                freshness.add_metric([self.system, source], (now - as_utc(last)).total_seconds())
            lease = read_lease(session.connection(), self.system)
            if lease is not None and lease.active(now):
                holder.add_metric([self.system, str(lease.holder)], 1)
        yield from (backlog, oldest, parked, freshness, holder)

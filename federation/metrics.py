"""Prometheus metrics of a system (multiprocess-safe: gunicorn workers and the worker process share one directory).

PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is first imported; `scs web` and `scs worker`
set it to `Settings.metrics_dir` before they import any system.
"""

from __future__ import annotations

import os
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
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from federation.runtime_models import InboxMessage, OutboxMessage, as_utc

HTTP_REQUESTS = Counter("scs_http_requests_total", "HTTP requests served", ["system", "endpoint", "method", "status"])
HTTP_LATENCY = Histogram("scs_http_request_duration_seconds", "HTTP request latency", ["system", "endpoint"])
EVENTS_PUBLISHED = Counter("scs_events_published_total", "Events confirmed by the broker", ["system", "type"])
EVENTS_CONSUMED = Counter(
    "scs_events_consumed_total", "Events taken from the inbox queue, by outcome", ["system", "type", "outcome"]
)
CONSUMER_LATENCY = Histogram("scs_consumer_processing_seconds", "Time to apply one event", ["system", "type"])
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


def exposition(session_factory, system: str) -> tuple[bytes, str]:
    """The /metrics body: every process's counters plus database-derived gauges read at scrape time."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessLocal())
    registry.register(_DatabaseGauges(session_factory, system))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _ProcessLocal:
    """This process's own metrics, when not running under a multiprocess server."""

    def collect(self):
        """Yield what the default registry holds."""
        yield from REGISTRY.collect()


class _DatabaseGauges:
    """Outbox backlog, age of the oldest unpublished event, replica freshness per source, and who holds the relay lease."""

    def __init__(self, session_factory, system: str) -> None:
        self.session_factory = session_factory
        self.system = system

    def collect(self):
        """Read the figures from the system's database."""
        from federation.relay_lease import read_lease  # imported here: relay_lease imports this module

        now = datetime.now(UTC)
        backlog = GaugeMetricFamily("scs_outbox_backlog", "Outbox rows not yet published", labels=["system"])
        oldest = GaugeMetricFamily(
            "scs_outbox_oldest_unpublished_seconds", "Age of the oldest unpublished event", labels=["system"]
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
            unpublished = OutboxMessage.published_at.is_(None)
            backlog.add_metric(
                [self.system], session.scalar(select(func.count(OutboxMessage.seq)).where(unpublished)) or 0
            )
            first = session.scalar(select(func.min(OutboxMessage.created_at)).where(unpublished))
            oldest.add_metric([self.system], (now - as_utc(first)).total_seconds() if first else 0.0)
            rows = session.execute(
                select(InboxMessage.producer, func.max(InboxMessage.processed_at)).group_by(InboxMessage.producer)
            )
            for source, last in rows:
                freshness.add_metric([self.system, source], (now - as_utc(last)).total_seconds())
            lease = read_lease(session.connection(), self.system)
            if lease is not None and lease.active(now):
                holder.add_metric([self.system, str(lease.holder)], 1)
        yield from (backlog, oldest, freshness, holder)

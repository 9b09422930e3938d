"""Prometheus metrics of a system (multiprocess-safe: gunicorn workers and the worker process share one directory).

PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is first imported; `scs web` and `scs worker`
set it to `Settings.metrics_dir` before they import any system.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from federation.runtime_models import InboxMessage, OutboxMessage

HTTP_REQUESTS = Counter("scs_http_requests_total", "HTTP requests served", ["system", "endpoint", "method", "status"])
HTTP_LATENCY = Histogram("scs_http_request_duration_seconds", "HTTP request latency", ["system", "endpoint"])
EVENTS_PUBLISHED = Counter("scs_events_published_total", "Events confirmed by the broker", ["system", "type"])
EVENTS_CONSUMED = Counter(
    "scs_events_consumed_total", "Events taken from the inbox queue, by outcome", ["system", "type", "outcome"]
)
CONSUMER_LATENCY = Histogram("scs_consumer_processing_seconds", "Time to apply one event", ["system", "type"])
ROWS_PRUNED = Counter(
    "scs_rows_pruned_total",
    "Outbox and inbox rows deleted by housekeeping once past their retention",
    ["system", "table"],
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
    """Outbox backlog, age of the oldest unpublished event, and replica freshness per source."""

    def __init__(self, session_factory, system: str) -> None:
        self.session_factory = session_factory
        self.system = system

    def collect(self):
        """Read the figures from the system's database."""
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
        with self.session_factory() as session:
            unpublished = OutboxMessage.published_at.is_(None)
            backlog.add_metric(
                [self.system], session.scalar(select(func.count(OutboxMessage.seq)).where(unpublished)) or 0
            )
            first = session.scalar(select(func.min(OutboxMessage.created_at)).where(unpublished))
            oldest.add_metric([self.system], (now - _aware(first)).total_seconds() if first else 0.0)
            rows = session.execute(
                select(InboxMessage.producer, func.max(InboxMessage.processed_at)).group_by(InboxMessage.producer)
            )
            for source, last in rows:
                freshness.add_metric([self.system, source], (now - _aware(last)).total_seconds())
        yield from (backlog, oldest, freshness)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

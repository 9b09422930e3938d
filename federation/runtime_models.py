"""Tables the runtime keeps in each system's database: the outbox of events to publish, the inbox of events applied, the lease."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Timezone-aware now, for timestamps stored by the runtime."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back naive; the runtime stores UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class RuntimeBase(DeclarativeBase):
    """Metadata of the runtime's own tables; each system's migrations include it beside its own models."""


class OutboxMessage(RuntimeBase):
    """An event recorded in the same transaction as the state change it describes, waiting for the relay.

    A row the broker or the client library refuses for its content counts its `attempts` (with `last_error`)
    and is parked (`parked_at`) once they are used up: kept for an operator, no longer in the way of the others.
    `rebuild_for` names the consuming system a re-publication rebuilds (`scs resync --rebuild`). `trace_context` holds
    the W3C trace context (traceparent, tracestate as JSON) of the transaction that wrote the row, as Debezium's outbox
    does: the relay publishes with it, so the trace goes on through the broker.
    """

    __tablename__ = "scs_outbox"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    producer: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(120))
    aggregate_id: Mapped[str] = mapped_column(String(200))
    correlation_id: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    parked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rebuild_for: Mapped[str | None] = mapped_column(String(40))
    trace_context: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_scs_outbox_unpublished", "published_at", "seq"),)


class InboxMessage(RuntimeBase):
    """An event this system has applied; written in the same transaction as the effect, so a duplicate applies once."""

    __tablename__ = "scs_inbox"

    consumer: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    producer: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(120))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_scs_inbox_freshness", "producer", "processed_at"),)


class Lease(RuntimeBase):
    """Who may relay this database's outbox, until when: one row per outbox, taken and renewed by conditional updates.

    `epoch` grows by one on every acquisition; a holder renews only while the epoch is still the one it took, so
    a process that froze and woke after another took over finds it lost the lease (the fencing token).
    """

    __tablename__ = "scs_relay_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    epoch: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))

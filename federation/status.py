"""What an operator wants to know per system: reachable, outbox backlog, parked rows, relay lease, queues, freshness."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pika
from pika.exceptions import AMQPError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from federation.broker_urls import pika_parameters
from federation.db import make_engine
from federation.lease_state import read_lease
from federation.outbox_parking import WAITING, ParkedRow, count_parked, parked_rows
from federation.runtime_models import InboxMessage, OutboxMessage, as_utc
from federation.settings import Settings
from federation.topology import Names

PARKED_SHOWN = 20


@dataclass
class SystemStatus:
    """One system's health as seen from outside its processes."""

    system: str
    web_reachable: bool = False
    database_reachable: bool = False
    outbox_backlog: int | None = None
    oldest_unpublished_seconds: float | None = None
    outbox_parked: int | None = None
    parked: list[ParkedRow] = field(default_factory=list)
    inbox_depth: int | None = None
    dead_letters: int | None = None
    seconds_since_last_event: dict[str, float] = field(default_factory=dict)
    relay_lease_holder: str | None = None
    relay_lease_since: str | None = None
    errors: list[str] = field(default_factory=list)


def system_status(settings: Settings, check_web: bool = True) -> SystemStatus:
    """Collect the status of one system from its web endpoint (unless asked from inside it), its database and the broker."""
    status = SystemStatus(settings.system)
    status.web_reachable = _web_reachable(settings.system_urls[settings.system]) if check_web else True
    _database_figures(settings, status)
    _broker_figures(settings, status)
    return status


def _web_reachable(base_url: str) -> bool:
    """True when GET /healthz answers 200."""
    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _database_figures(settings: Settings, status: SystemStatus) -> None:
    """Outbox backlog and its oldest event, parked rows (the first few), relay lease holder, replica freshness."""
    engine = make_engine(settings.database_url)
    now = datetime.now(UTC)
    try:
        with Session(engine) as session:
            status.outbox_backlog = session.scalar(select(func.count(OutboxMessage.seq)).where(WAITING))
            oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(WAITING))
            if oldest is not None:
                status.oldest_unpublished_seconds = round((now - as_utc(oldest)).total_seconds(), 1)
            status.outbox_parked = count_parked(session)
            status.parked = parked_rows(session, limit=PARKED_SHOWN)
            lease = read_lease(session.connection(), settings.system)
            if lease is not None and lease.active(now):
                status.relay_lease_holder = lease.holder
                status.relay_lease_since = lease.acquired_at.isoformat(timespec="seconds")
            rows = session.execute(
                select(InboxMessage.producer, func.max(InboxMessage.processed_at)).group_by(InboxMessage.producer)
            )
            status.seconds_since_last_event = {p: round((now - as_utc(at)).total_seconds(), 1) for p, at in rows}
        status.database_reachable = True
    except SQLAlchemyError as error:
        status.errors.append(f"database: {error.__class__.__name__}: {str(error).splitlines()[0]}")
    finally:
        engine.dispose()


def _broker_figures(settings: Settings, status: SystemStatus) -> None:
    """Depth of the inbox queue and of the dead-letter queue."""
    names = Names(settings.namespace)
    try:
        connection = pika.BlockingConnection(pika_parameters(settings.amqp_url))
    except AMQPError as error:
        status.errors.append(f"broker: {error.__class__.__name__}")
        return
    try:
        for attribute, queue in (
            ("inbox_depth", names.inbox_queue(settings.system)),
            ("dead_letters", names.dead_letter_queue(settings.system)),
        ):
            channel = connection.channel()
            try:
                setattr(status, attribute, channel.queue_declare(queue, passive=True).method.message_count)
                channel.close()
            except AMQPError:
                status.errors.append(f"broker: queue {queue} not declared yet (has the worker run?)")
    finally:
        if connection.is_open:
            connection.close()

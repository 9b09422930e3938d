"""What an operator wants to know per system: reachable, outbox backlog, queue depth, dead letters, replica freshness."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pika
from pika.exceptions import AMQPError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from federation.broker_urls import pika_parameters
from federation.db import make_engine
from federation.runtime_models import InboxMessage, OutboxMessage
from federation.settings import Settings
from federation.topology import Names


@dataclass
class SystemStatus:
    """One system's health as seen from outside its processes."""

    system: str
    web_reachable: bool = False
    database_reachable: bool = False
    outbox_backlog: int | None = None
    oldest_unpublished_seconds: float | None = None
    inbox_depth: int | None = None
    dead_letters: int | None = None
    seconds_since_last_event: dict[str, float] = field(default_factory=dict)
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
    """Outbox backlog, age of the oldest unpublished event, and freshness of each replica source."""
    engine = make_engine(settings.database_url)
    now = datetime.now(UTC)
    try:
        with engine.connect() as connection:
            unpublished = OutboxMessage.published_at.is_(None)
            status.outbox_backlog = connection.scalar(select(func.count(OutboxMessage.seq)).where(unpublished))
            oldest = connection.scalar(select(func.min(OutboxMessage.created_at)).where(unpublished))
            if oldest is not None:
                status.oldest_unpublished_seconds = round((now - _aware(oldest)).total_seconds(), 1)
            rows = connection.execute(
                select(InboxMessage.producer, func.max(InboxMessage.processed_at)).group_by(InboxMessage.producer)
            )
            status.seconds_since_last_event = {p: round((now - _aware(at)).total_seconds(), 1) for p, at in rows}
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


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; the runtime stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

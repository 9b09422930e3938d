"""Step 2 of an event's way: publish outbox rows in order, with confirms and `mandatory`, marking them only once confirmed."""

from __future__ import annotations

import logging
import threading

import pika
from pika.exceptions import AMQPError, UnroutableError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from federation import metrics
from federation.correlation import bind_correlation_id
from federation.runtime_models import OutboxMessage, utcnow
from federation.topology import Declaration, Names, declare_with_pika
from shared_contracts import from_amqp, to_amqp

log = logging.getLogger(__name__)


class OutboxRelay:
    """Moves a system's outbox to its exchange; survives broker outages by reconnecting with backoff."""

    def __init__(
        self,
        *,
        amqp_url: str,
        names: Names,
        declaration: Declaration,
        session_factory: sessionmaker[Session],
        batch_size: int = 200,
        poll_seconds: float = 0.2,
        max_backoff_seconds: float = 30.0,
        passive_foreign: bool = False,
    ) -> None:
        self.amqp_url = amqp_url
        self.names = names
        self.declaration = declaration
        self.session_factory = session_factory
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.passive_foreign = passive_foreign
        self._connection: pika.BlockingConnection | None = None
        self._channel = None

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set: drain the outbox, wait a poll interval when it is empty, back off while the broker is away."""
        backoff = 0.5
        while not stop.is_set():
            try:
                published = self.publish_pending()
                backoff = 0.5
                if published == 0:
                    stop.wait(self.poll_seconds)
            except AMQPError as error:
                log.warning("relay: broker unavailable (%s); retrying in %.1fs", error.__class__.__name__, backoff)
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
            except Exception:
                log.exception("relay: unexpected failure; retrying in %.1fs", backoff)
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
        self.close()

    def publish_pending(self, until_empty: bool = False) -> int:
        """Publish unpublished rows in order (one batch, or all of them with `until_empty`); return how many."""
        total = 0
        while True:
            count = self._publish_batch()
            total += count
            if not until_empty or count < self.batch_size:
                return total

    def _publish_batch(self) -> int:
        """Read a batch, publish it (a confirm per message), then mark what the broker confirmed.

        No database transaction stays open while waiting for the broker, so a slow or paused broker never
        holds up the requests that write to the outbox. A crash between publishing and marking publishes
        those rows again: consumers' inboxes make that harmless.
        """
        channel = self._ensure_channel()
        with self.session_factory() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.published_at.is_(None))
                .order_by(OutboxMessage.seq)
                .limit(self.batch_size)
            ).all()
        confirmed: list[int] = []
        failure: AMQPError | None = None
        for row in rows:
            try:
                self._publish(channel, row)
            except AMQPError as error:
                failure = error
                break
            confirmed.append(row.seq)
        if confirmed:
            with self.session_factory() as session, session.begin():
                session.execute(update(OutboxMessage).where(OutboxMessage.seq.in_(confirmed)).values(published_at=utcnow()))
        if failure is not None:
            raise failure
        return len(rows)

    def _publish(self, channel, row: OutboxMessage) -> None:
        """Publish one row and wait for the broker's confirm."""
        message = to_amqp(from_amqp(row.body.encode()))
        try:
            channel.basic_publish(
                exchange=self.names.events_exchange(row.producer),
                routing_key=row.event_type,
                body=message.body,
                properties=pika.BasicProperties(**message.properties),
                mandatory=True,
            )
        except UnroutableError:
            # Confirmed by the broker but bound to no queue: every known consumer's queue was declared
            # before publishing, so no system has subscribed to this event type.
            log.info("relay: %s %s has no subscriber", row.event_type, row.event_id)
        metrics.EVENTS_PUBLISHED.labels(row.producer, row.event_type).inc()
        bind_correlation_id(row.correlation_id)
        log.info("relay: published %s %s", row.event_type, row.event_id)

    def _ensure_channel(self):
        """Connect, enable confirms and declare the topology (producer exchange and every consumer queue)."""
        if self._channel is None or not self._channel.is_open:
            self.close()
            parameters = pika.URLParameters(self.amqp_url)
            parameters.connection_attempts = 1
            parameters.socket_timeout = 5
            parameters.blocked_connection_timeout = 30
            self._connection = pika.BlockingConnection(parameters)
            channel = self._connection.channel()
            channel.confirm_delivery()
            declare_with_pika(channel, self.names, self.declaration, self.passive_foreign)
            self._channel = channel
        return self._channel

    def close(self) -> None:
        """Drop the broker connection (it is reopened on the next batch)."""
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except AMQPError:
                pass


def outbox_backlog(session: Session) -> int:
    """How many outbox rows wait for the relay."""
    return session.scalar(select(func.count(OutboxMessage.seq)).where(OutboxMessage.published_at.is_(None))) or 0


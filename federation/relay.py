"""Step 2 of an event's way: publish outbox rows in order, with confirms and `mandatory`, marking them only once confirmed.

A batch is published in one go and its confirms are awaited together (aio-pika pipelines them); waiting for
each confirm before the next publish, as pika's blocking channel does, made the relay the slowest step.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from functools import lru_cache

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from aiormq.exceptions import AMQPError
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from federation import metrics
from federation.correlation import bind_correlation_id
from federation.db import READ_ONLY, walk_the_index
from federation.outbox_watch import OutboxWatch
from federation.runtime_models import OutboxMessage, utcnow
from federation.topology import Declaration, Names, declare_with_aio_pika
from shared_contracts import from_amqp, to_amqp

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5
STOP_CHECK_SECONDS = 0.5
BROKER_ERRORS = (AMQPError, OSError, asyncio.TimeoutError)
OUTBOX = OutboxMessage.__table__
_MARK_PUBLISHED = (
    update(OUTBOX).where(OUTBOX.c.seq.in_(bindparam("seqs", expanding=True))).values(published_at=bindparam("now"))
)


class BrokerUnavailable(Exception):
    """The broker could not be reached, or the connection broke while publishing; nothing unconfirmed was marked."""


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
        poll_seconds: float = 0.5,
        max_backoff_seconds: float = 30.0,
        passive_foreign: bool = False,
        watch: OutboxWatch | None = None,
    ) -> None:
        self.amqp_url = amqp_url
        self.names = names
        self.declaration = declaration
        self.session_factory = session_factory
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.passive_foreign = passive_foreign
        self.watch = watch
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set: drain the outbox; when it is empty, wait for the watch (at most a poll interval);
        back off while the broker is away.
        """
        backoff = 0.5
        while not stop.is_set():
            try:
                published = self.publish_pending()
                backoff = 0.5
                if published < self.batch_size:  # the watch saw any commit since it last returned, this read's included
                    self._idle(stop)
            except BrokerUnavailable as error:
                log.warning("relay: broker unavailable (%s); retrying in %.1fs", error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
            except Exception:
                log.exception("relay: unexpected failure; retrying in %.1fs", backoff)
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
        self.close()

    def _idle(self, stop: threading.Event) -> None:
        """Wait until the outbox may hold something new, or a poll interval has passed."""
        if self.watch is None:
            stop.wait(self.poll_seconds)
            return
        deadline = time.monotonic() + self.poll_seconds
        while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
            if self.watch.wait(min(remaining, STOP_CHECK_SECONDS)):
                return

    def publish_pending(self, until_empty: bool = False) -> int:
        """Publish unpublished rows in order (one batch, or all of them with `until_empty`); return how many."""
        total = 0
        while True:
            count = self._call(self._publish_batch())
            total += count
            if not until_empty or count < self.batch_size:
                return total

    async def _publish_batch(self) -> int:
        """Read a batch, publish it, await its confirms, then mark the confirmed rows (the leading run, keeping the order).

        No database transaction stays open while waiting for the broker, so a slow or paused broker never
        holds up the requests that write to the outbox. A crash between publishing and marking publishes
        those rows again: consumers' inboxes make that harmless.
        """
        with self.session_factory() as session:
            connection = session.connection(
                execution_options={READ_ONLY: True}
            )  # polling never takes SQLite's write lock
            walk_the_index(connection)
            rows = connection.execute(_pending_rows(self.batch_size)).all()
        if not rows:
            return 0
        try:
            await self._ensure_channel()
            outcomes = await asyncio.gather(*(self._publish(row) for row in rows), return_exceptions=True)
        except BROKER_ERRORS as error:
            await self._drop_connection()
            raise BrokerUnavailable(f"{error.__class__.__name__}: {error}") from error
        confirmed = []
        for row, outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                break
            confirmed.append(row)
        if confirmed:
            with self.session_factory() as session, session.begin():
                session.connection().execute(_MARK_PUBLISHED, {"seqs": [row.seq for row in confirmed], "now": utcnow()})
            for row in confirmed:
                metrics.EVENTS_PUBLISHED.labels(row.producer, row.event_type).inc()
                bind_correlation_id(row.correlation_id)
                log.info("relay: published %s %s", row.event_type, row.event_id)
        if len(confirmed) < len(rows):
            failure = outcomes[len(confirmed)]
            await self._drop_connection()
            raise BrokerUnavailable(f"publish of {rows[len(confirmed)].event_id} failed: {failure!r}")
        return len(rows)

    async def _publish(self, row) -> None:
        """Publish one row and wait for the broker's confirm (a message no queue is bound to is confirmed too)."""
        message = to_amqp(from_amqp(row.body.encode()))
        properties = {**message.properties, "delivery_mode": aio_pika.DeliveryMode.PERSISTENT}
        exchange = self._exchanges[row.producer]
        await exchange.publish(aio_pika.Message(message.body, **properties), routing_key=row.event_type, mandatory=True)

    async def _ensure_channel(self) -> None:
        """Connect, enable confirms and declare the topology (producer exchange and every consumer queue)."""
        if self._channel is not None and not self._channel.is_closed:
            return
        await self._drop_connection()
        self._connection = await asyncio.wait_for(aio_pika.connect(self.amqp_url), CONNECT_TIMEOUT_SECONDS)
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=False)
        channel.return_callbacks.add(_log_unroutable)
        await declare_with_aio_pika(channel, self.names, self.declaration, self.passive_foreign)
        producer = self.declaration.owner
        self._exchanges = {producer: await channel.get_exchange(self.names.events_exchange(producer), ensure=False)}
        self._channel = channel

    async def _drop_connection(self) -> None:
        """Forget the broker connection (it is reopened on the next batch)."""
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and not connection.is_closed:
            try:
                await connection.close()
            except BROKER_ERRORS:
                pass

    def _call(self, coroutine):
        """Run a coroutine on the relay's own event-loop thread (whatever loop the calling thread may be running)."""
        if self._loop_thread is None or not self._loop_thread.is_alive():
            self._loop = asyncio.new_event_loop()
            self._loop_thread = threading.Thread(target=self._loop.run_forever, name="relay-loop", daemon=True)
            self._loop_thread.start()
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def close(self) -> None:
        """Drop the broker connection and stop the relay's event-loop thread (the next batch starts both again)."""
        if self.watch is not None:
            self.watch.close()
        if self._loop_thread is not None and self._loop_thread.is_alive():
            self._call(self._drop_connection())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(5)
            self._loop.close()
        self._loop_thread = None


@lru_cache(maxsize=8)
def _pending_rows(limit: int) -> Select:
    """The oldest unpublished rows, with the columns publishing needs (plain rows: the ORM cost more than the query)."""
    columns = (
        OUTBOX.c.seq,
        OUTBOX.c.event_id,
        OUTBOX.c.producer,
        OUTBOX.c.event_type,
        OUTBOX.c.correlation_id,
        OUTBOX.c.body,
    )
    return select(*columns).where(OUTBOX.c.published_at.is_(None)).order_by(OUTBOX.c.seq).limit(limit)


def _log_unroutable(_channel, message) -> None:
    """Every known consumer's queue was declared before publishing, so no system subscribes to this event type."""
    log.info("relay: %s %s has no subscriber", message.type, message.message_id)


def outbox_backlog(session: Session) -> int:
    """How many outbox rows wait for the relay."""
    return session.scalar(select(func.count(OutboxMessage.seq)).where(OutboxMessage.published_at.is_(None))) or 0

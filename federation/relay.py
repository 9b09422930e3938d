"""Step 2 of an event's way: publish outbox rows in order, with confirms and `mandatory`, marking them only once confirmed.

A batch is published in one go and its confirms are awaited together (aio-pika pipelines them); waiting for
each confirm before the next publish, as pika's blocking channel does, made the relay the slowest step.
Every worker process of a system runs a relay; only the one holding the system's lease publishes, the others
stand by (federation/relay_lease.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from functools import lru_cache
from typing import Any, TypeVar, cast

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange, AbstractIncomingMessage
from aiormq.exceptions import AMQPError
from opentelemetry.trace import SpanContext
from sqlalchemy import Row, Select, Table, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from federation import metrics
from federation.broker_failover import connect_first_live
from federation.correlation import bind_correlation_id
from federation.db import read_only, relay_batch_engine
from federation.outbox_parking import WAITING
from federation.outbox_watch import OutboxWatch
from federation.provenance import publishing_user
from federation.relay_lease import RelayLease
from federation.relay_refusals import PublishRefused, Refusals, refused_for_content
from federation.replica import REBUILD_HEADER
from federation.runtime_models import OutboxMessage, utcnow
from federation.topology import Declaration, Names, declare_with_aio_pika
from federation.tracing import PUBLISH, messaging_span, stored_context, trace_headers, within
from shared_contracts import stored_to_amqp

log = logging.getLogger(__name__)
Result = TypeVar("Result")

CONNECT_TIMEOUT_SECONDS = 5
STOP_CHECK_SECONDS = 0.5
BROKER_ERRORS = (AMQPError, OSError, asyncio.TimeoutError)
OUTBOX = cast(Table, OutboxMessage.__table__)
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
        max_attempts: int = 5,
        lease: RelayLease | None = None,
    ) -> None:
        """A relay of the outbox behind `session_factory` to the exchanges `declaration` names."""
        self.amqp_url = amqp_url
        self.names = names
        self.declaration = declaration
        self.session_factory = session_factory
        self.batch_size = batch_size
        self.poll_seconds = min(poll_seconds, lease.renew_seconds) if lease else poll_seconds  # idle, yet renewing
        self.max_backoff_seconds = max_backoff_seconds
        self.passive_foreign = passive_foreign
        self.watch = watch
        self.user_id = publishing_user(amqp_url)
        self.refusals = Refusals(session_factory, max_attempts)
        self._batches = relay_batch_engine(session_factory.kw["bind"])
        self.lease = lease
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set (`_relay`); stand by while another holds the lease; back off while the broker is away."""
        backoff = 0.5
        while not stop.is_set():
            try:
                self._call(self._relay(stop))
                backoff = 0.5
                if not self.holds_lease:
                    self._stand_by(stop)
            except BrokerUnavailable as error:
                log.warning("relay: broker unavailable (%s); retrying in %.1fs", error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
            except PublishRefused as refusal:
                log.warning("relay: %s; retrying in %.1fs", refusal, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
            except Exception:
                log.exception("relay: unexpected failure; retrying in %.1fs", backoff)
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff_seconds)
        self.close()

    async def _relay(self, stop: threading.Event) -> None:
        """Drain the outbox, wait for the watch (a poll interval at most), and again, until `stop` or the lease is lost.

        All on the relay's event loop: a commit's wake-up reaches the publishing code without a hop between threads
        (handing each batch from the waiting thread to the loop took up to 7 ms at p99 on a busy machine).
        """
        while not stop.is_set():
            if not (self.lease is None or self.lease.hold()):
                return
            _, read_again = await self._publish_batch()
            if not self.holds_lease:
                return
            if not read_again:  # the watch saw any commit since it last fired, this read's included
                await self._idle(stop)

    async def _idle(self, stop: threading.Event) -> None:
        """Wait until the outbox may hold something new, or a poll interval has passed (looking at `stop` meanwhile)."""
        deadline = time.monotonic() + self.poll_seconds
        while not stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
            if await self._watch_fired(min(remaining, STOP_CHECK_SECONDS)):
                return

    async def _watch_fired(self, timeout: float) -> bool:
        """Whether the watch fired within `timeout`: its descriptor awaited on this loop, else its own wait in a thread."""
        if self.watch is None:
            await asyncio.sleep(timeout)
            return False
        descriptor = self.watch.fileno()
        if descriptor is None:
            return await asyncio.to_thread(self.watch.wait, timeout)
        if self.watch.fired():
            return True
        loop = asyncio.get_running_loop()
        readable = asyncio.Event()
        loop.add_reader(descriptor, readable.set)
        try:
            await asyncio.wait_for(readable.wait(), timeout)
        except TimeoutError:
            return False
        finally:
            loop.remove_reader(descriptor)
        return self.watch.fired()

    def _stand_by(self, stop: threading.Event) -> None:
        """Another process's relay holds the lease: listen for nothing, and try to take it in a fraction of the lease."""
        assert self.lease is not None
        if self.watch is not None:
            self.watch.close()
        stop.wait(self.lease.retry_seconds)

    @property
    def holds_lease(self) -> bool:
        """Whether this relay may publish now: it holds its system's lease (or runs without one); housekeeping asks too."""
        return self.lease is None or self.lease.held

    def publish_pending(self, until_empty: bool = False, on_batch: Callable[[int], None] | None = None) -> int:
        """Publish unpublished rows in order (one batch, or all with `until_empty`); return how many.

        Only while this relay holds the lease (renewed before each batch, when due): none while another holds it.
        `on_batch` hears how many each batch published (a command's progress line).
        """
        total = 0
        while self.lease is None or self.lease.hold():
            count, read_again = self._call(self._publish_batch())
            total += count
            if on_batch is not None:
                on_batch(count)
            if not until_empty or not read_again:
                break
        return total

    async def _publish_batch(self) -> tuple[int, bool]:
        """Read a batch, publish it, await its confirms, then mark the confirmed rows (the leading run, keeping the order).

        Returns how many rows were published and whether to read again at once (a full batch, or a row parked).
        No database transaction stays open while waiting for the broker, so a slow or paused broker never
        holds up the requests that write to the outbox. A crash between publishing and marking publishes
        those rows again: consumers' inboxes make that harmless. A row refused for its content is retried and
        then parked (federation/relay_refusals.py), so the rows behind it flow on.
        """
        limit = self.refusals.batch_limit(self.batch_size)
        with read_only(self._batches).connect() as connection:  # reading never takes SQLite's write lock
            rows = connection.execute(_pending_rows(limit)).all()
        if not rows or not self.holds_lease:  # the fence: a holder that froze since hold() publishes nothing
            return 0, False
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
            with self._batches.begin() as connection:
                connection.execute(_MARK_PUBLISHED, {"seqs": [row.seq for row in confirmed], "now": utcnow()})
            _count_and_log(confirmed, outcomes)
        if len(confirmed) == len(rows):
            self.refusals.published()
            return len(rows), len(rows) == limit
        failed, failure = rows[len(confirmed)], outcomes[len(confirmed)]
        assert isinstance(failure, BaseException)  # the first unconfirmed row is the one whose publish raised
        if not refused_for_content(failure):
            await self._drop_connection()
            raise BrokerUnavailable(f"publish of {failed.event_id} failed: {failure!r}")
        self.refusals.settle(failed, failure, len(rows))  # raises PublishRefused until the row is parked
        return len(confirmed), True

    async def _publish(self, row: Row[Any]) -> SpanContext:
        """Publish one row and wait for the broker's confirm (a message no queue is bound to is confirmed too).

        Under a publish span whose parent is the context stored with the row (the transaction that wrote it, not
        whatever runs now), sent on in the `traceparent` and `tracestate` headers; returns the span's context.
        """
        message = stored_to_amqp(row.body.encode())  # the stored bytes as they are, the contract's properties
        properties = {**message.properties, "delivery_mode": aio_pika.DeliveryMode.PERSISTENT, "user_id": self.user_id}
        exchange = self._exchanges[row.producer]
        with messaging_span(
            PUBLISH,
            exchange=exchange.name,
            routing_key=row.event_type,
            message_id=row.event_id,
            correlation_id=row.correlation_id,
            parent=stored_context(row.trace_context),
            body_size=len(message.body),
        ) as span:
            properties["headers"] = {**properties["headers"], **trace_headers()}
            if row.rebuild_for:
                properties["headers"][REBUILD_HEADER] = row.rebuild_for
            await exchange.publish(
                aio_pika.Message(message.body, **properties), routing_key=row.event_type, mandatory=True
            )
        return span.get_span_context()

    async def _ensure_channel(self) -> None:
        """Connect, enable confirms and declare the topology (producer exchange and every consumer queue)."""
        if self._channel is not None and not self._channel.is_closed:
            return
        await self._drop_connection()
        self._connection = await connect_first_live(self.amqp_url, timeout=CONNECT_TIMEOUT_SECONDS, purpose="relay")
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
            with contextlib.suppress(*BROKER_ERRORS):
                await connection.close()

    def _call(self, coroutine: Coroutine[Any, Any, Result]) -> Result:
        """Run a coroutine on the relay's own event-loop thread (whatever loop the calling thread may be running)."""
        if self._loop is None or self._loop_thread is None or not self._loop_thread.is_alive():
            self._loop = asyncio.new_event_loop()
            self._loop_thread = threading.Thread(target=self._loop.run_forever, name="relay-loop", daemon=True)
            self._loop_thread.start()
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def close(self) -> None:
        """Release the lease, drop the broker connection and its own database pool, and stop its event-loop thread.

        The next batch takes the lease again, if free, and starts the rest.
        """
        if self.lease is not None:
            self.lease.release()
        if self.watch is not None:
            self.watch.close()
        if self._loop is not None and self._loop_thread is not None and self._loop_thread.is_alive():
            self._call(self._drop_connection())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(5)
            self._loop.close()
        self._loop_thread = None
        if self._batches is not self.session_factory.kw["bind"]:
            self._batches.dispose()  # its own pool (PostgreSQL)


@lru_cache(maxsize=8)
def _pending_rows(limit: int) -> Select[Any]:
    """The oldest unpublished rows, with the columns publishing needs (plain rows: the ORM cost more than the query)."""
    columns = (
        OUTBOX.c.seq,
        OUTBOX.c.event_id,
        OUTBOX.c.producer,
        OUTBOX.c.event_type,
        OUTBOX.c.correlation_id,
        OUTBOX.c.body,
        OUTBOX.c.rebuild_for,
        OUTBOX.c.trace_context,
    )
    return select(*columns).where(WAITING).order_by(OUTBOX.c.seq).limit(limit)


def _count_and_log(confirmed: list[Row[Any]], spans: list[Any]) -> None:
    """Count the published rows per event type; a line per row (at INFO, with its correlation id and trace)."""
    for (producer, event_type), count in Counter((row.producer, row.event_type) for row in confirmed).items():
        metrics.EVENTS_PUBLISHED.labels(producer, event_type).inc(count)
    if not log.isEnabledFor(logging.INFO):
        return
    for row, span in zip(confirmed, spans, strict=False):
        bind_correlation_id(row.correlation_id)
        with within(cast(SpanContext, span)):
            log.info("relay: published %s %s", row.event_type, row.event_id)


def _log_unroutable(_channel: AbstractChannel | None, message: AbstractIncomingMessage) -> None:
    """Every known consumer's queue was declared before publishing, so no system subscribes to this event type."""
    log.info("relay: %s %s has no subscriber", message.type, message.message_id)

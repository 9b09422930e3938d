"""Step 3 of an event's way: consume, validate, apply once (inbox) in one transaction, ack after commit; retry or dead-letter."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast
from uuid import UUID

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from opentelemetry.context import Context
from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import ReturningInsert

from federation import metrics
from federation.broker_failover import connect_robust
from federation.correlation import bind_correlation_id
from federation.provenance import ProducerCheck
from federation.replica import REBUILD_HEADER, dialect_insert, replacing_copies
from federation.runtime_models import InboxMessage, utcnow
from federation.topology import Names, Subscription, consumer_declaration, declare_with_aio_pika
from federation.tracing import PROCESS, context_from, messaging_span, within
from shared_contracts import ContractError, Envelope, from_amqp

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-scs-attempt"
REASON_HEADER = "x-scs-reason"
CONNECT_TIMEOUT_SECONDS = 10


class EventRejected(Exception):
    """Raised by a reactive function for an event that makes no sense to apply: dead-lettered at once, with this reason."""


EventHandler = Callable[[Session, Envelope], None]
"""A reactive function: applies one event in the consumer's transaction, never commits."""


class EventConsumer:
    """Feeds one system's inbox queue to its reactive functions; N of these on one queue are competing consumers."""

    def __init__(
        self,
        *,
        system: str,
        amqp_url: str,
        names: Names,
        handlers: Mapping[str, Sequence[EventHandler]],
        session_factory: sessionmaker[Session],
        retry_delays_ms: Sequence[int] = (1000, 5000, 30000),
        prefetch: int = 50,
        passive_foreign: bool = False,
        name: str | None = None,
    ) -> None:
        """A consumer of `system`'s inbox queue; `passive_foreign` checks other systems' exchanges, never declares them.

        `name` (default: the system's) names its queues and its inbox rows: `scs function` gives a function its own.
        """
        self.system = system
        self.name = name or system
        self.amqp_url = amqp_url
        self.names = names
        self.handlers = handlers
        self.session_factory = session_factory
        self.retry_delays_ms = list(retry_delays_ms)
        self.prefetch = prefetch
        self.passive_foreign = passive_foreign
        self.declaration = consumer_declaration(names, Subscription(self.name, sorted(handlers)), self.retry_delays_ms)
        self.producers = ProducerCheck(system, names, amqp_url)
        self._channel: aio_pika.abc.AbstractRobustChannel | None = None
        self._arrived: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self.ready = threading.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; the robust connection reconnects and re-declares after broker restarts."""
        connection = await connect_robust(
            self.amqp_url, timeout=CONNECT_TIMEOUT_SECONDS, purpose=f"consumer {self.system}"
        )
        try:
            channel = await connection.channel(publisher_confirms=True)
            self._channel = channel
            await channel.set_qos(prefetch_count=self.prefetch)
            queues = await declare_with_aio_pika(channel, self.names, self.declaration, self.passive_foreign)
            queue = queues[self.names.inbox_queue(self.name)]
            applier = asyncio.create_task(self._apply_arrivals())
            tag = await queue.consume(self.handle)
            log.info("consumer %s: consuming %s; %s", self.system, queue.name, self.producers.describe())
            self.ready.set()
            await stop.wait()
            await queue.cancel(tag)
            applier.cancel()
        finally:
            self.ready.clear()
            await connection.close()

    async def handle(self, message: AbstractIncomingMessage) -> None:
        """Hand a delivery to the applier, which takes them in delivery order."""
        self._arrived.put_nowait(message)

    async def _apply_arrivals(self) -> None:
        """Apply whatever has arrived as one batch (one transaction), again and again: one message when idle, many under load."""
        while True:
            batch = [await self._arrived.get()]
            while not self._arrived.empty() and len(batch) < self.prefetch:
                batch.append(self._arrived.get_nowait())
            try:
                await self._handle_batch(batch)
            except Exception:  # e.g. the channel closed mid-ack: the broker redelivers, the inbox dedupes
                log.exception("consumer %s: batch of %d not finished", self.system, len(batch))

    async def _handle_batch(self, messages: list[AbstractIncomingMessage]) -> None:
        """Apply the messages, then ack each; a bad message is dead-lettered, a failing one retried with backoff."""
        started = time.perf_counter()
        ready: list[tuple[AbstractIncomingMessage, Envelope]] = []
        for message in messages:
            try:
                envelope = from_amqp(message.body, _properties(message))
            except ContractError as error:
                await self._dead_letter(message, f"contract: {error}")
                continue
            refusal = self.producers.refusal(envelope, message.exchange, message.user_id)
            if refusal is not None:
                await self._dead_letter(message, f"producer: {refusal}")
                continue
            if not self.handlers.get(envelope.type):
                await self._dead_letter(
                    message, f"no handler for event type {envelope.type!r} in system {self.system!r}"
                )
                continue
            ready.append((message, envelope))
        if not ready:
            return
        envelopes = [envelope for _, envelope in ready]
        rebuild = {envelope.id for message, envelope in ready if _rebuilds(message, self.system)}
        contexts = {envelope.id: context_from(message.headers) for message, envelope in ready}
        # The transaction runs on the event loop itself: it takes milliseconds, and handing each batch to a
        # thread cost more CPU than the work and doubled the consumer's tail latency (docs/performance.md).
        outcomes = self.apply_batch(envelopes, rebuild, contexts)
        settled: list[AbstractIncomingMessage] = []  # applied, not yet acked: acked together, in one frame
        for (message, envelope), outcome in zip(ready, outcomes, strict=True):
            bind_correlation_id(envelope.correlation_id)
            if isinstance(outcome, Exception):
                await _ack_together(settled)  # every earlier delivery is settled before this one is passed on
                if isinstance(outcome, EventRejected):
                    await self._dead_letter(message, f"rejected: {outcome}")
                else:  # a failing handler must not stop the queue: retry, then dead-letter
                    log.error("consumer %s: %s %s failed: %r", self.system, envelope.type, envelope.id, outcome)
                    await self._retry_or_dead_letter(message, f"{outcome.__class__.__name__}: {outcome}")
                continue
            result = "applied" if outcome else "duplicate"
            metrics.EVENTS_CONSUMED.labels(self.system, envelope.type, result).inc()
            metrics.CONSUMER_LATENCY.labels(self.system, envelope.type).observe(time.perf_counter() - started)
            if log.isEnabledFor(logging.INFO):  # one grep of a correlation id follows it through every system
                with within(contexts[envelope.id]):  # the line carries the trace the message came with
                    log.info("consumer %s: %s %s %s", self.system, result, envelope.type, envelope.id)
            settled.append(message)
        await _ack_together(settled)

    def apply(self, envelope: Envelope) -> bool:
        """Apply one event in a transaction of its own; False if it was applied before; raises what a handler raised."""
        outcome = self.apply_batch([envelope])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def apply_batch(
        self, envelopes: list[Envelope], rebuild: Collection[UUID] = (), contexts: Mapping[UUID, Context] | None = None
    ) -> list[bool | Exception]:
        """Apply events in one transaction, or should one fail (or the commit) each in a transaction of its own.

        So a failure undoes only its own event. Events whose id is in `rebuild` replace copy rows whatever version
        they hold (`scs resync --rebuild`). Per event: True (applied), False (applied before: a duplicate) or the
        exception its handler raised. The inbox rows commit together with the effects; the caller acks only after
        this returned. (A savepoint per event did the same in one pass, but cost a third of the consumer's CPU, for
        failures that are rare.) Each event is applied under a process span, the child of its entry in `contexts`
        (the trace context its message carried).
        """
        contexts = contexts or {}
        if len(envelopes) > 1:
            try:
                with self.session_factory() as session:
                    outcomes: list[bool | Exception] = [
                        self._apply_one(session, envelope, envelope.id in rebuild, contexts.get(envelope.id))
                        for envelope in envelopes
                    ]
                    session.commit()
                return outcomes
            except Exception as error:
                log.info(
                    "consumer %s: batch of %d not applied together (%r); applying one by one",
                    self.system,
                    len(envelopes),
                    error,
                )
        return [
            self._apply_alone(envelope, envelope.id in rebuild, contexts.get(envelope.id)) for envelope in envelopes
        ]

    def _apply_alone(self, envelope: Envelope, rebuild: bool, parent: Context | None) -> bool | Exception:
        """One event in a transaction of its own, its failure (even at commit) returned rather than raised."""
        try:
            with self.session_factory() as session:
                outcome = self._apply_one(session, envelope, rebuild, parent)
                session.commit()
            return outcome
        except Exception as error:
            return error

    def _apply_one(
        self, session: Session, envelope: Envelope, rebuild: bool = False, parent: Context | None = None
    ) -> bool:
        """Inbox row and handlers of one event in the caller's transaction; False for a duplicate; raises as handlers do.

        Under the event's process span, so the events its handlers add to the outbox carry the trace on.
        """
        bind_correlation_id(envelope.correlation_id)
        with messaging_span(
            PROCESS,
            exchange=self.names.events_exchange(envelope.producer),
            routing_key=envelope.type,
            message_id=str(envelope.id),
            correlation_id=envelope.correlation_id,
            parent=parent,
            queue=self.names.inbox_queue(self.name),
        ) as span:
            if not _record_in_inbox(session, self.name, envelope):
                span.set_attribute("scs.duplicate", True)
                return False
            with replacing_copies() if rebuild else nullcontext():
                for handler in self.handlers[envelope.type]:
                    handler(session, envelope)
            session.flush()
        return True

    async def _retry_or_dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        """Send the message to the next delay queue, or to the dead letters once the attempts are used up."""
        attempt = _attempts_so_far(message.headers) + 1
        if attempt > len(self.retry_delays_ms):
            await self._dead_letter(message, f"failed {attempt} times; last error: {reason}", attempt)
            return
        metrics.EVENTS_CONSUMED.labels(self.system, message.type or "unknown", "retried").inc()
        delay = self.retry_delays_ms[attempt - 1]
        headers = {ATTEMPT_HEADER: attempt, REASON_HEADER: reason[:1000]}
        await self._republish(message, self.names.retry_exchange(self.name), f"{delay}ms", headers)
        await message.ack()

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str, attempts: int | None = None) -> None:
        """Park the message in this system's dead-letter queue with the reason in its headers, then ack it."""
        log.warning("consumer %s: dead-lettering %s: %s", self.system, message.message_id, reason)
        metrics.EVENTS_CONSUMED.labels(self.system, message.type or "unknown", "dead_lettered").inc()
        headers: dict[str, Any] = {
            REASON_HEADER: reason[:1000],
            "x-scs-dead-lettered-at": datetime.now(UTC).isoformat(),
            "x-scs-original-exchange": message.exchange or "",
            "x-scs-original-routing-key": message.routing_key or "",
        }
        if attempts is not None:
            headers[ATTEMPT_HEADER] = attempts
        await self._republish(message, self.names.dead_letter_exchange(self.name), "", headers)
        await message.ack()

    async def _republish(
        self, message: AbstractIncomingMessage, exchange_name: str, routing_key: str, headers: dict[str, Any]
    ) -> None:
        """Publish a copy of `message` with extra headers and wait for the broker's confirm (before the original is acked)."""
        assert self._channel is not None
        copy = aio_pika.Message(
            body=message.body,
            headers={**_plain_headers(message.headers), **headers},
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message.message_id or uuid.uuid4().hex,
            correlation_id=message.correlation_id,
            type=message.type,
            app_id=message.app_id,
            timestamp=message.timestamp,
        )
        exchange = await self._channel.get_exchange(exchange_name, ensure=False)
        await exchange.publish(copy, routing_key=routing_key)


def _record_in_inbox(session: Session, consumer: str, envelope: Envelope) -> bool:
    """Add the event's inbox row; False if it is there already (a duplicate), without raising and catching an error."""
    statement = _inbox_insert(session.get_bind().dialect.name)
    row = {
        "consumer": consumer,
        "event_id": str(envelope.id),
        "producer": envelope.producer,
        "event_type": envelope.type,
        "occurred_at": envelope.occurred_at,
        "processed_at": utcnow(),
    }
    return session.connection().execute(statement, row).first() is not None


@lru_cache(maxsize=4)
def _inbox_insert(dialect: str) -> ReturningInsert[Any]:
    """INSERT .. ON CONFLICT DO NOTHING RETURNING into the inbox, built once per dialect."""
    table = cast(Table, InboxMessage.__table__)
    return dialect_insert(dialect, table).on_conflict_do_nothing().returning(table.c.event_id)


async def _ack_together(messages: list[AbstractIncomingMessage]) -> None:
    """Ack these deliveries (and none other: every earlier one is settled) with one `multiple` ack of the last; empty it.

    One frame per batch instead of one per message: the per-message acks were the consumer's largest single cost.
    """
    if messages:
        await messages[-1].ack(multiple=True)
        messages.clear()


def _attempts_so_far(headers: Mapping[str, Any] | None) -> int:
    """How often the message was tried before, from its attempt header (0 when absent or not a count)."""
    value = (headers or {}).get(ATTEMPT_HEADER, 0)
    return value if isinstance(value, int) and value >= 0 else 0


def _rebuilds(message: AbstractIncomingMessage, system: str) -> bool:
    """Whether the message is part of a rebuild of `system`'s copy (`scs resync --rebuild`)."""
    value = (message.headers or {}).get(REBUILD_HEADER)
    return (value.decode(errors="replace") if isinstance(value, bytes) else value) == system


def _properties(message: AbstractIncomingMessage) -> dict[str, Any]:
    """The AMQP properties the contract checks against the body."""
    return {"message_id": message.message_id, "type": message.type}


def _plain_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Headers minus the broker's own x-death bookkeeping (it grows with every delay-queue round trip)."""
    return {
        k: v
        for k, v in (headers or {}).items()
        if k
        not in (
            "x-death",
            "x-first-death-exchange",
            "x-first-death-queue",
            "x-first-death-reason",
            "x-last-death-exchange",
            "x-last-death-queue",
            "x-last-death-reason",
            "x-delivery-count",
        )
    }

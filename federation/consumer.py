"""Step 3 of an event's way: consume, validate, apply once (inbox) in one transaction, ack after commit; retry or dead-letter."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from federation import metrics
from federation.correlation import bind_correlation_id
from federation.runtime_models import InboxMessage
from federation.topology import Names, Subscription, consumer_declaration, declare_with_aio_pika
from shared_contracts import ContractError, Envelope, from_amqp

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-scs-attempt"
REASON_HEADER = "x-scs-reason"


class EventRejected(Exception):
    """Raised by a reactive function for an event that makes no sense to apply: dead-lettered at once, with this reason."""


class EventConsumer:
    """Feeds one system's inbox queue to its reactive functions; N of these on one queue are competing consumers."""

    def __init__(
        self,
        *,
        system: str,
        amqp_url: str,
        names: Names,
        handlers: Mapping[str, Sequence],
        session_factory: sessionmaker[Session],
        retry_delays_ms: Sequence[int] = (1000, 5000, 30000),
        prefetch: int = 50,
        passive_foreign: bool = False,
    ) -> None:
        self.system = system
        self.amqp_url = amqp_url
        self.names = names
        self.handlers = handlers
        self.session_factory = session_factory
        self.retry_delays_ms = list(retry_delays_ms)
        self.prefetch = prefetch
        self.passive_foreign = passive_foreign
        self.declaration = consumer_declaration(names, Subscription(system, sorted(handlers)), self.retry_delays_ms)
        self._channel: aio_pika.abc.AbstractRobustChannel | None = None
        self._in_order = asyncio.Lock()
        self.ready = threading.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; the robust connection reconnects and re-declares after broker restarts."""
        connection = await aio_pika.connect_robust(self.amqp_url)
        try:
            channel = await connection.channel(publisher_confirms=True)
            self._channel = channel
            await channel.set_qos(prefetch_count=self.prefetch)
            queues = await declare_with_aio_pika(channel, self.names, self.declaration, self.passive_foreign)
            queue = queues[self.names.inbox_queue(self.system)]
            tag = await queue.consume(self.handle)
            log.info("consumer %s: consuming %s", self.system, queue.name)
            self.ready.set()
            await stop.wait()
            await queue.cancel(tag)
        finally:
            self.ready.clear()
            await connection.close()

    async def handle(self, message: AbstractIncomingMessage) -> None:
        """Apply messages one at a time in delivery order (prefetched ones wait their turn)."""
        async with self._in_order:
            await self._handle(message)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        """Apply one message, then ack; a bad message is dead-lettered, a failing one retried with backoff."""
        started = time.perf_counter()
        try:
            envelope = from_amqp(message.body, _properties(message))
        except ContractError as error:
            await self._dead_letter(message, f"contract: {error}")
            return
        bind_correlation_id(envelope.correlation_id)
        handlers = self.handlers.get(envelope.type)
        if not handlers:
            await self._dead_letter(message, f"no handler for event type {envelope.type!r} in system {self.system!r}")
            return
        try:
            applied = await asyncio.to_thread(self.apply, envelope)
        except EventRejected as error:
            await self._dead_letter(message, f"rejected: {error}")
            return
        except Exception as error:  # a failing handler must not stop the queue: retry, then dead-letter
            log.exception("consumer %s: %s %s failed", self.system, envelope.type, envelope.id)
            await self._retry_or_dead_letter(message, f"{error.__class__.__name__}: {error}")
            return
        outcome = "applied" if applied else "duplicate"
        metrics.EVENTS_CONSUMED.labels(self.system, envelope.type, outcome).inc()
        metrics.CONSUMER_LATENCY.labels(self.system, envelope.type).observe(time.perf_counter() - started)
        log.info("consumer %s: %s %s %s", self.system, outcome, envelope.type, envelope.id)
        await message.ack()

    def apply(self, envelope: Envelope) -> bool:
        """Record the event in the inbox and run its handlers in one transaction; False if it was applied before."""
        bind_correlation_id(envelope.correlation_id)
        with self.session_factory() as session:
            session.add(
                InboxMessage(
                    consumer=self.system,
                    event_id=str(envelope.id),
                    producer=envelope.producer,
                    event_type=envelope.type,
                    occurred_at=envelope.occurred_at,
                )
            )
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                return False
            for handler in self.handlers[envelope.type]:
                handler(session, envelope)
            session.commit()
        return True

    async def _retry_or_dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        """Send the message to the next delay queue, or to the dead letters once the attempts are used up."""
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0)) + 1
        if attempt > len(self.retry_delays_ms):
            await self._dead_letter(message, f"failed {attempt} times; last error: {reason}", attempt)
            return
        metrics.EVENTS_CONSUMED.labels(self.system, message.type or "unknown", "retried").inc()
        delay = self.retry_delays_ms[attempt - 1]
        headers = {ATTEMPT_HEADER: attempt, REASON_HEADER: reason[:1000]}
        await self._republish(message, self.names.retry_exchange(self.system), f"{delay}ms", headers)
        await message.ack()

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str, attempts: int | None = None) -> None:
        """Park the message in this system's dead-letter queue with the reason in its headers, then ack it."""
        log.warning("consumer %s: dead-lettering %s: %s", self.system, message.message_id, reason)
        metrics.EVENTS_CONSUMED.labels(self.system, message.type or "unknown", "dead_lettered").inc()
        headers = {
            REASON_HEADER: reason[:1000],
            "x-scs-dead-lettered-at": datetime.now(UTC).isoformat(),
            "x-scs-original-exchange": message.exchange or "",
            "x-scs-original-routing-key": message.routing_key or "",
        }
        if attempts is not None:
            headers[ATTEMPT_HEADER] = attempts
        await self._republish(message, self.names.dead_letter_exchange(self.system), "", headers)
        await message.ack()

    async def _republish(self, message: AbstractIncomingMessage, exchange_name: str, routing_key: str, headers: dict) -> None:
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


def _properties(message: AbstractIncomingMessage) -> dict[str, Any]:
    """The AMQP properties the contract checks against the body."""
    return {"message_id": message.message_id, "type": message.type}


def _plain_headers(headers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Headers minus the broker's own x-death bookkeeping (it grows with every delay-queue round trip)."""
    return {k: v for k, v in (headers or {}).items() if k not in ("x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason", "x-delivery-count")}

"""Test helpers for the runtime: a consumer running in a background thread, raw publishing, queue inspection."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pika
from sqlalchemy.orm import Session, sessionmaker

from federation.consumer import EventConsumer
from federation.db import make_engine, make_session_factory
from federation.housekeeping import prune
from federation.runtime_models import InboxMessage, RuntimeBase, utcnow
from federation.settings import DEFAULT_INBOX_RETENTION
from federation.topology import Names
from shared_contracts import Envelope, new_event, to_amqp
from shared_contracts.examples import example_data
from tests.conftest import TEST_RETRY_DELAYS_MS, wait_for
from tests.federation.sample_system import ProductCopy, SampleBase


@contextmanager
def sample_database(url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh database holding the sample system's and the runtime's tables."""
    engine = make_engine(url)
    SampleBase.metadata.create_all(engine)
    RuntimeBase.metadata.create_all(engine)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@contextmanager
def running_consumer(
    *, system, amqp_url: str, namespace: str, session_factory: sessionmaker[Session], passive_foreign: bool = False
) -> Iterator[EventConsumer]:
    """Run `system`'s consumer on its own event loop in a thread for the duration of the block."""
    consumer = EventConsumer(
        system=system.name,
        amqp_url=amqp_url,
        names=Names(namespace),
        handlers=system.event_handlers,
        session_factory=session_factory,
        retry_delays_ms=TEST_RETRY_DELAYS_MS,
        prefetch=20,
        passive_foreign=passive_foreign,
    )
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    def _run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(consumer.run(stop))
        except BaseException as error:  # surfaced to the test below
            failure.append(error)
            consumer.ready.set()

    thread = threading.Thread(target=_run, daemon=True)
    thread.start()
    consumer.ready.wait(15)
    if failure:
        raise failure[0]
    try:
        yield consumer
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)


def publish_raw(amqp_url: str, exchange: str, routing_key: str, body: bytes, properties: dict | None = None) -> None:
    """Publish bytes straight to an exchange, as a misbehaving or duplicating producer would."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            exchange, routing_key, body, pika.BasicProperties(**{"delivery_mode": 2, **(properties or {})})
        )
    finally:
        connection.close()


def publish_event(
    amqp_url: str, namespace: str, envelope: Envelope, user_id: str | None = None, headers: dict | None = None
) -> None:
    """Publish a real event to its producer's exchange (stamped with `user_id`, with extra `headers`, if given)."""
    message = to_amqp(envelope)
    properties = {**message.properties, "headers": {**message.properties["headers"], **(headers or {})}}
    if user_id is not None:
        properties["user_id"] = user_id
    publish_raw(
        amqp_url,
        Names(namespace).events_exchange(envelope.producer),
        message.routing_key,
        message.body,
        properties,
    )


def drain_queue(amqp_url: str, queue: str) -> list[tuple[pika.BasicProperties, bytes]]:
    """Take every message currently in `queue` (acked), with its properties."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    messages: list[tuple[pika.BasicProperties, bytes]] = []
    try:
        channel = connection.channel()
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return messages
            messages.append((properties, body))
    finally:
        connection.close()


def queue_depth(amqp_url: str, queue: str) -> int:
    """Messages ready in `queue`."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return connection.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        connection.close()


def product_event(version: int, product_id: str | None = None, name: str = "Mug", event_type="catalog.product.updated"):
    """A real catalog event for the sample system to copy."""
    product_id = product_id or str(uuid.uuid4())
    data = {**example_data(event_type), "id": product_id, "name": name}
    return new_event(event_type, data, aggregate_id=product_id, aggregate_version=version)


def copy_of(session_factory, product_id: str) -> ProductCopy | None:
    """The sample system's copy of a product."""
    with session_factory() as session:
        return session.get(ProductCopy, product_id)


def applied(session_factory, envelope) -> bool:
    """Whether the consumer has recorded this event in its inbox."""
    with session_factory() as session:
        return session.get(InboxMessage, ("sample", str(envelope.id))) is not None


def in_inbox(session_factory, consumer: str, envelope: Envelope) -> bool:
    """Whether the event is recorded as applied in `consumer`'s inbox."""
    with session_factory() as session:
        return session.get(InboxMessage, (consumer, str(envelope.id))) is not None


@dataclass
class Deliveries:
    """Events delivered through the broker to a system's running consumer, and again once their inbox rows are pruned.

    That shows a system's reactive functions are idempotent by state, not only by the inbox.
    """

    amqp_url: str
    namespace: str
    session_factory: sessionmaker[Session]
    consumer: str

    def deliver(self, *events: Envelope) -> None:
        """Publish each event and wait until the consumer applied it; fail if it was dead-lettered."""
        dead_letters = Names(self.namespace).dead_letter_queue(self.consumer)
        for envelope in events:
            publish_event(self.amqp_url, self.namespace, envelope)

            def settled(envelope: Envelope = envelope) -> bool:
                return bool(
                    in_inbox(self.session_factory, self.consumer, envelope) or queue_depth(self.amqp_url, dead_letters)
                )

            wait_for(
                settled,
                interval=0.1,
                message=f"{self.consumer} to apply {envelope.type} {envelope.id}",
            )
            reasons = [p.headers.get("x-scs-reason") for p, _ in drain_queue(self.amqp_url, dead_letters)]
            assert not reasons, f"{envelope.type} {envelope.id} was dead-lettered: {reasons}"

    def again_after_prune(self, later: Envelope, *events: Envelope) -> None:
        """Deliver `later`, prune the inbox as it will be once the retention has passed, then deliver `events` again.

        Housekeeping keeps each producer's newest inbox row, so `later` (a newer event of the same producer)
        is what lets the rows of `events` go.
        """
        self.deliver(later)
        prune(
            self.session_factory,
            system=self.consumer,
            outbox_retention=DEFAULT_INBOX_RETENTION,
            inbox_retention=DEFAULT_INBOX_RETENTION,
            now=utcnow() + DEFAULT_INBOX_RETENTION + timedelta(minutes=1),
        )
        assert not any(in_inbox(self.session_factory, self.consumer, event) for event in events)
        self.deliver(*events)


@contextmanager
def delivering_to(
    system, amqp_url: str, namespace: str, session_factory: sessionmaker[Session]
) -> Iterator[Deliveries]:
    """`system`'s consumer running, and a way to deliver events to it through the broker."""
    with running_consumer(system=system, amqp_url=amqp_url, namespace=namespace, session_factory=session_factory):
        yield Deliveries(amqp_url, namespace, session_factory, system.name)

"""AMQP names and declarations (exchanges, quorum inbox queues, delay queues, dead letters), honouring SCS_NAMESPACE."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared_contracts import PRODUCERS

DELIVERY_LIMIT = 20


@dataclass(frozen=True)
class Names:
    """Every exchange and queue name of one broker namespace."""

    namespace: str = ""

    def _prefixed(self, name: str) -> str:
        return f"{self.namespace}.{name}" if self.namespace else name

    def events_exchange(self, producer: str) -> str:
        """The topic exchange only `producer` publishes to."""
        return self._prefixed(f"{producer}.events")

    def inbox_queue(self, system: str) -> str:
        """The queue `system`'s workers consume from (competing consumers)."""
        return self._prefixed(f"{system}.inbox")

    def retry_queue(self, system: str, delay_ms: int) -> str:
        """A delay queue: messages wait `delay_ms`, then dead-letter back into the inbox queue."""
        return self._prefixed(f"{system}.retry.{delay_ms}ms")

    def dead_letter_exchange(self, system: str) -> str:
        """Where `system`'s poison messages go."""
        return self._prefixed(f"{system}.dlx")

    def dead_letter_queue(self, system: str) -> str:
        """Where `system`'s poison messages wait for an operator."""
        return self._prefixed(f"{system}.dlq")


@dataclass(frozen=True)
class Subscription:
    """One consuming system and the event types it handles."""

    system: str
    event_types: Sequence[str]


@dataclass(frozen=True)
class Declaration:
    """A list of broker objects to declare, independent of the client library."""

    exchanges: list[tuple[str, str]]
    queues: list[tuple[str, dict]]
    bindings: list[tuple[str, str, str]]


def consumer_declaration(names: Names, subscription: Subscription, retry_delays_ms: Iterable[int]) -> Declaration:
    """Everything a consuming system needs: its inbox (quorum), delay queues, dead-letter exchange and queue."""
    system = subscription.system
    inbox = names.inbox_queue(system)
    dlx = names.dead_letter_exchange(system)
    exchanges = [(dlx, "fanout")]
    queues: list[tuple[str, dict]] = [
        (
            inbox,
            {"x-queue-type": "quorum", "x-dead-letter-exchange": dlx, "x-delivery-limit": DELIVERY_LIMIT},
        ),
        (names.dead_letter_queue(system), {"x-queue-type": "quorum"}),
    ]
    bindings = [(names.dead_letter_queue(system), dlx, "")]
    for delay in retry_delays_ms:
        queues.append(
            (
                names.retry_queue(system, delay),
                {"x-message-ttl": int(delay), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": inbox},
            )
        )
    producers = sorted({event_type.split(".", 1)[0] for event_type in subscription.event_types})
    for producer in producers:
        exchanges.append((names.events_exchange(producer), "topic"))
    for event_type in subscription.event_types:
        bindings.append((inbox, names.events_exchange(event_type.split(".", 1)[0]), event_type))
    return Declaration(exchanges, queues, bindings)


def publisher_declaration(
    names: Names, producer: str, subscriptions: Iterable[Subscription], retry_delays_ms: Iterable[int]
) -> Declaration:
    """The producer's exchange plus every known consumer of it, so nothing is published into an unbound exchange."""
    declaration = Declaration([(names.events_exchange(producer), "topic")], [], [])
    delays = list(retry_delays_ms)
    for subscription in subscriptions:
        if any(t.split(".", 1)[0] == producer for t in subscription.event_types):
            part = consumer_declaration(names, subscription, delays)
            declaration.exchanges.extend(part.exchanges)
            declaration.queues.extend(part.queues)
            declaration.bindings.extend(part.bindings)
    return declaration


def declare_with_pika(channel, declaration: Declaration) -> None:
    """Declare with a pika (blocking) channel: used by the relay and the command line."""
    for exchange, kind in declaration.exchanges:
        channel.exchange_declare(exchange=exchange, exchange_type=kind, durable=True)
    for queue, arguments in declaration.queues:
        channel.queue_declare(queue=queue, durable=True, arguments=arguments)
    for queue, exchange, routing_key in declaration.bindings:
        channel.queue_bind(queue=queue, exchange=exchange, routing_key=routing_key)


async def declare_with_aio_pika(channel, declaration: Declaration) -> None:
    """Declare with an aio-pika channel: used by the consumer at start and after every reconnect."""
    for exchange, kind in declaration.exchanges:
        await channel.declare_exchange(exchange, kind, durable=True)
    for queue, arguments in declaration.queues:
        await channel.declare_queue(queue, durable=True, arguments=arguments)
    for queue, exchange, routing_key in declaration.bindings:
        bound = await channel.get_queue(queue, ensure=False)
        await bound.bind(exchange, routing_key=routing_key)


def all_names(names: Names, systems: Iterable[str], retry_delays_ms: Iterable[int]) -> tuple[list[str], list[str]]:
    """Every exchange and queue name a namespace can hold (for clean-up in tests and tools)."""
    exchanges = [names.events_exchange(p) for p in PRODUCERS]
    queues = []
    delays = list(retry_delays_ms)
    for system in systems:
        exchanges.append(names.dead_letter_exchange(system))
        queues += [names.inbox_queue(system), names.dead_letter_queue(system)]
        queues += [names.retry_queue(system, delay) for delay in delays]
    return exchanges, queues

"""AMQP names and declarations (exchanges, quorum inbox queues, delay queues, dead letters), honouring SCS_NAMESPACE.

Every object a system uses is named `<system>.<something>`, so broker permissions can be granted per system
by prefix; a system writes only to its own exchanges (never to the default exchange) and reads only its own
queues. In `passive_foreign` mode (least-privilege deployments whose broker definitions hold the topology),
other systems' objects are only checked for existence, never declared or bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aio_pika.abc import AbstractChannel, AbstractQueue
    from pika.adapters.blocking_connection import BlockingChannel

from shared_contracts import PRODUCERS

DELIVERY_LIMIT = 20


@dataclass(frozen=True)
class Names:
    """Every exchange and queue name of one broker namespace."""

    namespace: str = ""

    def _prefixed(self, name: str) -> str:
        return f"{self.namespace}.{name}" if self.namespace else name

    def owner_of(self, name: str) -> str:
        """The system an exchange or queue belongs to (the first part of its name after the namespace)."""
        bare = name[len(self.namespace) + 1 :] if self.namespace else name
        return bare.split(".", 1)[0]

    def events_exchange(self, producer: str) -> str:
        """The topic exchange only `producer` publishes to."""
        return self._prefixed(f"{producer}.events")

    def inbox_queue(self, system: str) -> str:
        """The queue `system`'s workers consume from (competing consumers)."""
        return self._prefixed(f"{system}.inbox")

    def retry_exchange(self, system: str) -> str:
        """Where a failed message is sent to wait; the routing key names the delay (`<ms>ms`)."""
        return self._prefixed(f"{system}.retry")

    def retry_queue(self, system: str, delay_ms: int) -> str:
        """A delay queue: messages wait `delay_ms`, then dead-letter into the requeue exchange."""
        return self._prefixed(f"{system}.retry.{delay_ms}ms")

    def requeue_exchange(self, system: str) -> str:
        """Leads back into the inbox queue: for retries after their delay and for replayed dead letters."""
        return self._prefixed(f"{system}.requeue")

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


@dataclass
class Declaration:
    """Broker objects to declare on behalf of `owner`, independent of the client library."""

    owner: str
    exchanges: list[tuple[str, str]] = field(default_factory=list)
    queues: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    bindings: list[tuple[str, str, str]] = field(default_factory=list)

    def extend(self, other: Declaration) -> None:
        """Add another declaration's objects (keeping this owner)."""
        self.exchanges += other.exchanges
        self.queues += other.queues
        self.bindings += other.bindings


def consumer_declaration(names: Names, subscription: Subscription, retry_delays_ms: Iterable[int]) -> Declaration:
    """Everything a consuming system needs: inbox (quorum), delay queues, requeue, dead-letter exchange and queue."""
    system = subscription.system
    inbox = names.inbox_queue(system)
    dlx, retry, requeue = (
        names.dead_letter_exchange(system),
        names.retry_exchange(system),
        names.requeue_exchange(system),
    )
    declaration = Declaration(owner=names.owner_of(inbox))  # a function's own consumer (`catalog.fn.…`) is catalog's
    declaration.exchanges += [(dlx, "fanout"), (retry, "direct"), (requeue, "fanout")]
    declaration.queues += [
        (inbox, {"x-queue-type": "quorum", "x-dead-letter-exchange": dlx, "x-delivery-limit": DELIVERY_LIMIT}),
        (names.dead_letter_queue(system), {"x-queue-type": "quorum"}),
    ]
    declaration.bindings += [(names.dead_letter_queue(system), dlx, ""), (inbox, requeue, "")]
    for delay in retry_delays_ms:
        queue = names.retry_queue(system, delay)
        declaration.queues.append((queue, _delay_queue_arguments(int(delay), requeue)))
        declaration.bindings.append((queue, retry, f"{int(delay)}ms"))
    for producer in sorted({event_type.split(".", 1)[0] for event_type in subscription.event_types}):
        declaration.exchanges.append((names.events_exchange(producer), "topic"))
    for event_type in subscription.event_types:
        declaration.bindings.append((inbox, names.events_exchange(event_type.split(".", 1)[0]), event_type))
    return declaration


def _delay_queue_arguments(delay_ms: int, requeue: str) -> dict[str, Any]:
    """A quorum queue whose messages wait `delay_ms`, then go back through `requeue`, at least once.

    Quorum, like the inbox: a classic queue lives on one node of a cluster, and while that node is down every
    declaration of it fails, which would stop the relay and the consumers. At-least-once dead-lettering (which
    needs reject-publish overflow) keeps a message that expires while the inbox is unavailable.
    """
    return {
        "x-queue-type": "quorum",
        "x-message-ttl": delay_ms,
        "x-dead-letter-exchange": requeue,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def publisher_declaration(
    names: Names, producer: str, subscriptions: Iterable[Subscription], retry_delays_ms: Iterable[int]
) -> Declaration:
    """The producer's exchange plus every known consumer of it, so nothing is published into an unbound exchange."""
    declaration = Declaration(owner=producer, exchanges=[(names.events_exchange(producer), "topic")])
    delays = list(retry_delays_ms)
    for subscription in subscriptions:
        if any(t.split(".", 1)[0] == producer for t in subscription.event_types):
            declaration.extend(consumer_declaration(names, subscription, delays))
    return declaration


def _split(
    names: Names, declaration: Declaration, passive_foreign: bool
) -> tuple[list[tuple[str, str, bool]], list[tuple[str, dict[str, Any], bool]], list[tuple[str, str, str]]]:
    """Which objects to declare, which only to check, and which bindings to make."""

    def own(name: str) -> bool:
        return not passive_foreign or names.owner_of(name) == declaration.owner

    exchanges = [(name, kind, not own(name)) for name, kind in dict(declaration.exchanges).items()]
    queues = [(name, arguments, not own(name)) for name, arguments in dict(declaration.queues).items()]
    bindings = [binding for binding in declaration.bindings if own(binding[0])]
    return exchanges, queues, bindings


def declare_with_pika(
    channel: BlockingChannel, names: Names, declaration: Declaration, passive_foreign: bool = False
) -> None:
    """Declare with a pika (blocking) channel: used by the relay and the command line."""
    exchanges, queues, bindings = _split(names, declaration, passive_foreign)
    for exchange, kind, passive in exchanges:
        channel.exchange_declare(exchange=exchange, exchange_type=kind, durable=True, passive=passive)
    for queue, arguments, passive in queues:
        channel.queue_declare(queue=queue, durable=True, arguments=None if passive else arguments, passive=passive)
    for queue, exchange, routing_key in bindings:
        channel.queue_bind(queue=queue, exchange=exchange, routing_key=routing_key)


async def declare_with_aio_pika(
    channel: AbstractChannel, names: Names, declaration: Declaration, passive_foreign: bool = False
) -> dict[str, AbstractQueue]:
    """Declare with an aio-pika channel; returns the queues by name.

    Consume from these queue objects: the robust channel re-declares them, and restores their bindings and
    consumers, after a reconnect (a queue merely looked up by name would be forgotten).
    """
    exchanges, queues, bindings = _split(names, declaration, passive_foreign)
    for exchange, kind, passive in exchanges:
        await channel.declare_exchange(exchange, kind, durable=True, passive=passive)
    declared: dict[str, AbstractQueue] = {}
    for queue, arguments, passive in queues:
        declared[queue] = await channel.declare_queue(
            queue, durable=True, arguments=None if passive else arguments, passive=passive
        )
    for queue, exchange, routing_key in bindings:
        await declared[queue].bind(exchange, routing_key=routing_key)
    return declared


def all_names(names: Names, systems: Iterable[str], retry_delays_ms: Iterable[int]) -> tuple[list[str], list[str]]:
    """Every exchange and queue name a namespace can hold (for clean-up in tests and tools)."""
    exchanges = [names.events_exchange(p) for p in PRODUCERS]
    queues = []
    delays = list(retry_delays_ms)
    for system in systems:
        exchanges += [names.dead_letter_exchange(system), names.retry_exchange(system), names.requeue_exchange(system)]
        queues += [names.inbox_queue(system), names.dead_letter_queue(system)]
        queues += [names.retry_queue(system, delay) for delay in delays]
    return exchanges, queues

"""Who published an event: the AMQP `user_id`, which RabbitMQ checks against the publishing connection.

Relays stamp `user_id` with their broker user (RabbitMQ refuses any other value), and consumers accept an event
on `<producer>.events` only from that producer's broker user, where every system has one of its own.

Broker users are named after their systems (`broker_user`): `catalog`, or `<namespace>.catalog` with SCS_NAMESPACE,
as `scs broker-definitions` creates them. A consumer whose own broker user follows that rule runs with per-system
users and checks every producer. One that connects as any other user (native mode, where every process is `guest`)
cannot tell a producer from a forger: it checks nothing, and says so when it starts.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from federation.topology import Names
from shared_contracts import Envelope


def broker_user(system: str, namespace: str = "") -> str:
    """The broker user of `system` in a deployment with one user per system."""
    return f"{namespace}.{system}" if namespace else system


def publishing_user(amqp_url: str) -> str | None:
    """The user named in the (first) broker URL, which the relay stamps as `user_id`; None if it names none.

    A URL without a user (a certificate login, say) does not tell the user the broker will see.
    """
    name = urlsplit(amqp_url.split(",", 1)[0].strip()).username
    return unquote(name) if name else None


class ProducerCheck:
    """A consumer's test of where an event comes from: its exchange and, with per-system users, its publisher."""

    def __init__(self, system: str, names: Names, amqp_url: str) -> None:
        """Check for `system`, which connects with `amqp_url`, in the namespace of `names`."""
        self.system = system
        self.names = names
        self.own_user = publishing_user(amqp_url)
        self.enforced = self.own_user == broker_user(system, names.namespace)

    def describe(self) -> str:
        """What the check does, for the consumer's first log line."""
        if self.enforced:
            example = broker_user("catalog", self.names.namespace)
            return f"events are accepted only from their producer's broker user (e.g. {example!r})"
        return (
            f"broker user {self.own_user!r} is not {broker_user(self.system, self.names.namespace)!r}, so no one-user-"
            "per-system deployment: events are NOT checked for their producer (development only)"
        )

    def refusal(self, envelope: Envelope, exchange: str | None, user_id: str | None) -> str | None:
        """Why the event must not be applied, or None.

        With per-system users, an event on `<producer>.events` must have been published by that producer's broker
        user. Retries and replays come back through this system's own requeue exchange, which only its own user
        (and an administrator) may write to.
        """
        if not self.enforced or exchange == self.names.requeue_exchange(self.system):
            return None
        expected_exchange = self.names.events_exchange(envelope.producer)
        if exchange != expected_exchange:
            return f"{envelope.type} arrived through {exchange!r}, not {expected_exchange!r}"
        expected_user = broker_user(envelope.producer, self.names.namespace)
        if user_id != expected_user:
            return f"published by broker user {user_id!r}, not by {envelope.producer}'s {expected_user!r}"
        return None

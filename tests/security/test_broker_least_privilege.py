"""Least privilege on the REAL local broker: one RabbitMQ user per system, workers only verifying the topology.

Each user has namespace-prefixed permissions from federation.broker_definitions, the topology is pre-declared from
the definitions, and the workers run in SCS_TOPOLOGY=verify mode. With per-system users, consumers accept an
event only from its producer's broker user (AMQP user_id).
"""

from __future__ import annotations

import functools
import secrets
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pika
import pytest
from pika.exceptions import ChannelClosedByBroker

from federation import outbox
from federation.broker_definitions import ADMIN_USER, definitions, permissions_for
from federation.db import make_engine, make_session_factory
from federation.dead_letters import list_dead_letters
from federation.migrations import upgrade
from federation.provenance import broker_user
from federation.relay import OutboxRelay
from federation.runtime_models import InboxMessage
from federation.settings import Settings
from federation.systems import load_system, load_systems
from federation.topology import Names, publisher_declaration
from federation.worker import subscriptions_of
from shared_contracts import new_event, to_amqp
from shared_contracts.examples import example_data
from systems.order.products_copy.models import ProductCopy
from tests.conftest import (
    TEST_RETRY_DELAYS_MS,
    Broker,
    delete_namespace,
    wait_for,
)
from tests.e2e.federation_processes import SYSTEM_NAMES, Federation
from tests.federation.harness import publish_event, running_consumer, sample_database
from tests.prerequisites import require


def declare_definitions_topology(amqp_url: str, document: dict) -> None:
    """Declare the definitions' exchanges, queues and bindings as the administrator would by loading the file."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        for exchange in document["exchanges"]:
            channel.exchange_declare(exchange["name"], exchange["type"], durable=True)
        for queue in document["queues"]:
            channel.queue_declare(queue["name"], durable=True, arguments=queue["arguments"])
        for binding in document["bindings"]:
            channel.queue_bind(binding["destination"], binding["source"], binding["routing_key"])
    finally:
        connection.close()


@pytest.fixture(scope="module")
def namespace(amqp_url: str, new_namespace) -> Iterator[str]:
    """One namespace for this module's tests (they share the broker users, whose set-up is slow); removed afterwards."""
    value = new_namespace()
    yield value
    delete_namespace(amqp_url, value)


@pytest.fixture(scope="module")
def broker_urls(broker: Broker, amqp_url: str, namespace: str) -> Iterator[dict[str, str]]:
    """Per system, the URL of a broker user of its own with the namespace's least-privilege permissions; removed afterwards."""
    rabbitmqctl = broker.rabbitmqctl
    require(rabbitmqctl is not None, "no rabbitmqctl reaches the broker to add its users")
    assert rabbitmqctl is not None
    systems = load_systems()
    passwords = {
        ADMIN_USER: secrets.token_hex(16),
        **{system.name: secrets.token_hex(16) for system in systems},
    }  # never "-..." (an option)
    declare_definitions_topology(amqp_url, definitions(systems, passwords, TEST_RETRY_DELAYS_MS, namespace=namespace))
    parts = urlsplit(amqp_url)
    urls, created = {}, []
    try:
        for system in systems:
            user = broker_user(system.name, namespace)  # the name the consumers' producer check expects
            rabbitmqctl(["--quiet", "add_user", user, passwords[system.name]])
            created.append(user)
            permissions = permissions_for(system, namespace)
            rabbitmqctl(
                [
                    "--quiet",
                    "set_permissions",
                    "-p",
                    "/",
                    user,
                    *(permissions[k] for k in ("configure", "write", "read")),
                ]
            )
            netloc = f"{user}:{passwords[system.name]}@{parts.hostname}:{parts.port or 5672}"
            urls[system.name] = urlunsplit(parts._replace(netloc=netloc))
        yield urls
    finally:
        for user in created:
            rabbitmqctl(["--quiet", "delete_user", user])


def attempt(url: str, action) -> str:
    """ALLOWED, or REFUSED <code> when the broker closes the channel."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        action(channel)
        return "ALLOWED"
    except ChannelClosedByBroker as error:
        return f"REFUSED {error.reply_code}"
    finally:
        if connection.is_open:
            connection.close()


def test_the_order_user_may_not_publish_to_the_catalogs_exchange_nor_read_its_inbox(broker_urls, namespace):
    names, order = Names(namespace), broker_urls["order"]

    def publish(exchange: str, routing_key: str = "order.smoke_test"):
        return lambda channel: channel.basic_publish(exchange, routing_key, b"{}")

    def read(queue: str):
        return lambda channel: channel.basic_get(queue, auto_ack=False)

    assert attempt(order, publish(names.events_exchange("catalog"))) == "REFUSED 403"
    assert attempt(order, read(names.inbox_queue("catalog"))) == "REFUSED 403"
    assert attempt(order, read(names.dead_letter_queue("user"))) == "REFUSED 403"
    assert (
        attempt(order, publish("", names.inbox_queue("catalog"))) == "REFUSED 403"
    )  # nor through the default exchange
    assert attempt(order, publish(names.events_exchange("order"))) == "ALLOWED"
    assert attempt(order, read(names.inbox_queue("order"))) == "ALLOWED"
    assert attempt(broker_urls["catalog"], publish(names.events_exchange("order"))) == "REFUSED 403"


def test_each_systems_worker_consumes_and_relays_with_only_its_own_rights(broker_urls, data_dir, namespace, amqp_url):
    federation = Federation(
        data_dir,
        namespace,
        amqp_url,
        extra_env={
            "SCS_TOPOLOGY": "verify",
            "SCS_RETRY_DELAYS_MS": ",".join(map(str, TEST_RETRY_DELAYS_MS)),
            **{f"SCS_{name.upper()}_AMQP_URL": url for name, url in broker_urls.items()},
        },
    )
    order_id = str(uuid.uuid4())
    try:
        for system in load_systems():
            upgrade(system, Settings.from_env(system.name, federation.env))
        for name in SYSTEM_NAMES:
            federation.start(f"{name}-worker")
        federation.scs(
            "users", "add", "ada@example.org", "--password", "least privilege!"
        )  # user's relay -> order's consumer
        for event_type in ("order.placed", "order.confirmed"):  # -> user's and catalog's consumers
            data = {**example_data(event_type), "id": order_id}
            publish_event(  # as the order system's relay would: its own user, stamped in user_id
                broker_urls["order"],
                namespace,
                new_event(
                    event_type, data, aggregate_id=order_id, aggregate_version=1 + (event_type == "order.confirmed")
                ),
                user_id=broker_user("order", namespace),
            )
        for consumer, event_type in (
            ("order", "user.registered"),
            ("user", "order.placed"),
            ("catalog", "order.confirmed"),
        ):
            wait_for(
                functools.partial(inbox_has, federation, consumer, event_type),
                timeout=30,
                message=f"{consumer} applied {event_type}",
            )
    finally:
        federation.stop_all()
    logs = "".join(federation.log(f"{name}-worker") for name in SYSTEM_NAMES)
    assert "ACCESS_REFUSED" not in logs


def inbox_has(federation: Federation, system: str, event_type: str) -> bool:
    """Whether `system`'s consumer has applied an event of `event_type`."""
    engine = make_engine(Settings.from_env(system, federation.env).database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.query(InboxMessage).filter_by(consumer=system, event_type=event_type).first() is not None
    finally:
        engine.dispose()


def test_an_event_not_published_by_its_producers_broker_user_is_dead_lettered(
    broker_urls, namespace, amqp_url, tmp_path
):
    names, order = Names(namespace), load_system("order")
    order_engine = make_engine(f"sqlite:///{tmp_path / 'order.db'}")
    upgrade(order, Settings.from_env("order", {"SCS_DATA_DIR": str(tmp_path)}), engine=order_engine)
    order_sessions = make_session_factory(order_engine)
    product = {**example_data("catalog.product.created"), "id": str(uuid.uuid4()), "price_cents": 1250}
    forged = new_event(  # the reproduction: price 1 cent, version + 1000
        "catalog.product.updated", {**product, "price_cents": 1}, aggregate_id=product["id"], aggregate_version=1001
    )
    with sample_database(f"sqlite:///{tmp_path / 'catalog.db'}") as catalog_sessions:
        with catalog_sessions() as session:
            outbox.add(session, "catalog.product.created", product, aggregate_id=product["id"], aggregate_version=1)
            session.commit()
        relay = OutboxRelay(
            amqp_url=broker_urls["catalog"],
            names=names,
            declaration=publisher_declaration(names, "catalog", subscriptions_of(load_systems()), TEST_RETRY_DELAYS_MS),
            session_factory=catalog_sessions,
            passive_foreign=True,
        )
        with running_consumer(
            system=order,
            amqp_url=broker_urls["order"],
            namespace=namespace,
            session_factory=order_sessions,
            passive_foreign=True,
        ):
            try:
                assert relay.publish_pending(until_empty=True) == 1  # stamped with catalog's user by the relay
            finally:
                relay.close()
            publish_event(amqp_url, namespace, forged)  # the broker's administrator writes into catalog.events
            wait_for(
                lambda: dead_letter_reasons(broker_urls["order"], names, forged.id), message="the forged event parked"
            )
            wait_for(lambda: price_in_copy(order_sessions, product["id"]), message="the real event applied")
    assert dead_letter_reasons(broker_urls["order"], names, forged.id) == [
        f"producer: published by broker user None, not by catalog's {broker_user('catalog', namespace)!r}"
    ]
    assert price_in_copy(order_sessions, product["id"]) == 1250
    order_engine.dispose()

    message = to_amqp(forged)  # nor can anyone but catalog's own connection claim to be catalog
    claim = pika.BasicProperties(message_id=str(forged.id), user_id=broker_user("catalog", namespace))
    assert (
        attempt(
            amqp_url,
            lambda channel: channel.basic_publish(
                names.events_exchange("catalog"), message.routing_key, message.body, claim
            ),
        )
        == "REFUSED 406"
    )


def price_in_copy(session_factory, product_id: str) -> int | None:
    """The order system's copy's price of a product, if it has one."""
    with session_factory() as session:
        copy = session.get(ProductCopy, uuid.UUID(product_id))
        return None if copy is None else copy.price_cents


def dead_letter_reasons(order_url: str, names: Names, event_id: uuid.UUID) -> list[str]:
    """The reasons of the order system's dead letters of one event (the module's tests share the namespace)."""
    return [
        letter.reason for letter in list_dead_letters(order_url, names, "order") if letter.message_id == str(event_id)
    ]

"""Poison messages through each system's real consumer and a real broker: each is dead-lettered and harms nothing.

None crashes the worker or changes the database, each lands in the dead-letter queue with a reason, and the next
valid event still applies.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import MetaData, select

from federation.consumer import REASON_HEADER
from federation.runtime_models import InboxMessage
from federation.systems import load_system
from federation.topology import Names
from shared_contracts import ContractError, Envelope, from_amqp
from tests.conftest import wait_for
from tests.federation.harness import (
    drain_queue,
    publish_raw,
    queue_depth,
    running_consumer,
)
from tests.security.conftest import SYSTEM_NAMES, migrated_app
from tests.security.poison import ALWAYS_REFUSED, Message, mutated_messages, valid_message

THROUGH_BROKER = settings(
    max_examples=30, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


def database_contents(engine) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: what must not change when a poison message passes."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for name, table in metadata.tables.items()
        }


@given(message=mutated_messages(["user.registered", "catalog.product.updated", "order.placed", "order.cancelled"]))
@settings(max_examples=300, derandomize=True, database=None, deadline=None)
def test_the_contract_refuses_bad_messages_with_a_contract_error_only(message: Message):
    try:
        envelope = from_amqp(message.body, message.properties)
    except ContractError as error:
        assert str(error)  # a reason for the dead-letter header
    else:
        assert message.mutation not in ALWAYS_REFUSED, f"the contract accepted a message with {message.mutation}"
        assert isinstance(envelope, Envelope)


@pytest.mark.parametrize("name", SYSTEM_NAMES)
def test_poison_messages_are_dead_lettered_and_change_nothing(name, data_dir, sqlite_url, amqp_url, namespace):
    system = load_system(name)
    app = migrated_app(name, data_dir, sqlite_url)
    runtime, names = app.extensions["scs"], Names(namespace)
    handled = set(system.consumed_event_types)
    dead_letters = names.dead_letter_queue(name)
    with running_consumer(
        system=system, amqp_url=amqp_url, namespace=namespace, session_factory=runtime.session_factory
    ) as consumer:
        before = database_contents(runtime.engine)
        sent: list[Message] = []

        @THROUGH_BROKER
        @given(message=mutated_messages(sorted(handled), ALWAYS_REFUSED))
        def poison_changes_nothing(message: Message) -> None:
            publish_raw(
                amqp_url,
                names.events_exchange(message.routing_key.split(".")[0]),
                message.routing_key,
                message.body,
                message.properties,
            )
            sent.append(message)
            wait_for(
                lambda: queue_depth(amqp_url, dead_letters) == len(sent), message=f"{message.mutation} dead-lettered"
            )
            assert database_contents(runtime.engine) == before, message.mutation

        poison_changes_nothing()
        assert consumer.ready.is_set()
        parked = drain_queue(amqp_url, dead_letters)
        assert len(parked) == len(sent) >= 10
        assert all(str(properties.headers[REASON_HEADER]).startswith("contract:") for properties, _ in parked)

        valid = valid_message(min(handled))
        publish_raw(
            amqp_url,
            names.events_exchange(valid.routing_key.split(".")[0]),
            valid.routing_key,
            valid.body,
            valid.properties,
        )
        event_id = str(from_amqp(valid.body).id)

        def applied() -> bool:
            with runtime.session_factory() as session:
                return session.get(InboxMessage, (name, event_id)) is not None

        wait_for(applied, message="the valid event after the poison applied")
    runtime.engine.dispose()

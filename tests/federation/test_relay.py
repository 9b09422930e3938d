"""The relay publishes outbox rows in order with confirms, and delivers what was written while the broker was away."""

from __future__ import annotations

import uuid

import pytest

from federation import outbox
from federation.outbox import outbox_backlog
from federation.relay import BrokerUnavailable, OutboxRelay
from federation.topology import Names, Subscription, publisher_declaration
from shared_contracts import from_amqp
from shared_contracts.examples import example_data
from tests.conftest import TEST_RETRY_DELAYS_MS
from tests.federation.harness import drain_queue

UNREACHABLE_BROKER = "amqp://guest:guest@127.0.0.1:1/"


def _relay(amqp_url, namespace, session_factory) -> OutboxRelay:
    names = Names(namespace)
    subscription = Subscription("sample", ["catalog.product.created", "catalog.product.updated"])
    return OutboxRelay(
        amqp_url=amqp_url,
        names=names,
        declaration=publisher_declaration(names, "catalog", [subscription], TEST_RETRY_DELAYS_MS),
        session_factory=session_factory,
        batch_size=2,
    )


def _write_versions(session_factory, product_id: str, versions: range) -> None:
    for version in versions:
        with session_factory() as session:
            data = {**example_data("catalog.product.updated"), "id": product_id, "stock": version}
            outbox.add(session, "catalog.product.updated", data, aggregate_id=product_id, aggregate_version=version)
            session.commit()


def test_rows_written_while_the_broker_is_away_are_delivered_later_in_order(session_factory, amqp_url, namespace):
    product_id = str(uuid.uuid4())
    _write_versions(session_factory, product_id, range(1, 6))

    with pytest.raises(BrokerUnavailable):
        _relay(UNREACHABLE_BROKER, namespace, session_factory).publish_pending()
    with session_factory() as session:
        assert outbox_backlog(session) == 5

    relay = _relay(amqp_url, namespace, session_factory)
    try:
        assert relay.publish_pending(until_empty=True) == 5
    finally:
        relay.close()
    with session_factory() as session:
        assert outbox_backlog(session) == 0

    delivered = drain_queue(amqp_url, Names(namespace).inbox_queue("sample"))
    envelopes = [from_amqp(body, {"message_id": props.message_id, "type": props.type}) for props, body in delivered]
    assert [e.aggregate_version for e in envelopes] == [1, 2, 3, 4, 5]
    assert {props.delivery_mode for props, _ in delivered} == {2}
    assert {props.app_id for props, _ in delivered} == {"catalog"}


def test_an_event_nobody_subscribes_to_is_confirmed_and_marked(session_factory, amqp_url, namespace):
    product = example_data("catalog.product.discontinued")
    with session_factory() as session:
        outbox.add(session, "catalog.product.discontinued", product, aggregate_id=product["id"], aggregate_version=1)
        session.commit()
    relay = _relay(amqp_url, namespace, session_factory)
    try:
        assert relay.publish_pending() == 1
    finally:
        relay.close()
    with session_factory() as session:
        assert outbox_backlog(session) == 0

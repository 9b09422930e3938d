"""The consumer applies each event once, never regresses a replica, and isolates poison messages with a reason."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from federation.db import make_engine, make_session_factory
from federation.runtime_models import InboxMessage, RuntimeBase
from federation.topology import Names
from shared_contracts import new_event, to_amqp
from shared_contracts.examples import example_data
from tests.conftest import wait_for
from tests.federation.harness import drain_queue, publish_event, publish_raw, queue_depth, running_consumer
from tests.federation.sample_system import SAMPLE, ProductCopy, SampleBase


@pytest.fixture
def session_factory(database_url):
    engine = make_engine(database_url)
    SampleBase.metadata.create_all(engine)
    RuntimeBase.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def consumer(session_factory, amqp_url, namespace):
    with running_consumer(system=SAMPLE, amqp_url=amqp_url, namespace=namespace, session_factory=session_factory) as running:
        yield running


def product_event(version: int, product_id: str | None = None, name: str = "Mug", event_type="catalog.product.updated"):
    """A real catalog event for the sample system to copy."""
    product_id = product_id or str(uuid.uuid4())
    data = {**example_data(event_type), "id": product_id, "name": name}
    return new_event(event_type, data, aggregate_id=product_id, aggregate_version=version)


def copy_of(session_factory, product_id: str) -> ProductCopy | None:
    with session_factory() as session:
        return session.get(ProductCopy, product_id)


def applied(session_factory, envelope) -> bool:
    """Has the consumer recorded this event in its inbox?"""
    with session_factory() as session:
        return session.get(InboxMessage, ("sample", str(envelope.id))) is not None


def test_a_duplicate_delivery_applies_once(consumer, session_factory, amqp_url, namespace):
    event = product_event(1)
    publish_event(amqp_url, namespace, event)
    publish_event(amqp_url, namespace, event)
    sentinel = product_event(1)
    publish_event(amqp_url, namespace, sentinel)
    wait_for(lambda: applied(session_factory, sentinel), message="the sentinel event")
    copy = copy_of(session_factory, event.aggregate_id)
    assert copy.handled_count == 1
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(InboxMessage).where(InboxMessage.event_id == str(event.id))) == 1


def test_an_older_version_never_overwrites_a_newer_one(consumer, session_factory, amqp_url, namespace):
    product_id = str(uuid.uuid4())
    newer, older = product_event(2, product_id, "new name"), product_event(1, product_id, "old name")
    publish_event(amqp_url, namespace, newer)
    publish_event(amqp_url, namespace, older)
    wait_for(lambda: applied(session_factory, older), message="the older event to be seen")
    copy = copy_of(session_factory, product_id)
    assert (copy.aggregate_version, copy.name) == (2, "new name")


def test_poison_messages_are_dead_lettered_with_a_reason_and_the_queue_keeps_flowing(
    consumer, session_factory, amqp_url, namespace
):
    names = Names(namespace)
    exchange = names.events_exchange("catalog")
    publish_raw(amqp_url, exchange, "catalog.product.updated", b"{not json")
    valid_body = to_amqp(product_event(1)).body
    publish_raw(amqp_url, exchange, "catalog.product.updated", valid_body.replace(b'"schema_version":1', b'"schema_version":9'))
    unhandled = product_event(1, event_type="catalog.product.created")
    publish_raw(amqp_url, exchange, "catalog.product.updated", to_amqp(unhandled).body.replace(b"catalog.product.created", b"catalog.product.exploded"))
    publish_event(amqp_url, namespace, product_event(1, name="reject-me"))
    publish_event(amqp_url, namespace, product_event(1, name="always-fails"))
    later = product_event(1, name="fine")
    publish_event(amqp_url, namespace, later)

    wait_for(lambda: applied(session_factory, later), message="the valid event after the poison")
    dlq = names.dead_letter_queue("sample")
    wait_for(lambda: queue_depth(amqp_url, dlq) == 5, timeout=20, message="five dead letters")
    reasons = sorted(props.headers["x-scs-reason"] for props, _ in drain_queue(amqp_url, dlq))
    assert reasons[0].startswith("contract: ") and "JSON" in reasons[0] + reasons[1] + reasons[2]
    assert any("schema_version 9 is not supported" in r for r in reasons)
    assert any("catalog.product.exploded" in r for r in reasons)
    assert any(r.startswith("rejected: the sample system refuses") for r in reasons)
    assert any(r.startswith("failed 3 times; last error: RuntimeError: this handler always fails") for r in reasons)

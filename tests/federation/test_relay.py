"""The relay publishes outbox rows in order with confirms, delivers what was written while the broker was away.

A row the client library or the contract refuses is retried a few times, then parked: the rows behind it flow on.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aiormq.exceptions import ChannelPreconditionFailed
from sqlalchemy import select

from federation import outbox
from federation.outbox import outbox_backlog
from federation.outbox_parking import count_parked, discard, parked_rows, retry
from federation.relay import BrokerUnavailable, OutboxRelay
from federation.relay_refusals import PublishRefused, Refusals, refused_for_content
from federation.runtime_models import OutboxMessage
from federation.topology import Names, Subscription, publisher_declaration
from shared_contracts import MalformedMessage, from_amqp, new_event
from shared_contracts.examples import example_data
from tests.conftest import TEST_RETRY_DELAYS_MS
from tests.federation.harness import drain_queue

UNREACHABLE_BROKER = "amqp://guest:guest@127.0.0.1:1/"


def _relay(amqp_url, namespace, session_factory, batch_size: int = 2, max_attempts: int = 5) -> OutboxRelay:
    names = Names(namespace)
    subscription = Subscription("sample", ["catalog.product.created", "catalog.product.updated"])
    return OutboxRelay(
        amqp_url=amqp_url,
        names=names,
        declaration=publisher_declaration(names, "catalog", [subscription], TEST_RETRY_DELAYS_MS),
        session_factory=session_factory,
        batch_size=batch_size,
        max_attempts=max_attempts,
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
    assert {props.user_id for props, _ in delivered} == {"guest"}  # the relay's broker user, checked by RabbitMQ


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


def _inject(session_factory, envelope=None, body: str | None = None) -> str:
    """Write an outbox row directly, past the validation of outbox.add (as an older release or a bug might have)."""
    envelope = envelope or new_event(
        "catalog.product.updated", example_data("catalog.product.updated"), aggregate_id="p", aggregate_version=1
    )
    with session_factory() as session:
        session.add(
            OutboxMessage(
                event_id=str(envelope.id),
                producer="catalog",
                event_type=envelope.type,
                aggregate_id=envelope.aggregate_id,
                correlation_id=envelope.correlation_id,
                body=body if body is not None else envelope.to_json_bytes().decode(),
            )
        )
        session.commit()
    return str(envelope.id)


def _delivered_ids(amqp_url, namespace) -> list[str]:
    return [props.message_id for props, _ in drain_queue(amqp_url, Names(namespace).inbox_queue("sample"))]


def test_a_row_stuck_behind_an_overlong_correlation_id_is_published_with_the_property_cut_by_bytes(
    session_factory, amqp_url, namespace
):
    product = example_data("catalog.product.updated")
    jammed = new_event(  # 200 characters are 400 bytes of UTF-8: AMQP's correlation_id holds 255
        "catalog.product.updated", product, aggregate_id=product["id"], aggregate_version=1, correlation_id="é" * 200
    )
    jammed_id, behind_id = _inject(session_factory, jammed), _inject(session_factory)
    relay = _relay(amqp_url, namespace, session_factory)
    try:
        assert relay.publish_pending(until_empty=True) == 2
    finally:
        relay.close()
    delivered = drain_queue(amqp_url, Names(namespace).inbox_queue("sample"))
    assert [props.message_id for props, _ in delivered] == [jammed_id, behind_id]
    properties, body = delivered[0]
    assert properties.correlation_id == "é" * 127 and len(properties.correlation_id.encode()) <= 255
    assert from_amqp(body).correlation_id == "é" * 200  # the body keeps it whole


def test_rows_the_contract_or_the_client_library_refuse_are_parked_after_their_attempts_while_the_others_flow(
    session_factory, amqp_url, namespace
):
    before_1970 = new_event(  # a negative AMQP timestamp: the client library cannot encode it
        "catalog.product.updated",
        example_data("catalog.product.updated"),
        aggregate_id="p",
        aggregate_version=1,
        occurred_at=datetime(1969, 7, 20, tzinfo=UTC),
    )
    first = _inject(session_factory)
    not_an_event = _inject(session_factory, body='{"not": "an event"}')
    second = _inject(session_factory)
    unencodable = _inject(session_factory, before_1970)
    third = _inject(session_factory)

    relay = _relay(amqp_url, namespace, session_factory, batch_size=10, max_attempts=3)
    refusals = []
    try:
        for _ in range(10):
            try:
                relay.publish_pending(until_empty=True)
                break
            except PublishRefused as refusal:
                refusals.append(str(refusal))
    finally:
        relay.close()

    assert len(refusals) == 4  # two retried attempts of each refused row; the third parks it
    assert "attempt 1 of 3" in refusals[0] and "MalformedMessage" in refusals[0]
    with session_factory() as session:
        assert outbox_backlog(session) == 0 and count_parked(session) == 2
        parked = {row.event_id: row for row in parked_rows(session)}
    assert set(parked) == {not_an_event, unencodable}
    assert parked[not_an_event].attempts == 3 and parked[not_an_event].reason.startswith("MalformedMessage: ")
    assert parked[unencodable].attempts == 3 and parked[unencodable].reason.startswith("error: ")  # struct.error
    delivered = _delivered_ids(amqp_url, namespace)
    assert set(delivered) == {first, second, third}  # rows behind a refused one went again until it was parked
    assert delivered[0] == first


def test_a_parked_row_is_retried_once_repaired_or_discarded_for_good(session_factory, amqp_url, namespace):
    broken = _inject(session_factory, body="{oops")
    doomed = _inject(session_factory, body="{oops")
    relay = _relay(amqp_url, namespace, session_factory, batch_size=10, max_attempts=1)
    try:
        relay.publish_pending(until_empty=True)
        with session_factory() as session:
            assert count_parked(session) == 2
            row = session.scalars(select(OutboxMessage).where(OutboxMessage.event_id == broken)).one()
            repaired = new_event(
                "catalog.product.updated",
                example_data("catalog.product.updated"),
                aggregate_id="p",
                aggregate_version=1,
                event_id=uuid.UUID(broken),
            )
            row.body = repaired.to_json_bytes().decode()  # what an operator (or a fixed release) would do
            session.commit()
        assert [row.event_id for row in retry(session_factory, [broken, "no-such-id"])] == [broken]
        assert relay.publish_pending(until_empty=True) == 1
        assert [row.event_id for row in discard(session_factory, [doomed])] == [doomed]
        assert relay.publish_pending(until_empty=True) == 0
    finally:
        relay.close()
    assert _delivered_ids(amqp_url, namespace) == [broken]
    with session_factory() as session:
        assert count_parked(session) == 0 and outbox_backlog(session) == 0
        assert session.scalars(select(OutboxMessage.event_id)).all() == [broken]


def test_a_broker_refusal_counts_only_for_a_row_published_alone_and_never_for_the_relays_own_user(session_factory):
    row_id = _inject(session_factory)
    with session_factory() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.event_id == row_id)).one()
    too_big = ChannelPreconditionFailed("PRECONDITION_FAILED - message size 300 is larger than configured max size 200")
    refusals = Refusals(session_factory, max_attempts=2)

    with pytest.raises(PublishRefused, match="trying .* alone"):  # the broker closed the channel on a batch of 5
        refusals.settle(row, too_big, batch_length=5)
    assert refusals.batch_limit(200) == 1
    with pytest.raises(PublishRefused, match="attempt 1 of 2"):
        refusals.settle(row, too_big, batch_length=1)
    refusals.settle(row, too_big, batch_length=1)
    with session_factory() as session:
        assert [(p.event_id, p.attempts) for p in parked_rows(session)] == [(row_id, 2)]
    assert refusals.batch_limit(200) == 200

    wrong_user = ChannelPreconditionFailed(
        "PRECONDITION_FAILED - user_id property set to 'catalog' but authenticated user was 'guest'"
    )
    assert not refused_for_content(wrong_user) and refused_for_content(MalformedMessage("bad"))

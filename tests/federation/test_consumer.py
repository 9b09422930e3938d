"""The consumer applies each event once, never regresses a replica, and isolates poison messages with a reason."""

from __future__ import annotations

import uuid

from prometheus_client import REGISTRY

from federation.replica import REBUILD_HEADER
from federation.topology import Names
from shared_contracts import to_amqp
from tests.conftest import wait_for
from tests.federation.harness import (
    applied,
    copy_of,
    drain_queue,
    product_event,
    publish_event,
    publish_raw,
    queue_depth,
)


def test_a_duplicate_delivery_applies_once(consumer, session_factory, amqp_url, namespace):
    event = product_event(1)
    seen_before = _duplicates_seen(event.type)
    publish_event(amqp_url, namespace, event)
    publish_event(amqp_url, namespace, event)
    wait_for(lambda: _duplicates_seen(event.type) == seen_before + 1, message="the second delivery seen as a duplicate")
    copy = copy_of(session_factory, event.aggregate_id)
    assert copy is not None and copy.handled_count == 1


def _duplicates_seen(event_type: str) -> float:
    """Deliveries this process's consumers dropped as already applied (the inbox knew their id)."""
    labels = {"system": "sample", "type": event_type, "outcome": "duplicate"}
    return REGISTRY.get_sample_value("scs_events_consumed_total", labels) or 0.0


def test_an_older_version_never_overwrites_a_newer_one(consumer, session_factory, amqp_url, namespace):
    product_id = str(uuid.uuid4())
    newer, older = product_event(2, product_id, "new name"), product_event(1, product_id, "old name")
    publish_event(amqp_url, namespace, newer)
    publish_event(amqp_url, namespace, older)
    wait_for(lambda: applied(session_factory, older), message="the older event to be seen")
    copy = copy_of(session_factory, product_id)
    assert copy is not None and (copy.aggregate_version, copy.name) == (2, "new name")


def test_poison_messages_are_dead_lettered_with_a_reason_and_the_queue_keeps_flowing(
    consumer, session_factory, amqp_url, namespace
):
    names = Names(namespace)
    exchange = names.events_exchange("catalog")
    publish_raw(amqp_url, exchange, "catalog.product.updated", b"{not json")
    valid_body = to_amqp(product_event(1)).body
    publish_raw(
        amqp_url, exchange, "catalog.product.updated", valid_body.replace(b'"schema_version":1', b'"schema_version":9')
    )
    unhandled = product_event(1, event_type="catalog.product.created")
    publish_raw(
        amqp_url,
        exchange,
        "catalog.product.updated",
        to_amqp(unhandled).body.replace(b"catalog.product.created", b"catalog.product.exploded"),
    )
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


def test_a_batch_applies_in_one_transaction_and_a_failure_undoes_only_itself(session_factory, amqp_url):
    from federation.consumer import EventConsumer
    from tests.federation.sample_system import SAMPLE

    consumer = EventConsumer(
        system="sample",
        amqp_url=amqp_url,
        names=Names("unused"),
        handlers=SAMPLE.event_handlers,
        session_factory=session_factory,
    )
    first, failing, second = product_event(1), product_event(1, name="always-fails"), product_event(1)
    outcomes = consumer.apply_batch([first, failing, second, first])
    assert outcomes[0] is True and outcomes[2] is True and outcomes[3] is False
    assert isinstance(outcomes[1], RuntimeError)
    copy = copy_of(session_factory, first.aggregate_id)
    assert copy is not None and copy.handled_count == 1
    assert copy_of(session_factory, second.aggregate_id) is not None
    assert copy_of(session_factory, failing.aggregate_id) is None and not applied(session_factory, failing)


def test_a_rebuild_event_for_this_system_replaces_a_copy_pinned_far_ahead(
    consumer, session_factory, amqp_url, namespace
):
    product_id = str(uuid.uuid4())
    forged = product_event(1000, product_id, "forged")  # e.g. a forged event with version + 1000
    publish_event(amqp_url, namespace, forged)
    wait_for(lambda: applied(session_factory, forged), message="the forged event")
    plain, rebuild_of_another = product_event(5, product_id, "real"), product_event(5, product_id, "real, for order")
    publish_event(amqp_url, namespace, plain)
    publish_event(amqp_url, namespace, rebuild_of_another, headers={REBUILD_HEADER: "order"})
    wait_for(lambda: applied(session_factory, rebuild_of_another), message="the other system's rebuild event")
    copy = copy_of(session_factory, product_id)
    assert copy is not None
    assert (copy.aggregate_version, copy.name) == (1000, "forged")  # pinned: plain events cannot repair it

    rebuild = product_event(5, product_id, "real, rebuilt")
    publish_event(amqp_url, namespace, rebuild, headers={REBUILD_HEADER: "sample"})
    wait_for(lambda: applied(session_factory, rebuild), message="the rebuild event")
    copy = copy_of(session_factory, product_id)
    assert copy is not None
    assert (copy.aggregate_version, copy.name) == (5, "real, rebuilt")

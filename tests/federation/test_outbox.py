"""The outbox records an event in the caller's transaction: committed with the change, gone with a rollback."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from federation import outbox
from federation.runtime_models import OutboxMessage
from shared_contracts import InvalidEventData, from_amqp
from shared_contracts.examples import example_data
from tests.federation.sample_system import Gadget


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_event_is_committed_with_the_change(session_factory):
    product = {**example_data("catalog.product.created"), "id": str(uuid.uuid4())}
    with session_factory() as session:
        session.add(Gadget(name="lamp"))
        envelope = outbox.add(
            session, "catalog.product.created", product, aggregate_id=product["id"], aggregate_version=1
        )
        session.commit()
    with session_factory() as session:
        assert _count(session, Gadget) == 1
        row = session.scalars(select(OutboxMessage)).one()
        assert row.published_at is None
        assert from_amqp(row.body.encode()) == envelope


def test_event_disappears_with_a_rollback(session_factory):
    product = example_data("catalog.product.created")
    with session_factory() as session:
        session.add(Gadget(name="lamp"))
        outbox.add(session, "catalog.product.created", product, aggregate_id=product["id"], aggregate_version=1)
        session.rollback()
    with session_factory() as session:
        assert _count(session, Gadget) == 0
        assert _count(session, OutboxMessage) == 0


def test_invalid_event_is_refused_before_anything_is_stored(session_factory):
    with session_factory() as session:
        session.add(Gadget(name="lamp"))
        with pytest.raises(InvalidEventData, match="price_cents"):
            outbox.add(
                session,
                "catalog.product.created",
                {**example_data("catalog.product.created"), "price_cents": -1},
                aggregate_id="x",
                aggregate_version=1,
            )
        session.rollback()
    with session_factory() as session:
        assert _count(session, OutboxMessage) == 0

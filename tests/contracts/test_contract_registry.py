"""The registry lists exactly the event types of the architecture, each with a producer and models."""

from __future__ import annotations

import pytest

from shared_contracts import EVENT_TYPES, PRODUCERS, UnknownEventType, event_spec
from shared_contracts.examples import EXAMPLES
from shared_contracts.registry import events_of

ARCHITECTURE_EVENTS = {
    "user.registered",
    "user.profile_updated",
    "user.deleted",
    "catalog.product.created",
    "catalog.product.updated",
    "catalog.product.discontinued",
    "catalog.stock.reserved",
    "catalog.stock.rejected",
    "catalog.product_image.uploaded",  # the catalog's own work item, consumed by itself (not yet in ARCHITECTURE §3)
    "order.placed",
    "order.confirmed",
    "order.rejected",
    "order.cancelled",
}


def test_registry_holds_the_documented_event_types() -> None:
    """Every event type named in ARCHITECTURE.md section 3 is registered, and no other."""
    assert set(EVENT_TYPES) == ARCHITECTURE_EVENTS


def test_each_event_belongs_to_the_producer_named_in_its_prefix() -> None:
    """The first dotted part of an event type is its producer."""
    assert PRODUCERS == ("user", "catalog", "order")
    for event_type, spec in EVENT_TYPES.items():
        assert spec.type == event_type
        assert spec.producer == event_type.split(".")[0]
        assert spec.latest_version == max(spec.versions) == 1


def test_events_of_lists_a_producers_types() -> None:
    """events_of returns the sorted types of one producer."""
    assert events_of("user") == ["user.deleted", "user.profile_updated", "user.registered"]
    assert sum(len(events_of(p)) for p in PRODUCERS) == len(EVENT_TYPES)
    assert events_of("nobody") == []


def test_event_spec_rejects_unknown_types() -> None:
    """An unregistered type raises UnknownEventType with the type in the reason."""
    with pytest.raises(UnknownEventType, match="user.exploded"):
        event_spec("user.exploded")


def test_every_event_version_has_an_example() -> None:
    """shared_contracts.examples covers every registered event version."""
    registered = {(t, v) for t, spec in EVENT_TYPES.items() for v in spec.versions}
    assert set(EXAMPLES) == registered

"""Registry of every event type: its producer and the data model of each schema version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from pydantic import BaseModel

from . import catalog, order, user
from .errors import UnknownEventType

PRODUCERS: tuple[str, ...] = ("user", "catalog", "order")


DataModelClass = type[BaseModel]
"""A contract's data model (aliased because EventSpec's field `type` shadows the builtin in the class body)."""


@dataclass(frozen=True)
class EventSpec:
    """One event type: who publishes it and which data model each schema version uses."""

    type: str
    producer: str
    versions: Mapping[int, DataModelClass]

    @property
    def latest_version(self) -> int:
        """The highest schema version, used by producers by default."""
        return max(self.versions)


def _build() -> dict[str, EventSpec]:
    """Collect EVENTS of each producer module, checking names and versions."""
    specs: dict[str, EventSpec] = {}
    for producer, module in (("user", user), ("catalog", catalog), ("order", order)):
        for event_type, versions in module.EVENTS.items():
            if not event_type.startswith(f"{producer}."):
                raise RuntimeError(f"{event_type!r} must start with '{producer}.'")
            if not versions or min(versions) < 1:
                raise RuntimeError(f"{event_type!r} needs schema versions >= 1")
            specs[event_type] = EventSpec(event_type, producer, MappingProxyType(dict(versions)))
    return specs


EVENT_TYPES: dict[str, EventSpec] = _build()


def event_spec(event_type: str) -> EventSpec:
    """Look up an event type, raising UnknownEventType when it is not registered."""
    spec = EVENT_TYPES.get(event_type) if isinstance(event_type, str) else None
    if spec is None:
        raise UnknownEventType(f"unknown event type {str(event_type)[:100]!r}")
    return spec


def events_of(producer: str) -> list[str]:
    """Event types published by one producer, sorted."""
    return sorted(t for t, spec in EVENT_TYPES.items() if spec.producer == producer)

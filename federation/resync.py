"""Rebuild a system's copies of a producer's data: the producer re-publishes the current state of all its entities."""

from __future__ import annotations

from contextlib import nullcontext
from typing import TextIO

from federation import outbox
from federation.db import make_engine, make_session_factory
from federation.progress import Progress
from federation.settings import Settings
from federation.systems import System, load_systems
from federation.worker import build_relay, subscriptions_of


def resync(
    target: System, producer: System, producer_settings: Settings, rebuild: bool = False, out: TextIO | None = None
) -> int:
    """Write a current-state event per entity into the producer's outbox and relay it; consumers apply them idempotently.

    The events carry the entities' current aggregate_version, so copies that are already up to date ignore
    them and empty or stale copies catch up. With `rebuild`, the events ask `target`'s consumer to replace
    each row whatever version it holds (a copy pinned ahead of its source); other consumers apply them as
    usual. Relaying them shows progress on `out` (stderr by default). Returns the number of events re-published.
    """
    consumed = {event_type.split(".", 1)[0] for event_type in target.consumed_event_types}
    if producer.name not in consumed:
        raise ValueError(f"{target.name} keeps no copy of {producer.name}'s data")
    if not producer.republishers:
        raise ValueError(f"{producer.name} cannot re-publish its state")
    engine = make_engine(producer_settings.database_url)
    session_factory = make_session_factory(engine)
    try:
        count = 0
        with session_factory() as session, outbox.rebuilding(target.name) if rebuild else nullcontext():
            for republish in producer.republishers.values():
                count += republish(session)
            session.commit()
        relay = build_relay(producer, producer_settings, session_factory, subscriptions_of(load_systems()))
        progress = Progress(f"{producer.name} relayed", count, "events", out)
        try:
            relay.publish_pending(until_empty=True, on_batch=progress.advance)
        finally:
            progress.finish()
            relay.close()
        return count
    finally:
        engine.dispose()

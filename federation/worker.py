"""A system's worker process: its consumer (aio-pika, asyncio) and its outbox relay (a thread driving its own event loop)."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from pathlib import Path

from federation.consumer import EventConsumer
from federation.db import make_engine, make_session_factory
from federation.heartbeat import HEARTBEAT_SECONDS, heartbeat_file
from federation.housekeeping import Housekeeper
from federation.outbox_watch import watch_outbox
from federation.relay import OutboxRelay
from federation.settings import Settings
from federation.systems import System, load_systems
from federation.topology import Names, Subscription, publisher_declaration

log = logging.getLogger(__name__)


def subscriptions_of(systems: list[System]) -> list[Subscription]:
    """What every known system consumes, so the relay can declare their queues before publishing."""
    return [Subscription(system.name, system.consumed_event_types) for system in systems]


def build_relay(system: System, settings: Settings, session_factory, subscriptions: list[Subscription]) -> OutboxRelay:
    """The relay of `system`'s outbox into its own exchange, woken by commits to the outbox."""
    names = Names(settings.namespace)
    return OutboxRelay(
        amqp_url=settings.amqp_url,
        names=names,
        declaration=publisher_declaration(names, system.name, subscriptions, settings.retry_delays_ms),
        session_factory=session_factory,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
        passive_foreign=settings.passive_foreign_topology,
        watch=watch_outbox(session_factory.kw["bind"]),
    )


def build_consumer(system: System, settings: Settings, session_factory) -> EventConsumer:
    """The consumer of `system`'s inbox queue."""
    return EventConsumer(
        system=system.name,
        amqp_url=settings.amqp_url,
        names=Names(settings.namespace),
        handlers=system.event_handlers,
        session_factory=session_factory,
        retry_delays_ms=settings.retry_delays_ms,
        prefetch=settings.prefetch,
        passive_foreign=settings.passive_foreign_topology,
    )


def run_worker(system: System, settings: Settings, subscriptions: list[Subscription] | None = None) -> None:
    """Run relay and consumer until SIGINT/SIGTERM, then stop both cleanly."""
    session_factory = make_session_factory(make_engine(settings.database_url))
    subscriptions = subscriptions if subscriptions is not None else subscriptions_of(load_systems())
    relay = build_relay(system, settings, session_factory, subscriptions)
    stop_relay = threading.Event()
    relay_thread = threading.Thread(target=relay.run, args=(stop_relay,), name=f"{system.name}-relay", daemon=True)
    relay_thread.start()
    housekeeper = Housekeeper(session_factory, settings)
    threading.Thread(
        target=housekeeper.run, args=(stop_relay,), name=f"{system.name}-housekeeping", daemon=True
    ).start()
    consumer = build_consumer(system, settings, session_factory) if system.event_handlers else None

    def healthy() -> bool:
        return relay_thread.is_alive() and (consumer is None or consumer.ready.is_set())

    threading.Thread(target=_beat, args=(heartbeat_file(settings), healthy, stop_relay), daemon=True).start()
    try:
        if consumer is not None:
            asyncio.run(_consume_until_signalled(consumer))
        else:
            _wait_for_signal()
    finally:
        stop_relay.set()
        relay_thread.join(timeout=10)


def _beat(path: Path, healthy, stop: threading.Event) -> None:
    """Touch `path` as soon as `healthy()` holds, then every few seconds while it does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    last = float("-inf")
    while not stop.is_set():
        if healthy() and time.monotonic() - last >= HEARTBEAT_SECONDS:
            path.touch()
            last = time.monotonic()
        stop.wait(0.2)


async def _consume_until_signalled(consumer: EventConsumer) -> None:
    """Run the consumer until the process is asked to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await consumer.run(stop)


def _wait_for_signal() -> None:
    """Block until SIGINT/SIGTERM (a system that consumes nothing still relays its outbox)."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()

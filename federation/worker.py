"""A system's worker process: its consumer (aio-pika, asyncio) and its outbox relay (a thread driving its own event loop)."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from federation.consumer import EventConsumer
from federation.db import make_engine, make_session_factory
from federation.heartbeat import HEARTBEAT_SECONDS, heartbeat_file
from federation.housekeeping import Housekeeper
from federation.outbox_watch import watch_outbox
from federation.relay import OutboxRelay
from federation.relay_lease import RelayLease
from federation.settings import Settings
from federation.systems import System, load_systems
from federation.telemetry import active, instrument_engine, start_telemetry
from federation.topology import Names, Subscription, publisher_declaration

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeaseTask:
    """Work for one process of a system, not all of them (housekeeping), done by the relay lease's holder.

    It runs every `every_seconds`, with sessions on the system's database.
    """

    every_seconds: float
    run: Callable[[sessionmaker[Session]], object]


def subscriptions_of(systems: list[System]) -> list[Subscription]:
    """What every known system consumes, so the relay can declare their queues before publishing."""
    return [Subscription(system.name, system.consumed_event_types) for system in systems]


def build_relay(
    system: System, settings: Settings, session_factory: sessionmaker[Session], subscriptions: list[Subscription]
) -> OutboxRelay:
    """The relay of `system`'s outbox into its exchange, woken by commits, publishing while it holds the lease."""
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
        max_attempts=settings.outbox_max_attempts,
        lease=RelayLease(session_factory, system.name, settings.relay_lease_seconds),
    )


def build_consumer(
    system: System, settings: Settings, session_factory: sessionmaker[Session], name: str | None = None
) -> EventConsumer:
    """The consumer of `system`'s inbox queue (or, given a `name`, of a queue and inbox of that name's own)."""
    return EventConsumer(
        system=system.name,
        amqp_url=settings.amqp_url,
        names=Names(settings.namespace),
        handlers=system.event_handlers,
        session_factory=session_factory,
        retry_delays_ms=settings.retry_delays_ms,
        prefetch=settings.prefetch,
        passive_foreign=settings.passive_foreign_topology,
        name=name,
    )


@dataclass(frozen=True)
class WorkerPart:
    """One system's share of a worker process: its consumer, relay, housekeeping and heartbeat.

    A system's worker has one part; the one-process worker one per system; `scs function` one whose system holds
    just that function and whose consumer has a queue, inbox name and heartbeat of its own (`consumer_name`).
    """

    system: System
    settings: Settings
    consumer_name: str | None = None
    heartbeat: Path | None = None


def run_worker(
    system: System,
    settings: Settings,
    subscriptions: list[Subscription] | None = None,
    lease_tasks: Sequence[LeaseTask] = (),
) -> None:
    """Run relay and consumer until SIGINT/SIGTERM, then stop both cleanly; `lease_tasks` run while the lease is held."""
    run_workers([WorkerPart(system, settings)], subscriptions, lease_tasks)


def run_workers(
    parts: Sequence[WorkerPart],
    subscriptions: list[Subscription] | None = None,
    lease_tasks: Sequence[LeaseTask] = (),
) -> None:
    """Run every part's relay and consumer in this process (consumers on one event loop) until SIGINT/SIGTERM."""
    subscriptions = subscriptions if subscriptions is not None else subscriptions_of(load_systems())
    stop_relays = threading.Event()
    relay_threads: list[threading.Thread] = []
    consumers: list[EventConsumer] = []
    try:
        for part in parts:
            relay_thread, consumer = _start_part(part, subscriptions, lease_tasks, stop_relays)
            relay_threads.append(relay_thread)
            consumers += [consumer] if consumer is not None else []
        if consumers:
            asyncio.run(_consume_until_signalled(consumers))
        else:
            _wait_for_signal()
    finally:
        stop_relays.set()
        for relay_thread in relay_threads:
            relay_thread.join(timeout=10)


def run_traced(process: str, parts: Sequence[WorkerPart]) -> None:
    """`run_workers` in a process of its own, named `process` in its traces, whose spans are sent before it ends."""
    start_telemetry(process)
    try:
        run_workers(parts)
    finally:
        active().shutdown()


def _start_part(
    part: WorkerPart, subscriptions: list[Subscription], lease_tasks: Sequence[LeaseTask], stop: threading.Event
) -> tuple[threading.Thread, EventConsumer | None]:
    """Start the part's relay, lease tasks, housekeeping and heartbeat threads; its consumer (if any) is left to run."""
    system, settings = part.system, part.settings
    engine = make_engine(settings.database_url)
    instrument_engine(engine)
    session_factory = make_session_factory(engine, settings)
    relay = build_relay(system, settings, session_factory, subscriptions)
    relay_thread = threading.Thread(target=relay.run, args=(stop,), name=f"{system.name}-relay", daemon=True)
    relay_thread.start()
    for task in lease_tasks:
        threading.Thread(target=run_while_holding, args=(relay, task, session_factory, stop), daemon=True).start()
    housekeeper = Housekeeper(session_factory, settings, may_run=lambda: relay.holds_lease)
    threading.Thread(target=housekeeper.run, args=(stop,), name=f"{system.name}-housekeeping", daemon=True).start()
    consumer = build_consumer(system, settings, session_factory, part.consumer_name) if system.event_handlers else None

    def healthy() -> bool:
        return relay_thread.is_alive() and (consumer is None or consumer.ready.is_set())

    beat = part.heartbeat or heartbeat_file(settings)
    threading.Thread(target=_beat, args=(beat, healthy, stop), daemon=True).start()
    return relay_thread, consumer


def run_while_holding(
    relay: OutboxRelay, task: LeaseTask, session_factory: sessionmaker[Session], stop: threading.Event
) -> None:
    """Run `task` every `task.every_seconds` while `relay` holds its lease, until `stop` is set; a failure waits a turn."""
    while not stop.wait(task.every_seconds):
        if relay.holds_lease:
            try:
                task.run(session_factory)
            except Exception:
                log.exception("lease task %s failed; trying again in %.0fs", task.run, task.every_seconds)


def _beat(path: Path, healthy: Callable[[], bool], stop: threading.Event) -> None:
    """Touch `path` as soon as `healthy()` holds, then every few seconds while it does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    last = float("-inf")
    while not stop.is_set():
        if healthy() and time.monotonic() - last >= HEARTBEAT_SECONDS:
            path.touch()
            last = time.monotonic()
        stop.wait(0.2)


async def _consume_until_signalled(consumers: Sequence[EventConsumer]) -> None:
    """Run the consumers side by side on this event loop until the process is asked to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await asyncio.gather(*(consumer.run(stop) for consumer in consumers))


def _wait_for_signal() -> None:
    """Block until SIGINT/SIGTERM (a system that consumes nothing still relays its outbox)."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()

"""`scs demo-data`: each system loads its own demo set through its normal publish path (the outbox), in batches.

A loader is `demo_data(session, scale)` yielding (records the batch added, records it plans in all); the runtime
commits after every batch and shows progress, then waits until the consuming systems have applied what was published.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from federation.db import make_engine, make_session_factory
from federation.progress import Progress, wait_until_applied
from federation.runtime_models import utcnow
from federation.settings import Settings
from federation.systems import DemoScale, System


class NotReadyYet(Exception):
    """A demo loader needs data that has not reached its system's copies yet (e.g. products before orders)."""


def load_demo_data(
    systems: list[System],
    wait_seconds: float,
    report: Callable[[str], None],
    scale: DemoScale | None = None,
    consumers: list[System] | None = None,
    out: TextIO | None = None,
) -> None:
    """Run every system's demo loader in order; loaders that are not ready yet are retried until `wait_seconds` pass.

    After a loader added records, wait (progress shown) until `consumers` have applied its events, giving up once
    none moved for `wait_seconds`; without `consumers` nothing is awaited.
    """
    scale = scale or DemoScale()
    pending = [system for system in systems if system.demo_data is not None]
    deadline = time.monotonic() + wait_seconds
    while pending:
        waiting = []
        for system in pending:
            started = utcnow()
            try:
                added = _load(system, scale, out)
            except NotReadyYet as reason:
                waiting.append((system, str(reason)))
                continue
            report(f"{system.name}: {added} demo record(s) added")
            if added and consumers:
                wait_until_applied(system, started, consumers, wait_seconds, report, out)
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("; ".join(f"{system.name}: {reason}" for system, reason in waiting))
        pending = [system for system, _ in waiting]
        time.sleep(1)


def _load(system: System, scale: DemoScale, out: TextIO | None) -> int:
    """One loader run in the system's own database, committed batch by batch."""
    if system.demo_data is None:
        return 0
    settings = Settings.from_env(system.name)
    engine = make_engine(settings.database_url)
    progress: Progress | None = None
    try:
        with make_session_factory(engine, settings)() as session:
            batches = system.demo_data(session, scale)
            added = 0
            for batch, planned in batches:
                session.commit()
                added += batch
                if scale.asked:
                    progress = progress or Progress(f"{system.name} loaded", planned, "records", out)
                    progress.update(added)
            if progress is not None:
                progress.finish()
            return added
    finally:
        engine.dispose()

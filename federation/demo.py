"""`scs demo-data`: each system loads its own small demo set through its normal publish path (the outbox)."""

from __future__ import annotations

import time
from collections.abc import Callable

from federation.db import make_engine, make_session_factory
from federation.settings import Settings
from federation.systems import System


class NotReadyYet(Exception):
    """A demo loader needs data that has not reached its system's copies yet (e.g. products before orders)."""


def load_demo_data(systems: list[System], wait_seconds: float, report: Callable[[str], None]) -> None:
    """Run every system's demo loader in order; loaders that are not ready yet are retried until `wait_seconds` pass."""
    pending = [system for system in systems if system.demo_data is not None]
    deadline = time.monotonic() + wait_seconds
    while pending:
        waiting = []
        for system in pending:
            try:
                report(f"{system.name}: {_load(system)} demo record(s) added")
            except NotReadyYet as reason:
                waiting.append((system, str(reason)))
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("; ".join(f"{system.name}: {reason}" for system, reason in waiting))
        pending = [system for system, _ in waiting]
        time.sleep(1)


def _load(system: System) -> int:
    """One loader run in one transaction of the system's own database."""
    if system.demo_data is None:
        return 0
    settings = Settings.from_env(system.name)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine, settings)() as session:
            added = system.demo_data(session)
            session.commit()
            return added
    finally:
        engine.dispose()

"""Progress of long commands (demo data, resync): count, rate and time left, and waiting for consumers to apply.

On a terminal one line is redrawn in place; elsewhere (logs, CI) a plain line is written every few seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from sqlalchemy import func, select

from federation.db import make_engine
from federation.runtime_models import InboxMessage, OutboxMessage
from federation.settings import Settings
from federation.systems import System

PLAIN_EVERY_SECONDS = 5.0


class Progress:
    """One counted task: `advance` it as work is done, `finish` with a summary line."""

    def __init__(self, label: str, total: int, unit: str, out: TextIO | None = None) -> None:
        """Start counting `total` `unit`s of `label` now."""
        self.label, self.total, self.unit = label, total, unit
        self.out = out or sys.stderr
        self.done = 0
        self.started = self._last_line = time.monotonic()
        self.tty = self.out.isatty()

    def advance(self, count: int) -> None:
        """`count` more are done."""
        self.update(self.done + count)

    def update(self, done: int) -> None:
        """`done` are done in all; redraw (terminal) or write a line now and then (elsewhere)."""
        self.done = done
        now = time.monotonic()
        if self.tty:
            self.out.write(f"\r{self.line()}\x1b[K")
            self.out.flush()
        elif now - self._last_line >= PLAIN_EVERY_SECONDS:
            self._last_line = now
            self.out.write(self.line() + "\n")
            self.out.flush()

    def line(self) -> str:
        """The status line, e.g. `catalog loaded: 12,000/100,000 records · 3,400/s · 26 s left`."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        left = f"{(self.total - self.done) / rate:,.0f} s left" if rate and self.done < self.total else "done"
        return f"{self.label}: {self.done:,}/{self.total:,} {self.unit} · {rate:,.0f}/s · {left}"

    def finish(self) -> float:
        """End the line; the seconds it took."""
        if self.tty:
            self.out.write("\n")
        self.out.flush()
        return time.monotonic() - self.started


def wait_until_applied(
    producer: System,
    since: datetime,
    consumers: list[System],
    stall_seconds: float,
    report: Callable[[str], None],
    out: TextIO | None = None,
) -> dict[str, tuple[int, int]]:
    """Wait until every consumer has applied the events `producer` recorded since `since`, showing progress.

    Counts the producer's outbox rows of each consumer's event types, and the consumer's inbox rows from the
    producer since then. Gives up when no consumer moved for `stall_seconds` (are the workers running?).
    Returns {consumer: (applied, expected)}.
    """
    produced = _published_types(producer, since)
    result: dict[str, tuple[int, int]] = {}
    for consumer in consumers:
        expected = sum(count for event_type, count in produced.items() if event_type in consumer.event_handlers)
        if consumer.name == producer.name or not expected:
            continue
        engine = make_engine(Settings.from_env(consumer.name).database_url)
        progress = Progress(f"{consumer.name} applied", expected, "events", out)
        applied, moved = 0, time.monotonic()
        try:
            while applied < expected and time.monotonic() - moved < stall_seconds:
                with engine.connect() as connection:
                    now = connection.scalar(
                        select(func.count()).where(
                            InboxMessage.producer == producer.name, InboxMessage.processed_at >= since
                        )
                    )
                if (now or 0) > applied:
                    applied, moved = min(now or 0, expected), time.monotonic()
                    progress.update(applied)
                if applied < expected:
                    time.sleep(0.5)
        finally:
            engine.dispose()
        seconds = progress.finish()
        result[consumer.name] = (applied, expected)
        report(f"{consumer.name} applied {applied:,} of {expected:,} event(s) from {producer.name} in {seconds:,.0f} s")
    return result


def _published_types(producer: System, since: datetime) -> dict[str, int]:
    """How many events of each type the producer recorded since `since`."""
    engine = make_engine(Settings.from_env(producer.name).database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(OutboxMessage.event_type, func.count())
                .where(OutboxMessage.created_at >= since)
                .group_by(OutboxMessage.event_type)
            ).all()
        return {event_type: count for event_type, count in rows}
    finally:
        engine.dispose()

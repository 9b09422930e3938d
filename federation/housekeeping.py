"""Bounded storage (ARCHITECTURE §4.9): published outbox rows and inbox rows are deleted once older than their retention.

Rows go in small batches, each its own short transaction with a pause after it, so a sweep never holds SQLite's
write lock (or many PostgreSQL row locks) long enough for a web request to notice; docs/housekeeping.md has the
figures. Both deletes walk an index the tables already have: the outbox's (published_at, seq) and the inbox's
(producer, processed_at), one producer at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Delete, Table, delete, func, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from federation import metrics
from federation.db import walk_the_index
from federation.runtime_models import InboxMessage, OutboxMessage, utcnow
from federation.settings import Settings, format_duration

log = logging.getLogger(__name__)

BATCH_ROWS = 200
PAUSE_SECONDS = 0.005
OUTBOX = cast(Table, OutboxMessage.__table__)
INBOX = cast(Table, InboxMessage.__table__)


@dataclass(frozen=True)
class Pruned:
    """How many rows one sweep deleted, per table."""

    outbox: int = 0
    inbox: int = 0


def prune(
    session_factory: sessionmaker[Session],
    *,
    system: str,
    outbox_retention: timedelta,
    inbox_retention: timedelta,
    now: datetime | None = None,
    batch_rows: int = BATCH_ROWS,
    pause_seconds: float = PAUSE_SECONDS,
    keep_going: Callable[[], bool] = lambda: True,
    on_batch: Callable[[int], None] = lambda deleted: None,
) -> Pruned:
    """Delete published outbox rows older than `outbox_retention` and inbox rows older than `inbox_retention`.

    The newest inbox row of each producer stays whatever its age, so `scs status` and the metrics can still
    say how long ago that producer's last event was applied. `keep_going` is asked before every batch (a
    worker that lost its relay lease, or is stopping, stops in the middle of a sweep); `on_batch` hears how
    many rows each batch deleted (`scs prune`'s progress line).
    """
    now = now or utcnow()
    outbox = _in_batches(
        session_factory,
        _outbox_batch(now - outbox_retention, batch_rows),
        batch_rows,
        pause_seconds,
        keep_going,
        on_batch,
    )
    inbox = 0
    for producer, newest in _newest_inbox_rows(session_factory):
        inbox += _in_batches(
            session_factory,
            _inbox_batch(producer, min(now - inbox_retention, newest), batch_rows),
            batch_rows,
            pause_seconds,
            keep_going,
            on_batch,
        )
    metrics.ROWS_PRUNED.labels(system, "outbox").inc(outbox)
    metrics.ROWS_PRUNED.labels(system, "inbox").inc(inbox)
    return Pruned(outbox=outbox, inbox=inbox)


def prunable(
    session_factory: sessionmaker[Session],
    *,
    outbox_retention: timedelta,
    inbox_retention: timedelta,
    now: datetime | None = None,
) -> int:
    """How many rows `prune` with these retentions would delete now (counted along the same indexes)."""
    now = now or utcnow()
    newest_rows = _newest_inbox_rows(session_factory)
    with session_factory() as session:
        outbox = session.scalar(select(func.count()).where(OUTBOX.c.published_at < now - outbox_retention))
        inbox = sum(
            session.scalar(
                select(func.count()).where(
                    INBOX.c.producer == producer, INBOX.c.processed_at < min(now - inbox_retention, newest)
                )
            )
            or 0
            for producer, newest in newest_rows
        )
    return (outbox or 0) + inbox


def prune_now(session_factory: sessionmaker[Session], settings: Settings, **options: Any) -> Pruned:
    """One sweep with the system's configured retentions."""
    return prune(
        session_factory,
        system=settings.system,
        outbox_retention=settings.outbox_retention,
        inbox_retention=settings.inbox_retention,
        **options,
    )


class Housekeeper:
    """Sweeps a system's outbox and inbox every `settings.prune_interval` while `may_run()` says so.

    The worker passes a `may_run` that is true while its process holds the system's relay lease, so one
    process per system sweeps; two sweeping at once would only delete the same rows twice over.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        *,
        may_run: Callable[[], bool] = lambda: True,
    ) -> None:
        """Sweep `settings.system`'s database through `session_factory`."""
        self.session_factory = session_factory
        self.settings = settings
        self.may_run = may_run

    def run(self, stop: threading.Event) -> None:
        """Sweep once per interval until `stop` is set; a failed sweep is logged and tried again next interval."""
        while not stop.wait(self.settings.prune_interval.total_seconds()):
            if not self.may_run():
                continue
            self.sweep(stop)

    def sweep(self, stop: threading.Event | None = None) -> Pruned | None:
        """One sweep now (None if it failed, e.g. the database was away)."""
        try:
            pruned = prune_now(
                self.session_factory,
                self.settings,
                keep_going=lambda: not (stop is not None and stop.is_set()) and self.may_run(),
            )
        except Exception:
            log.exception(
                "housekeeping: sweep of %s failed; trying again in %s",
                self.settings.system,
                self.settings.prune_interval,
            )
            return None
        if pruned.outbox or pruned.inbox:
            log.info(
                "housekeeping: deleted %d outbox row(s) published over %s ago and %d inbox row(s) over %s old",
                pruned.outbox,
                format_duration(self.settings.outbox_retention),
                pruned.inbox,
                format_duration(self.settings.inbox_retention),
            )
        return pruned


def _in_batches(
    session_factory: sessionmaker[Session],
    statement: Delete,
    batch_rows: int,
    pause_seconds: float,
    keep_going: Callable[[], bool],
    on_batch: Callable[[int], None],
) -> int:
    """Run a delete of at most `batch_rows` rows, each time in a transaction of its own, until it deletes fewer.

    After each batch it pauses as long as the batch took (at least `pause_seconds`): a writer that waited for
    the lock gets it then, even on a machine so busy that a batch takes many times its usual few milliseconds.
    """
    total = 0
    while keep_going():
        started = time.monotonic()
        with session_factory() as session, session.begin():
            connection = session.connection()
            walk_the_index(connection)
            deleted = connection.execute(statement).rowcount
        total += deleted
        on_batch(deleted)
        if deleted < batch_rows:
            break
        time.sleep(max(pause_seconds, time.monotonic() - started))
    return total


def _newest_inbox_rows(session_factory: sessionmaker[Session]) -> list[tuple[str, datetime]]:
    """Per producer in the inbox, when its newest event was applied."""
    with session_factory() as session:
        rows = session.execute(select(INBOX.c.producer, func.max(INBOX.c.processed_at)).group_by(INBOX.c.producer))
        return [(producer, _aware(newest)) for producer, newest in rows]


def _outbox_batch(cutoff: datetime, limit: int) -> Delete:
    """Up to `limit` outbox rows published before `cutoff` (unpublished and parked rows have no published_at)."""
    old = select(OUTBOX.c.seq).where(OUTBOX.c.published_at < cutoff).limit(limit)
    return delete(OUTBOX).where(OUTBOX.c.seq.in_(old.scalar_subquery()))


def _inbox_batch(producer: str, cutoff: datetime, limit: int) -> Delete:
    """Up to `limit` inbox rows of `producer`'s events applied before `cutoff`."""
    key = tuple_(INBOX.c.consumer, INBOX.c.event_id)
    old = (
        select(INBOX.c.consumer, INBOX.c.event_id)
        .where(INBOX.c.producer == producer, INBOX.c.processed_at < cutoff)
        .limit(limit)
    )
    return delete(INBOX).where(key.in_(old))


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

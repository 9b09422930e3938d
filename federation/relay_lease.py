"""One active relay per system: a lease row with an expiry and a fencing token, taken and renewed by conditional UPDATEs.

Every worker process of a system runs a relay over the same outbox; only the holder of the system's lease
publishes, the others stand by and try to take it every fifth of the lease. Two statements do it, the same
on SQLite and PostgreSQL:

    take:   UPDATE scs_relay_lease SET holder = :me, epoch = :seen + 1, ...
            WHERE name = :name AND epoch = :seen AND (holder IS NULL OR lease_until <= :now)
    renew:  UPDATE scs_relay_lease SET lease_until = :until WHERE name = :name AND holder = :me AND epoch = :mine

The holder also keeps its own deadline on the monotonic clock (the start of its last renewal plus the lease)
and publishes a batch only before it: a holder that froze (SIGSTOP, a long pause) wakes up past its deadline,
tries to renew, and learns from the changed epoch that another process took over. docs/scale-out.md says why
this and not an advisory lock, and what a failover can publish twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, or_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from federation import metrics
from federation.db import READ_ONLY
from federation.lease_state import read_lease
from federation.runtime_models import Lease, utcnow

log = logging.getLogger(__name__)


def holder_id() -> str:
    """Who holds a lease: host and process, plus a random part (a pid is reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class RelayLease:
    """This process's side of lease `name`: take it when free, renew it while held, notice when it is lost."""

    def __init__(self, session_factory: sessionmaker[Session], name: str, seconds: float) -> None:
        """A lease of `seconds` on the row `name`, not held yet (the first hold() tries to take it)."""
        self.session_factory = session_factory
        self.name = name
        self.seconds = seconds
        self.holder = holder_id()
        self.epoch: int | None = None
        self._valid_until = float("-inf")  # monotonic: the lease runs out here unless renewed
        self._renew_from = float("-inf")  # monotonic: renew at the first hold() after this
        self._standing_by_for: str | None = None  # the other holder last seen, so standing by is logged once per holder

    @property
    def retry_seconds(self) -> float:
        """How often a process that stands by tries to take the lease."""
        return self.seconds / 5

    @property
    def renew_seconds(self) -> float:
        """How often the holder renews (a third of the lease: two renewals may fail before it runs out)."""
        return self.seconds / 3

    @property
    def held(self) -> bool:
        """Whether this process holds the lease now, by its own clock (no database round trip)."""
        return self.epoch is not None and time.monotonic() < self._valid_until

    def hold(self) -> bool:
        """Hold the lease for the next while: renew it when a third of it has passed, take it when it is free.

        False while another process holds it. Call it before every batch; it reads or writes the database
        only when a renewal is due or the lease is not held.
        """
        if self.held and time.monotonic() < self._renew_from:
            return True
        started, now = time.monotonic(), utcnow()
        if self.epoch is not None:
            if self._renew(now):
                self._counted_from(started)
                return True
            log.warning("relay lease %s lost: another process took it over; standing by", self.name)
            self.epoch = None
            metrics.RELAY_LEASE_HELD.labels(self.name).set(0)
        taken = self._take(now)
        if taken is None:
            return False
        self.epoch = taken
        self._counted_from(started)
        metrics.RELAY_LEASE_HELD.labels(self.name).set(1)
        metrics.RELAY_LEASE_CHANGES.labels(self.name).inc()
        return True

    def release(self) -> None:
        """Give the lease up (on a clean stop), so a process standing by takes over at its next try."""
        if self.epoch is None:
            return
        epoch, self.epoch = self.epoch, None
        metrics.RELAY_LEASE_HELD.labels(self.name).set(0)
        mine = (Lease.name == self.name, Lease.holder == self.holder, Lease.epoch == epoch)
        try:
            with self._transaction() as connection:
                connection.execute(update(Lease).where(*mine).values(holder=None, lease_until=utcnow()))
        except SQLAlchemyError as error:
            log.warning("relay lease %s not released (%s); it runs out by itself", self.name, error.__class__.__name__)
            return
        log.info("relay lease %s released by %s", self.name, self.holder)

    def _counted_from(self, started: float) -> None:
        """The lease was taken or renewed by a statement that began at `started` (monotonic): count from then."""
        self._valid_until = started + self.seconds
        self._renew_from = started + self.renew_seconds

    def _renew(self, now: datetime) -> bool:
        """Extend the lease if it is still ours: nobody took it since (same epoch), expired or not."""
        mine = (Lease.name == self.name, Lease.holder == self.holder, Lease.epoch == self.epoch)
        with self._transaction() as connection:
            result = connection.execute(update(Lease).where(*mine).values(lease_until=self._until(now)))
        return result.rowcount == 1

    def _take(self, now: datetime) -> int | None:
        """Take the lease if nobody holds it; the new epoch, or None. Only a free lease costs a write transaction."""
        with self.session_factory() as session:
            current = read_lease(session.connection(execution_options={READ_ONLY: True}), self.name)
        if current is not None and current.active(now):
            if current.holder != self._standing_by_for:
                log.info("relay lease %s is held by %s; this relay stands by", self.name, current.holder)
                self._standing_by_for = current.holder
            return None
        values = {"holder": self.holder, "acquired_at": now, "lease_until": self._until(now)}
        try:
            with self._transaction() as connection:
                if current is None:
                    connection.execute(insert(Lease).values(name=self.name, epoch=1, **values))
                    taken = 1
                else:
                    free = or_(Lease.holder.is_(None), Lease.lease_until <= now)
                    seen = (Lease.name == self.name, Lease.epoch == current.epoch, free)
                    result = connection.execute(update(Lease).where(*seen).values(epoch=current.epoch + 1, **values))
                    if result.rowcount != 1:
                        return None  # another process took it between the read and the update
                    taken = current.epoch + 1
        except IntegrityError:
            return None  # another process inserted the first row first
        previous = f"from {current.holder}" if current is not None and current.holder else "(it was free)"
        log.info("relay lease %s taken by %s, epoch %d %s", self.name, self.holder, taken, previous)
        return taken

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A write transaction on the lease row that a process frozen in the middle of it cannot keep open for long.

        On PostgreSQL the server ends a session left idle inside a transaction for half a lease, so a holder
        frozen while renewing does not keep the row locked against its successor. (SQLite cannot do this: a
        process frozen inside any write transaction stops every writer of the file; docs/scale-out.md.)
        """
        with self.session_factory() as session, session.begin():
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                timeout_ms = int(self.seconds * 500)
                connection.exec_driver_sql(f"SET LOCAL idle_in_transaction_session_timeout = {timeout_ms}")
            yield connection

    def _until(self, now: datetime) -> datetime:
        """When a lease taken or renewed at `now` runs out."""
        return now + timedelta(seconds=self.seconds)

"""A relay lease as stored, read without taking it: for status pages and metrics (federation/relay_lease.py takes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from federation.runtime_models import Lease, as_utc


@dataclass(frozen=True)
class LeaseState:
    """A lease row as stored: who took it, when, with which epoch, and until when it runs."""

    holder: str | None
    epoch: int
    acquired_at: datetime
    lease_until: datetime

    def active(self, now: datetime) -> bool:
        """Whether someone holds the lease at `now`."""
        return self.holder is not None and self.lease_until > now


def read_lease(connection: Connection, name: str) -> LeaseState | None:
    """The stored state of lease `name` (None before anyone ever took it)."""
    row = connection.execute(
        select(Lease.holder, Lease.epoch, Lease.acquired_at, Lease.lease_until).where(Lease.name == name)
    ).first()
    if row is None:
        return None
    return LeaseState(row.holder, row.epoch, as_utc(row.acquired_at), as_utc(row.lease_until))

"""Throttling by counting recent rows: when a key has used up its attempts in the window, it waits until one leaves."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from systems.user.base import as_utc, utcnow

WINDOW = timedelta(minutes=15)


class Throttled(Exception):
    """Too many recent attempts; try again after `minutes`."""

    def __init__(self, minutes: int) -> None:
        """Say how long to wait."""
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(f"Too many attempts, try again in {minutes} {unit}.")
        self.minutes = minutes


def refuse_if_used_up(
    session: Session, at: InstrumentedAttribute[datetime], where: list[ColumnElement[bool]], limit: int
) -> None:
    """Raise Throttled when `limit` rows matching `where` fall into the window (their time column is `at`)."""
    now = utcnow()
    recent = session.scalars(select(at).where(*where, at > now - WINDOW).order_by(at.desc()).limit(limit)).all()
    if len(recent) >= limit:
        raise Throttled(_minutes_until(as_utc(recent[-1]) + WINDOW, now))


def _minutes_until(moment: datetime, now: datetime) -> int:
    """Whole minutes from now until `moment`, at least one."""
    return max(1, math.ceil((moment - now).total_seconds() / 60))

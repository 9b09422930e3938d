"""Parked outbox rows: rows the relay parked after their content was refused (federation/relay_refusals.py).

They stay out of the others' way until an operator lists, retries or discards them with `scs outbox`; the web's
readiness and the metrics read them here too (this module needs no broker client).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from federation.outbox_watch import announce
from federation.runtime_models import OutboxMessage, as_utc
from federation.settings import Settings

WAITING: ColumnElement[bool] = and_(OutboxMessage.published_at.is_(None), OutboxMessage.parked_at.is_(None))
PARKED: ColumnElement[bool] = and_(OutboxMessage.published_at.is_(None), OutboxMessage.parked_at.is_not(None))


@dataclass(frozen=True)
class ParkedRow:
    """One parked outbox row, as an operator needs to see it."""

    event_id: str
    event_type: str
    aggregate_id: str
    attempts: int
    parked_at: str
    reason: str


def parked_rows(session: Session, limit: int | None = None) -> list[ParkedRow]:
    """The parked rows, oldest first (at most `limit`)."""
    query = select(OutboxMessage).where(PARKED).order_by(OutboxMessage.seq).limit(limit)
    return [_describe_row(message) for message in session.scalars(query)]


def count_parked(session: Session) -> int:
    """How many rows are parked."""
    return session.scalar(select(func.count(OutboxMessage.seq)).where(PARKED)) or 0


def retry(session_factory: sessionmaker[Session], event_ids: Iterable[str] | None = None) -> list[ParkedRow]:
    """Put the given parked rows (all when None) back in line with a fresh set of attempts; the rows put back."""
    with session_factory() as session, session.begin():
        messages = _parked(session, event_ids)
        described = [_describe_row(message) for message in messages]
        if messages:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.seq.in_([message.seq for message in messages]))
                .values(parked_at=None, attempts=0)
            )
            announce(session)
    return described


def discard(session_factory: sessionmaker[Session], event_ids: Iterable[str]) -> list[ParkedRow]:
    """Delete the given parked rows for good (their events are never published); the rows deleted."""
    with session_factory() as session, session.begin():
        messages = _parked(session, event_ids)
        described = [_describe_row(message) for message in messages]
        if messages:
            session.execute(delete(OutboxMessage).where(OutboxMessage.seq.in_([message.seq for message in messages])))
    return described


def outbox_warning(session: Session, settings: Settings) -> str | None:
    """What an operator must look at though the system stays ready: parked rows (the rows behind them flow on)."""
    parked = count_parked(session)
    return f"{parked} outbox row(s) parked; see `scs outbox list {settings.system}`" if parked else None


def outbox_problem(session: Session, settings: Settings) -> str | None:
    """Why the outbox makes the system unready, if it does: too long a backlog, or a relay that is stuck."""
    backlog = session.scalar(select(func.count(OutboxMessage.seq)).where(WAITING)) or 0
    if backlog >= settings.ready_max_outbox_backlog:
        return f"{backlog} outbox rows wait (SCS_READY_MAX_OUTBOX_BACKLOG is {settings.ready_max_outbox_backlog})"
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(WAITING))
    if oldest is not None:
        waited = (datetime.now(UTC) - as_utc(oldest)).total_seconds()
        if waited > settings.ready_max_outbox_age_seconds:
            return (
                f"the oldest unpublished event has waited {waited:.0f} s (SCS_READY_MAX_OUTBOX_AGE_SECONDS is "
                f"{settings.ready_max_outbox_age_seconds:g}): is the worker's relay running?"
            )
    return None


def _parked(session: Session, event_ids: Iterable[str] | None) -> list[OutboxMessage]:
    """The parked rows with these event ids (all parked rows when None)."""
    query = select(OutboxMessage).where(PARKED).order_by(OutboxMessage.seq)
    if event_ids is not None:
        query = query.where(OutboxMessage.event_id.in_(list(event_ids)))
    return list(session.scalars(query))


def _describe_row(message: OutboxMessage) -> ParkedRow:
    """The operator's view of one parked row."""
    return ParkedRow(
        event_id=message.event_id,
        event_type=message.event_type,
        aggregate_id=message.aggregate_id,
        attempts=message.attempts,
        parked_at=as_utc(message.parked_at).isoformat() if message.parked_at else "",
        reason=message.last_error or "",
    )

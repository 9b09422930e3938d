"""Outbox rows refused for their content: retried a few times, then parked with their error, out of the others' way.

Operators list, retry or discard parked rows with `scs outbox`. A refusal for content is told apart from a broker
that is away: the client library raising while it encodes one message (a property it cannot encode), the contract
refusing the stored body, or the broker closing the channel with PRECONDITION_FAILED for a message published alone.
An unreachable broker, a dropped connection and a refusal of the relay's own identity count no attempt: they
concern every row alike, and the relay just waits for the broker.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiormq.exceptions import ChannelPreconditionFailed
from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from federation.outbox_watch import announce
from federation.runtime_models import OutboxMessage, utcnow
from federation.settings import Settings
from shared_contracts import ContractError

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000
CLIENT_REFUSALS = (ContractError, TypeError, ValueError, OverflowError, struct.error)
WAITING: ColumnElement[bool] = and_(OutboxMessage.published_at.is_(None), OutboxMessage.parked_at.is_(None))
PARKED: ColumnElement[bool] = and_(OutboxMessage.published_at.is_(None), OutboxMessage.parked_at.is_not(None))


class PublishRefused(Exception):
    """A row was refused for its content and has attempts left: the relay tries again after a pause."""


def refused_for_content(error: BaseException) -> bool:
    """Whether `error` refuses one message for what it holds (rather than tells of a broker that is away)."""
    if isinstance(error, ChannelPreconditionFailed):
        # "user_id property set to 'x' but authenticated user was 'y'" concerns the relay's identity, not the row
        return "user_id" not in str(error)
    return isinstance(error, CLIENT_REFUSALS)


def describe(error: BaseException) -> str:
    """One bounded line naming the error, for the row's `last_error` and the operator's listing."""
    return " ".join(f"{type(error).__name__}: {error}".split())[:MAX_ERROR_CHARS]


class Refusals:
    """What the relay does with a row refused for its content: count the attempt, pause, park once they are used up."""

    def __init__(self, session_factory: sessionmaker[Session], max_attempts: int) -> None:
        """Count in the outbox of `session_factory`; park a row at its `max_attempts`-th refusal."""
        self.session_factory = session_factory
        self.max_attempts = max_attempts
        self.isolate = False

    def batch_limit(self, batch_size: int) -> int:
        """How many rows the next batch reads: one while finding out which row the broker refused."""
        return 1 if self.isolate else batch_size

    def published(self) -> None:
        """A batch went through: back to full batches."""
        self.isolate = False

    def settle(self, row: Any, error: BaseException, batch_length: int) -> None:
        """Count the refused attempt of `row` and park it once its attempts are used up; raise PublishRefused before.

        The broker closes the channel when it refuses a message, which fails the messages published after it too,
        so its refusal counts only for a row published alone: the next batch holds just the first unconfirmed row.
        """
        reason = describe(error)
        if isinstance(error, ChannelPreconditionFailed) and batch_length > 1:
            self.isolate = True
            raise PublishRefused(f"the broker refused a message of the batch ({reason}); trying {row.event_id} alone")
        self.isolate = False
        attempts = record_refusal(self.session_factory, row.seq, reason, self.max_attempts)
        if attempts < self.max_attempts:
            raise PublishRefused(
                f"{row.event_type} {row.event_id} refused (attempt {attempts} of {self.max_attempts}): {reason}"
            )
        log.error(
            "relay: parked %s %s after %d attempts (scs outbox list/retry/discard): %s",
            row.event_type,
            row.event_id,
            attempts,
            reason,
        )


def record_refusal(session_factory: sessionmaker[Session], seq: int, reason: str, max_attempts: int) -> int:
    """Count one refused attempt of outbox row `seq` with its reason, parking it at `max_attempts`; the attempts so far."""
    with session_factory() as session, session.begin():
        message = session.get(OutboxMessage, seq)
        if message is None:  # discarded by an operator meanwhile
            return max_attempts
        message.attempts += 1
        message.last_error = reason
        if message.attempts >= max_attempts:
            message.parked_at = utcnow()
        return message.attempts


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


def outbox_problem(session: Session, settings: Settings) -> str | None:
    """Why the outbox makes the system unready, if it does: parked rows, too long a backlog, or a relay that is stuck."""
    parked = count_parked(session)
    if parked:
        return f"{parked} outbox row(s) parked; see `scs outbox list {settings.system}`"
    backlog = session.scalar(select(func.count(OutboxMessage.seq)).where(WAITING)) or 0
    if backlog >= settings.ready_max_outbox_backlog:
        return f"{backlog} outbox rows wait (SCS_READY_MAX_OUTBOX_BACKLOG is {settings.ready_max_outbox_backlog})"
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(WAITING))
    if oldest is not None:
        waited = (datetime.now(UTC) - aware(oldest)).total_seconds()
        if waited > settings.ready_max_outbox_age_seconds:
            return (
                f"the oldest unpublished event has waited {waited:.0f} s (SCS_READY_MAX_OUTBOX_AGE_SECONDS is "
                f"{settings.ready_max_outbox_age_seconds:g}): is the worker's relay running?"
            )
    return None


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the runtime stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
        parked_at=aware(message.parked_at).isoformat() if message.parked_at else "",
        reason=message.last_error or "",
    )

"""Outbox rows refused for their content, as the relay meets them: retried a few times, then parked with their error.

A refusal for content is told apart from a broker that is away: the client library raising while it encodes one
message (a property it cannot encode), the contract refusing the stored body, or the broker closing the channel
with PRECONDITION_FAILED for a message published alone. An unreachable broker, a dropped connection and a refusal
of the relay's own identity count no attempt: they concern every row alike, and the relay just waits for the
broker. Parked rows are then the operator's (federation/outbox_parking.py, `scs outbox`).
"""

from __future__ import annotations

import logging
import struct
from typing import Any

from aiormq.exceptions import ChannelPreconditionFailed
from sqlalchemy.orm import Session, sessionmaker

from federation.runtime_models import OutboxMessage, utcnow
from shared_contracts import ContractError

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000
CLIENT_REFUSALS = (ContractError, TypeError, ValueError, OverflowError, struct.error)


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

"""Step 1 of an event's way: record it in the caller's transaction, so it is published if and only if the change commits."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from federation.correlation import current_correlation_id
from federation.outbox_parking import WAITING
from federation.outbox_watch import announce, announced, notification
from federation.runtime_models import OutboxMessage, utcnow
from federation.tracing import current_trace_context
from shared_contracts import Envelope, new_event

_OUTBOX = cast(Table, OutboxMessage.__table__)
_COLUMNS = (
    "event_id",
    "producer",
    "event_type",
    "aggregate_id",
    "correlation_id",
    "body",
    "created_at",
    "rebuild_for",
    "trace_context",
)
_INSERT = insert(_OUTBOX)
_INSERT_AND_NOTIFY = insert(_OUTBOX).from_select(  # PostgreSQL: the row and the relay's NOTIFY in one round trip
    _COLUMNS,
    select(*(sql_cast(bindparam(name), _OUTBOX.c[name].type) for name in _COLUMNS)).select_from(
        select(notification()).subquery()
    ),
)
_rebuild_for: ContextVar[str | None] = ContextVar("scs_rebuild_for", default=None)


@contextmanager
def rebuilding(system: str) -> Iterator[None]:
    """Within the block, events added ask `system`'s consumer to replace its copy whatever versions it holds."""
    token = _rebuild_for.set(system)
    try:
        yield
    finally:
        _rebuild_for.reset(token)


def add(
    session: Session,
    event_type: str,
    data: BaseModel | Mapping[str, Any],
    *,
    aggregate_id: object,
    aggregate_version: int,
) -> Envelope:
    """Validate the event against its contract and add it to the outbox in `session`'s transaction (the relay wakes at commit).

    On PostgreSQL the INSERT sends the relay's NOTIFY itself (a statement less per transaction than `announce`).

    The row keeps the trace context of the span in progress (the request's or the consumed event's).
    """
    envelope = new_event(
        event_type,
        data,
        aggregate_id=str(aggregate_id),
        aggregate_version=aggregate_version,
        correlation_id=current_correlation_id(),
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    with session.no_autoflush:  # pending changes still fail where their callers expect it: at flush or commit
        session.connection().execute(
            _INSERT_AND_NOTIFY if postgres else _INSERT,
            {
                "event_id": str(envelope.id),
                "producer": envelope.producer,
                "event_type": envelope.type,
                "aggregate_id": envelope.aggregate_id,
                "correlation_id": envelope.correlation_id,
                "body": envelope.to_json_bytes().decode(),
                "created_at": utcnow(),
                "rebuild_for": _rebuild_for.get(),
                "trace_context": current_trace_context(),
            },
        )
    if postgres:
        announced(session)
    else:
        announce(session)
    return envelope


def outbox_backlog(session: Session) -> int:
    """How many outbox rows wait for the relay (parked rows wait for an operator instead)."""
    return session.scalar(select(func.count(OutboxMessage.seq)).where(WAITING)) or 0

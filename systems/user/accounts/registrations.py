"""Registration throttling: a client address may try to register a few times per window, then waits."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from systems.user.accounts.models import RegistrationAttempt
from systems.user.base import utcnow
from systems.user.throttle import WINDOW, refuse_if_used_up

MAX_REGISTRATIONS_PER_CLIENT = 10


def count_registration(session: Session, client_ip: str) -> None:
    """Raise Throttled when the address has used up its attempts; otherwise count this one (the caller commits it)."""
    refuse_if_used_up(
        session,
        RegistrationAttempt.attempted_at,
        [RegistrationAttempt.client_ip == client_ip],
        MAX_REGISTRATIONS_PER_CLIENT,
    )
    now = utcnow()
    session.execute(delete(RegistrationAttempt).where(RegistrationAttempt.attempted_at <= now - WINDOW))
    session.add(RegistrationAttempt(client_ip=client_ip, attempted_at=now))
    session.flush()

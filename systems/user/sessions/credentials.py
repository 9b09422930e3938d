"""Checking a password with throttling: too many failures per email or per client address in a window are refused."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from systems.user.accounts.models import User
from systems.user.accounts.passwords import verify_password
from systems.user.accounts.services import account_by_email, normalise_email
from systems.user.base import as_utc, utcnow
from systems.user.sessions.models import LoginFailure

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
BAD_CREDENTIALS = "Incorrect email or password."


class BadCredentials(Exception):
    """The email is unknown or the password wrong (deliberately the same, so accounts cannot be discovered)."""


class Throttled(Exception):
    """Too many recent failures; try again after `minutes`."""

    def __init__(self, minutes: int) -> None:
        """Say in the message how many minutes to wait."""
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(f"Too many attempts, try again in {minutes} {unit}.")
        self.minutes = minutes


def authenticate(session: Session, email: str, password: str, client_ip: str) -> User:
    """The account these credentials open; records a failure (the caller commits it) or raises Throttled first."""
    email = normalise_email(email)
    _refuse_if_throttled(session, email, client_ip)
    user = account_by_email(session, email)
    verified = verify_password(user.password_hash if user else None, password)  # also for no account: same timing
    if user is None or not verified:
        _record_failure(session, email, client_ip)
        raise BadCredentials(BAD_CREDENTIALS)
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    return user


def confirm_password(session: Session, user: User, password: str, client_ip: str) -> bool:
    """Is this the account's current password? Failures count towards the same throttle as log-ins."""
    email = user.email
    if email is None:  # a deleted account's tombstone has no credentials
        return False
    _refuse_if_throttled(session, email, client_ip)
    if verify_password(user.password_hash, password):
        return True
    _record_failure(session, email, client_ip)
    return False


def _refuse_if_throttled(session: Session, email: str, client_ip: str) -> None:
    """Raise Throttled when the email or the client address has used up its failures in the window."""
    now = utcnow()
    for column, value, limit in (
        (LoginFailure.email, email, MAX_FAILURES_PER_EMAIL),
        (LoginFailure.client_ip, client_ip, MAX_FAILURES_PER_CLIENT),
    ):
        recent = session.scalars(
            select(LoginFailure.failed_at)
            .where(column == value, LoginFailure.failed_at > now - WINDOW)
            .order_by(LoginFailure.failed_at.desc())
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            raise Throttled(_minutes_until(as_utc(recent[-1]) + WINDOW, now))


def _record_failure(session: Session, email: str, client_ip: str) -> None:
    """Count one failure and forget the ones that left the window."""
    now = utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - WINDOW))
    session.add(LoginFailure(email=email, client_ip=client_ip, failed_at=now))
    session.flush()


def _minutes_until(moment: datetime, now: datetime) -> int:
    """Whole minutes from now until `moment`, at least one."""
    return max(1, math.ceil((moment - now).total_seconds() / 60))

"""Checking a password with throttling that cannot lock the owner out.

Failures count per account *and* client address together, so a guesser elsewhere does not stop the owner; a ceiling
per address over all accounts bounds one address guessing many accounts.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from systems.user.accounts.models import User
from systems.user.accounts.passwords import verify_password
from systems.user.accounts.services import account_by_email, normalise_email
from systems.user.base import utcnow
from systems.user.sessions.models import LoginFailure
from systems.user.throttle import WINDOW, refuse_if_used_up

MAX_FAILURES_PER_ACCOUNT_AND_CLIENT = 5
MAX_FAILURES_PER_CLIENT = 50
BAD_CREDENTIALS = "Incorrect email or password."


class BadCredentials(Exception):
    """The email is unknown or the password wrong (deliberately the same, so accounts cannot be discovered)."""


def authenticate(session: Session, email: str, password: str, client_ip: str) -> User:
    """The account these credentials open; records a failure (the caller commits it) or raises Throttled first."""
    email = normalise_email(email)
    _refuse_if_throttled(session, email, client_ip)
    user = account_by_email(session, email)
    verified = verify_password(user.password_hash if user else None, password)  # also for no account: same timing
    if user is None or not verified:
        _record_failure(session, email, client_ip)
        raise BadCredentials(BAD_CREDENTIALS)
    session.execute(delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.client_ip == client_ip))
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
    """Raise Throttled when this account from this address, or this address over all accounts, used up its failures."""
    refuse_if_used_up(
        session,
        LoginFailure.failed_at,
        [LoginFailure.email == email, LoginFailure.client_ip == client_ip],
        MAX_FAILURES_PER_ACCOUNT_AND_CLIENT,
    )
    refuse_if_used_up(session, LoginFailure.failed_at, [LoginFailure.client_ip == client_ip], MAX_FAILURES_PER_CLIENT)


def _record_failure(session: Session, email: str, client_ip: str) -> None:
    """Count one failure and forget the ones that left the window."""
    now = utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - WINDOW))
    session.add(LoginFailure(email=email, client_ip=client_ip, failed_at=now))
    session.flush()

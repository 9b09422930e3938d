"""What can happen to an account, for the web, the API and the command line alike: each change is validated and published."""

from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from federation import outbox
from federation.text import text_problem
from shared_contracts.user import UserDeleted, UserState
from systems.user.accounts.models import User
from systems.user.accounts.passwords import hash_password
from systems.user.base import as_utc, utcnow
from systems.user.orders_copy.models import OrderCopy
from systems.user.sessions.models import LoginFailure

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_EMAIL = 320
MAX_DISPLAY_NAME = 100
MIN_PASSWORD = 10
MAX_PASSWORD = 1000
DUPLICATE_EMAIL = "An account with this email address already exists."


class AccountError(Exception):
    """Bad input for an account change: a message per field; `conflict` when the email is taken."""

    def __init__(self, errors: dict[str, str], *, conflict: bool = False) -> None:
        """Keep the message per field, and whether the email is taken."""
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors
        self.conflict = conflict


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively, so they are stored trimmed and lower-case."""
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    """Why a (normalised) email address is unusable, or None."""
    if not email:
        return "Enter your email address."
    if len(email) > MAX_EMAIL:
        return f"An email address has at most {MAX_EMAIL} characters."
    if not EMAIL_PATTERN.match(email) or text_problem(email):
        return "Enter a valid email address, like name@example.org."
    return None


def display_name_problem(name: str) -> str | None:
    """Why a (trimmed) display name is unusable, or None."""
    if not name:
        return "Enter a display name."
    if len(name) > MAX_DISPLAY_NAME:
        return f"A display name has at most {MAX_DISPLAY_NAME} characters."
    return text_problem(name)


def password_problem(password: str) -> str | None:
    """Why a new password is too weak or too long, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Use at most {MAX_PASSWORD} characters."
    return None


def public_state(user: User) -> UserState:
    """The account as other systems may know it (never credentials), with what they need to judge its tokens."""
    return UserState(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=user.roles,
        tokens_valid_after=user.tokens_valid_after and as_utc(user.tokens_valid_after),
    )


def user_json(user: User) -> dict:
    """The account as the JSON API shows it."""
    return public_state(user).model_dump(mode="json", exclude={"deleted", "tokens_valid_after"})


def live_account(session: Session, user_id) -> User | None:
    """The account with this id, unless deleted."""
    user = session.get(User, user_id)
    return None if user is None or user.is_deleted else user


def account_by_email(session: Session, email: str) -> User | None:
    """The live account with this email (any case)."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def check_registration(*, email: str, password: str, display_name: str) -> None:
    """AccountError when the fields of a new account are unusable (nothing is looked up or stored)."""
    errors = _problems(
        email=email_problem(normalise_email(email)),
        display_name=display_name_problem(display_name.strip()),
        password=password_problem(password),
    )
    if errors:
        raise AccountError(errors)


def register(session: Session, *, email: str, password: str, display_name: str, admin: bool = False) -> User:
    """Create an account and publish user.registered; AccountError on bad input or a taken email."""
    check_registration(email=email, password=password, display_name=display_name)
    email, display_name = normalise_email(email), display_name.strip()
    _refuse_taken_email(session, email)
    user = User(email=email, display_name=display_name, password_hash=hash_password(password), is_admin=admin)
    session.add(user)
    _flush_checking_email(session)
    _publish(session, "user.registered", user)
    return user


def check_profile(*, email: str | None = None, display_name: str | None = None) -> None:
    """AccountError when a new email or display name is unusable (checked before asking for the password, too)."""
    errors = _problems(
        email=None if email is None else email_problem(normalise_email(email)),
        display_name=None if display_name is None else display_name_problem(display_name.strip()),
    )
    if errors:
        raise AccountError(errors)


def update_profile(session: Session, user: User, *, email: str | None = None, display_name: str | None = None) -> bool:
    """Change email and/or display name and publish user.profile_updated; False if nothing changed."""
    email = None if email is None else normalise_email(email)
    display_name = None if display_name is None else display_name.strip()
    check_profile(email=email, display_name=display_name)
    changed = False
    if email is not None and email != user.email:
        _refuse_taken_email(session, email)
        user.email, changed = email, True
    if display_name is not None and display_name != user.display_name:
        user.display_name, changed = display_name, True
    if changed:
        _flush_checking_email(session)
        _publish(session, "user.profile_updated", user)
    return changed


def set_password(session: Session, user: User, new_password: str) -> None:
    """Store a new password hash (the caller has confirmed the current one) and end every log-in made with the old one."""
    problem = password_problem(new_password)
    if problem:
        raise AccountError({"password": problem})
    user.password_hash = hash_password(new_password)
    end_sessions(session, user)


def set_admin(session: Session, user: User, admin: bool) -> bool:
    """Grant or revoke the admin role, voiding tokens that carry the old roles; False if it was already so."""
    if user.is_admin == admin:
        return False
    user.is_admin = admin
    end_sessions(session, user)
    return True


def end_sessions(session: Session, user: User) -> None:
    """Void every token issued until now (log-out everywhere) and publish the new mark with the account's state."""
    user.tokens_valid_after = utcnow()
    session.flush()
    _publish(session, "user.profile_updated", user)


def erase_account(session: Session, user: User) -> None:
    """Scrub the personal data, keep a tombstone row (id, version) and publish the user.deleted tombstone."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    session.execute(delete(OrderCopy).where(OrderCopy.customer_id == user.id))
    user.email = user.display_name = user.password_hash = None
    user.is_admin = False
    user.deleted_at = user.tokens_valid_after = utcnow()
    session.flush()
    _publish(session, "user.deleted", user)


def republish_users(session: Session) -> int:
    """Publish every account's current state again at its current version (resync): live ones and tombstones; the count."""
    count = 0
    for user in session.scalars(select(User).order_by(User.created_at).execution_options(yield_per=500)):
        _publish(session, "user.deleted" if user.is_deleted else "user.profile_updated", user)
        count += 1
    return count


def _problems(**problems: str | None) -> dict[str, str]:
    """The fields that have a problem."""
    return {field: problem for field, problem in problems.items() if problem}


def _refuse_taken_email(session: Session, email: str) -> None:
    """AccountError (conflict) if another account uses this email."""
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError({"email": DUPLICATE_EMAIL}, conflict=True)


def _flush_checking_email(session: Session) -> None:
    """Flush; a concurrent registration of the same email surfaces as the same conflict as the check above."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AccountError({"email": DUPLICATE_EMAIL}, conflict=True) from None


def _publish(session: Session, event_type: str, user: User) -> None:
    """Record the account's full public state (or its tombstone) at its already flushed version in the outbox."""
    data = UserDeleted(id=user.id) if user.is_deleted else public_state(user)
    outbox.add(session, event_type, data, aggregate_id=user.id, aggregate_version=user.version)

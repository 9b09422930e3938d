"""PATCH /api/users/me: change display_name, and email or password with current_password (a new password ends every log-in)."""

from __future__ import annotations

from federation.errors import ApiError
from federation.web import db_session
from systems.user.accounts.current import account_required
from systems.user.accounts.services import (
    AccountError,
    check_profile,
    normalise_email,
    set_password,
    update_profile,
    user_json,
)
from systems.user.http import api_error, confirm_or_refuse, json_fields


@account_required
def update_me(account):
    """Apply every given change in one transaction (all or nothing) and answer with the account."""
    fields = json_fields(optional=("display_name", "email", "password", "current_password"))
    if not fields.keys() & {"display_name", "email", "password"}:
        raise ApiError(400, "Nothing to change: send display_name, email or password.")
    session = db_session()
    try:
        check_profile(email=fields.get("email"), display_name=fields.get("display_name"))
    except AccountError as error:
        raise api_error(error) from None
    if "password" in fields or normalise_email(fields.get("email", account.email)) != account.email:
        if "current_password" not in fields:
            raise ApiError(
                400,
                "Changing the email or the password needs the current password.",
                details={"current_password": "This field is required."},
            )
        confirm_or_refuse(session, account, fields["current_password"], field="current_password")
    try:
        update_profile(session, account, email=fields.get("email"), display_name=fields.get("display_name"))
        if "password" in fields:
            set_password(session, account, fields["password"])
    except AccountError as error:
        raise api_error(error) from None
    session.commit()
    return user_json(account)

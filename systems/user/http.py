"""Small request helpers shared by the user system's views: JSON bodies, field errors, the client's address."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from federation.errors import ApiError
from systems.user.accounts.models import User
from systems.user.accounts.services import AccountError
from systems.user.sessions.credentials import confirm_password
from systems.user.throttle import Throttled


def json_fields(*, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> dict[str, str]:
    """The string fields of the request's JSON object; 400 with a message per field for missing, unknown or non-text ones."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "Send a JSON object (Content-Type: application/json).")
    details = {name: "This field is required." for name in required if name not in body}
    details |= {name: "Unknown field." for name in body if name not in required + optional}
    details |= {
        name: "Must be a string."
        for name, value in body.items()
        if name in required + optional and not isinstance(value, str)
    }
    if details:
        raise ApiError(400, "Some fields are missing or invalid.", details=details)
    return body


def api_error(error: AccountError) -> ApiError:
    """An account error as the API answers it: 409 for a taken email, 400 with a message per field otherwise."""
    if error.conflict:
        return ApiError(409, error.errors["email"], details=error.errors)
    return ApiError(400, "Some fields are invalid.", details=error.errors)


def show_on_form(form: FlaskForm, error: AccountError) -> None:
    """Put each message next to its field."""
    for name, message in error.errors.items():
        field = getattr(form, name)
        field.errors = [*field.errors, message]


def client_ip() -> str:
    """The caller's address, for throttling."""
    return request.remote_addr or "unknown"


def confirm_or_refuse(session: Session, account: User, password: str, *, field: str) -> None:
    """Go on only with the account's password: 429 when throttled, 400 naming `field` when wrong (the failure is kept)."""
    try:
        confirmed = confirm_password(session, account, password, client_ip())
    except Throttled as error:
        raise ApiError(429, str(error), details={"retry_after_minutes": error.minutes}) from None
    if not confirmed:
        session.commit()
        raise ApiError(400, "The password is not correct.", details={field: "This is not your current password."})

"""POST /api/users: register an account from JSON {email, password, display_name} (throttled per client address)."""

from __future__ import annotations

from federation.errors import ApiError
from federation.web import db_session
from systems.user.accounts.registrations import count_registration
from systems.user.accounts.services import AccountError, check_registration, register, user_json
from systems.user.http import api_error, client_ip, json_fields
from systems.user.throttle import Throttled


def create_user():
    """201 with the new account; 409 if the email is taken, 400 with a message per field, 429 when throttled."""
    fields = json_fields(required=("email", "password", "display_name"))
    session = db_session()
    try:
        check_registration(email=fields["email"], password=fields["password"], display_name=fields["display_name"])
        count_registration(session, client_ip())
        session.commit()  # a well-formed attempt counts whatever comes of it (a taken email too)
        account = register(
            session, email=fields["email"], password=fields["password"], display_name=fields["display_name"]
        )
    except Throttled as error:
        raise ApiError(429, str(error), details={"retry_after_minutes": error.minutes}) from None
    except AccountError as error:
        raise api_error(error) from None
    session.commit()
    return user_json(account), 201, {"Location": "/api/users/me"}

"""POST /api/users: register an account from JSON {email, password, display_name}."""

from __future__ import annotations

from federation.web import db_session
from systems.user.accounts.services import AccountError, register, user_json
from systems.user.http import api_error, json_fields


def create_user():
    """201 with the new account; 409 if the email is taken, 400 with a message per field for bad input."""
    fields = json_fields(required=("email", "password", "display_name"))
    session = db_session()
    try:
        account = register(
            session, email=fields["email"], password=fields["password"], display_name=fields["display_name"]
        )
    except AccountError as error:
        raise api_error(error) from None
    session.commit()
    return user_json(account), 201, {"Location": "/api/users/me"}

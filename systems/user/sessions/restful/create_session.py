"""POST /api/sessions: log in with JSON {email, password}; answers the token and sets it as the cookie too."""

from __future__ import annotations

from flask import jsonify

from federation.errors import ApiError
from federation.web import db_session
from systems.user.accounts.services import user_json
from systems.user.http import client_ip, json_fields
from systems.user.sessions.credentials import BadCredentials, authenticate
from systems.user.sessions.tokens import issue_token, set_token_cookie
from systems.user.throttle import Throttled


def create_session():
    """201 with {token, expires_at, user}; 401 for bad credentials (same for unknown email), 429 when throttled."""
    fields = json_fields(required=("email", "password"))
    session = db_session()
    try:
        account = authenticate(session, fields["email"], fields["password"], client_ip())
    except BadCredentials as error:
        session.commit()  # the failure counts towards the throttle
        raise ApiError(401, str(error)) from None
    except Throttled as error:
        raise ApiError(429, str(error), details={"retry_after_minutes": error.minutes}) from None
    session.commit()
    token, expires_at = issue_token(account)
    response = jsonify({"token": token, "expires_at": expires_at.isoformat(), "user": user_json(account)})
    response.status_code = 201
    return set_token_cookie(response, token, expires_at)

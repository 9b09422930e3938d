"""DELETE /api/sessions: log out by clearing the token cookie; `?everywhere=1` voids every token of the account."""

from __future__ import annotations

from flask import make_response, request

from federation.auth import current_identity
from federation.errors import ApiError
from federation.web import db_session
from systems.user.accounts.services import end_sessions, live_account
from systems.user.sessions.tokens import clear_token_cookie


def delete_session():
    """204 and the cookie cleared; with everywhere=1 (needs the bearer token) every token of the account is void."""
    everywhere = request.args.get("everywhere", "0")
    if everywhere not in ("0", "1"):
        raise ApiError(400, "everywhere is 0 or 1.", details={"everywhere": "Use 0 or 1."})
    if everywhere == "1":
        identity = current_identity()
        account = live_account(db_session(), identity.user_id) if identity else None
        if account is None:
            raise ApiError(401, "Log in first: logging out everywhere needs the account's bearer token.")
        end_sessions(db_session(), account)
        db_session().commit()
    return clear_token_cookie(make_response("", 204))

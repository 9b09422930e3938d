"""DELETE /api/sessions: log out by clearing the token cookie (a bearer token simply expires)."""

from __future__ import annotations

from flask import make_response

from systems.user.sessions.tokens import clear_token_cookie


def delete_session():
    """204 and the cookie cleared."""
    return clear_token_cookie(make_response("", 204))

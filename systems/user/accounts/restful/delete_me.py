"""DELETE /api/users/me: delete the caller's account; JSON {"password": ...} confirms it."""

from __future__ import annotations

from flask import make_response

from federation.web import db_session
from systems.user.accounts.current import account_required
from systems.user.accounts.services import erase_account
from systems.user.http import confirm_or_refuse, json_fields
from systems.user.sessions.tokens import clear_token_cookie


@account_required
def delete_me(account):
    """Scrub the account, publish its tombstone, clear the cookie; 204."""
    fields = json_fields(required=("password",))
    session = db_session()
    confirm_or_refuse(session, account, fields["password"], field="password")
    erase_account(session, account)
    session.commit()
    return clear_token_cookie(make_response("", 204))

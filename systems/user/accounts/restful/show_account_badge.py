"""GET /fragments/v1/account-badge: who is signed in, for the navigation bar of every system (included client-side)."""

from __future__ import annotations

from flask import request

from federation.auth import current_identity, login_url
from federation.fragments import fragment
from federation.web import db_session
from systems.user.accounts.services import live_account


def show_account_badge():
    """'Signed in as X · Log out' with the account's current name, or 'Log in · Register' coming back to `next`."""
    identity = current_identity()
    account = live_account(db_session(), identity.user_id) if identity else None
    return fragment("show_account_badge.html", account=account, log_in_link=login_url(request.args.get("next", "/")))

"""The signed-in account for views of the user system: the token names it, the database must still have it."""

from __future__ import annotations

import functools

from flask import flash, redirect, request, url_for
from werkzeug.exceptions import Forbidden

from federation.auth import current_identity, log_in_first, token_refusal
from federation.errors import ApiError
from federation.web import db_session
from systems.user.accounts.services import live_account
from systems.user.sessions.tokens import clear_token_cookie

ACCOUNT_GONE = "This account no longer exists. Log in again."


def account_required(view):
    """Call `view(account, ...)` with the caller's live account; a voided token logs its holder out, saying why."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        identity = current_identity()
        account = live_account(db_session(), identity.user_id) if identity else None
        if account is not None:
            return view(account, *args, **kwargs)
        refusal = token_refusal() or (ACCOUNT_GONE if identity else None)
        if refusal is None:
            return log_in_first()
        if request.path.startswith("/api/"):
            raise ApiError(401, refusal)
        flash(refusal, "error")
        return clear_token_cookie(redirect(url_for("log_in")))

    return wrapper


def admin_account_required(view):
    """As account_required, for admins only; the role is read from the database so a revocation counts at once."""

    @functools.wraps(view)
    @account_required
    def wrapper(account, *args, **kwargs):
        if not account.is_admin:
            raise Forbidden("Only administrators may manage users.")
        return view(account, *args, **kwargs)

    return wrapper

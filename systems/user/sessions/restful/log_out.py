"""GET/POST /logout: a small confirmation form; the POST clears the token cookie, or ends every log-in of the account."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from federation.auth import current_identity
from federation.web import db_session
from systems.user.accounts.services import end_sessions, live_account
from systems.user.sessions.forms import LogoutForm
from systems.user.sessions.tokens import clear_token_cookie


def log_out():
    """Ask for confirmation (GET), or forget the token, on every device with "everywhere", and go to log-in (POST)."""
    form = LogoutForm()
    if form.validate_on_submit():
        identity = current_identity()
        account = live_account(db_session(), identity.user_id) if identity and form.everywhere.data else None
        if account is not None:
            end_sessions(db_session(), account)
            db_session().commit()
            flash("You have been logged out everywhere: every log-in of your account has ended.", "success")
        else:
            flash("You have been logged out.", "success")
        return clear_token_cookie(redirect(url_for("log_in")))
    return render_template("log_out.html", form=form)

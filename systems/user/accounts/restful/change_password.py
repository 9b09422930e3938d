"""GET/POST /profile/password: a new password after confirming the current one; other log-ins end, this one is renewed."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from federation.web import db_session
from systems.user.accounts.current import account_required
from systems.user.accounts.forms import PasswordForm
from systems.user.accounts.services import AccountError, set_password
from systems.user.http import client_ip, show_on_form
from systems.user.sessions.credentials import confirm_password
from systems.user.sessions.tokens import issue_token, set_token_cookie
from systems.user.throttle import Throttled


@account_required
def change_password(account):
    """Show the form, or store the new password and log this browser in again."""
    form = PasswordForm()
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        session = db_session()
        try:
            if not confirm_password(session, account, form.current_password.data or "", client_ip()):
                session.commit()  # the failure counts towards the throttle
                raise AccountError({"current_password": "This is not your current password."})
            set_password(session, account, form.password.data or "")
            session.commit()
            flash("Your password has been changed; your other log-ins have ended.", "success")
            return set_token_cookie(redirect(url_for("show_profile")), *issue_token(account))
        except Throttled as error:
            show_on_form(form, AccountError({"current_password": str(error)}))
            status = 429
        except AccountError as error:
            show_on_form(form, error)
    return render_template("change_password.html", form=form), status

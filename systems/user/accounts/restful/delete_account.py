"""GET/POST /profile/delete: delete the account for good, after confirming the password."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from federation.web import db_session
from systems.user.accounts.current import account_required
from systems.user.accounts.forms import DeleteForm
from systems.user.accounts.services import AccountError, erase_account
from systems.user.http import client_ip, show_on_form
from systems.user.sessions.credentials import confirm_password
from systems.user.sessions.tokens import clear_token_cookie
from systems.user.throttle import Throttled


@account_required
def delete_account(account):
    """Show the confirmation form, or scrub the account, publish its tombstone and log out."""
    form = DeleteForm()
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        session = db_session()
        try:
            if not confirm_password(session, account, form.password.data or "", client_ip()):
                session.commit()  # the failure counts towards the throttle
                raise AccountError({"password": "This is not your password."})
            erase_account(session, account)
            session.commit()
            flash("Your account and its personal data have been deleted.", "success")
            return clear_token_cookie(redirect(url_for("log_in")))
        except Throttled as error:
            show_on_form(form, AccountError({"password": str(error)}))
            status = 429
        except AccountError as error:
            show_on_form(form, error)
    return render_template("delete_account.html", form=form), status

"""GET/POST /profile: change display name and email (a new email, the log-in name, needs the current password)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from federation.web import db_session
from systems.user.accounts.current import account_required
from systems.user.accounts.forms import ProfileForm
from systems.user.accounts.services import AccountError, check_profile, normalise_email, update_profile
from systems.user.http import client_ip, show_on_form
from systems.user.sessions.credentials import confirm_password
from systems.user.sessions.tokens import issue_token, set_token_cookie
from systems.user.throttle import Throttled


@account_required
def edit_profile(account):
    """Show the form, or save the changes and refresh the token so every system shows the new name."""
    form = ProfileForm(obj=account)
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        session = db_session()
        try:
            check_profile(email=form.email.data or "", display_name=form.display_name.data or "")
            if normalise_email(form.email.data or "") != account.email:
                if not form.current_password.data:
                    raise AccountError({"current_password": "Enter your current password to change your email."})
                if not confirm_password(session, account, form.current_password.data, client_ip()):
                    session.commit()  # the failure counts towards the throttle
                    raise AccountError({"current_password": "This is not your current password."})
            changed = update_profile(
                session, account, email=form.email.data or "", display_name=form.display_name.data or ""
            )
        except Throttled as error:
            show_on_form(form, AccountError({"current_password": str(error)}))
            status = 429
        except AccountError as error:
            show_on_form(form, error)
        else:
            session.commit()
            flash("Your profile has been saved." if changed else "Nothing was changed.", "success")
            return set_token_cookie(redirect(url_for("show_profile")), *issue_token(account))
    return render_template("edit_profile.html", form=form), status

"""GET/POST /profile: change display name and email."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from federation.web import db_session
from systems.user.accounts.current import account_required
from systems.user.accounts.forms import ProfileForm
from systems.user.accounts.services import AccountError, update_profile
from systems.user.http import show_on_form
from systems.user.sessions.tokens import issue_token, set_token_cookie


@account_required
def edit_profile(account):
    """Show the form, or save the changes and refresh the token so every system shows the new name."""
    form = ProfileForm(obj=account)
    if form.validate_on_submit():
        session = db_session()
        try:
            changed = update_profile(
                session, account, email=form.email.data or "", display_name=form.display_name.data or ""
            )
        except AccountError as error:
            show_on_form(form, error)
        else:
            session.commit()
            flash("Your profile has been saved." if changed else "Nothing was changed.", "success")
            return set_token_cookie(redirect(url_for("show_profile")), *issue_token(account))
    return render_template("edit_profile.html", form=form), 400 if form.is_submitted() else 200

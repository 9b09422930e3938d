"""GET/POST /register: the registration page (throttled per client address); a new account is logged in at once."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from federation.web import db_session
from systems.user.accounts.forms import RegisterForm
from systems.user.accounts.registrations import count_registration
from systems.user.accounts.services import AccountError, check_registration, register
from systems.user.http import client_ip, show_on_form
from systems.user.sessions.tokens import issue_token, set_token_cookie
from systems.user.throttle import Throttled


def register_user():
    """Show the form, or create the account, log it in and go to the profile."""
    form = RegisterForm()
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        session = db_session()
        email, password = form.email.data or "", form.password.data or ""
        display_name = form.display_name.data or ""
        try:
            check_registration(email=email, password=password, display_name=display_name)
            count_registration(session, client_ip())
            session.commit()  # a well-formed attempt counts whatever comes of it (a taken email too)
            account = register(session, email=email, password=password, display_name=display_name)
        except Throttled as error:
            form.form_errors.append(str(error))
            status = 429
        except AccountError as error:
            show_on_form(form, error)
        else:
            session.commit()
            flash(f"Welcome, {account.display_name}! Your account is ready and you are logged in.", "success")
            return set_token_cookie(redirect(url_for("show_profile")), *issue_token(account))
    return render_template("register_user.html", form=form), status

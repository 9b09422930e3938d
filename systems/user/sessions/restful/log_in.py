"""GET/POST /login: the log-in page; afterwards back to `next` if it is one of our pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request

from federation.web import db_session
from systems.user.http import client_ip
from systems.user.sessions.credentials import BadCredentials, authenticate
from systems.user.sessions.forms import LoginForm
from systems.user.sessions.tokens import issue_token, safe_next, set_token_cookie
from systems.user.throttle import Throttled


def log_in():
    """Show the form, or check the credentials, set a freshly minted token cookie and redirect."""
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        session = db_session()
        try:
            account = authenticate(session, form.email.data or "", form.password.data or "", client_ip())
        except BadCredentials as error:
            session.commit()  # the failure counts towards the throttle
            form.form_errors.append(str(error))
            status = 401
        except Throttled as error:
            form.form_errors.append(str(error))
            status = 429
        else:
            session.commit()
            flash(f"Welcome back, {account.display_name}.", "success")
            return set_token_cookie(redirect(safe_next(form.next.data)), *issue_token(account))
    return render_template("log_in.html", form=form), status

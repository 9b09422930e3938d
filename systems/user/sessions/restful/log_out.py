"""GET/POST /logout: a small confirmation form; the POST clears the token cookie."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from systems.user.sessions.forms import LogoutForm
from systems.user.sessions.tokens import clear_token_cookie


def log_out():
    """Ask for confirmation (GET), or forget the token and go to the log-in page (POST)."""
    form = LogoutForm()
    if form.validate_on_submit():
        flash("You have been logged out.", "success")
        return clear_token_cookie(redirect(url_for("log_in")))
    return render_template("log_out.html", form=form)

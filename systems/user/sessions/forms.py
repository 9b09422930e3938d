"""Log-in and log-out forms (CSRF-protected like every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField


class LoginForm(FlaskForm):
    """Credentials, and where to go afterwards."""

    email = EmailField("Email", render_kw={"required": True, "autocomplete": "username"})
    password = PasswordField("Password", render_kw={"required": True, "autocomplete": "current-password"})
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Only the CSRF token: logging out is a POST."""

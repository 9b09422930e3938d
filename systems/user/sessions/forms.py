"""Log-in and log-out forms (CSRF-protected like every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SubmitField


class LoginForm(FlaskForm):
    """Credentials, and where to go afterwards."""

    email = EmailField("Email", render_kw={"required": True, "autocomplete": "username"})
    password = PasswordField("Password", render_kw={"required": True, "autocomplete": "current-password"})
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logging out is a POST; the second button ends every log-in of the account, on every device."""

    everywhere = SubmitField("Log out everywhere")

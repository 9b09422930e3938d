"""Account forms; the rules live in accounts.services (shared with the API), whose messages are shown next to the fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, EqualTo

from systems.user.accounts.services import (
    MAX_DISPLAY_NAME,
    MAX_EMAIL,
    MAX_PASSWORD,
    MIN_PASSWORD,
)

EMAIL_ATTRS = {"required": True, "maxlength": MAX_EMAIL, "autocomplete": "email"}
NAME_ATTRS = {"required": True, "maxlength": MAX_DISPLAY_NAME, "autocomplete": "nickname"}
NEW_PASSWORD_ATTRS = {
    "required": True,
    "minlength": MIN_PASSWORD,
    "maxlength": MAX_PASSWORD,
    "autocomplete": "new-password",
}
CURRENT_PASSWORD_ATTRS = {"required": True, "autocomplete": "current-password"}


class RegisterForm(FlaskForm):
    """A new account."""

    email = EmailField("Email", render_kw=EMAIL_ATTRS)
    display_name = StringField("Display name", render_kw=NAME_ATTRS)
    password = PasswordField("Password", render_kw=NEW_PASSWORD_ATTRS)


class ProfileForm(FlaskForm):
    """The public part of an account; a new email (the log-in name) needs the current password."""

    display_name = StringField("Display name", render_kw=NAME_ATTRS)
    email = EmailField("Email", render_kw=EMAIL_ATTRS)
    current_password = PasswordField("Current password", render_kw={"autocomplete": "current-password"})


class PasswordForm(FlaskForm):
    """A new password, confirmed by the current one."""

    current_password = PasswordField("Current password", render_kw=CURRENT_PASSWORD_ATTRS)
    password = PasswordField("New password", render_kw=NEW_PASSWORD_ATTRS)
    repeat_password = PasswordField(
        "Repeat the new password",
        validators=[EqualTo("password", message="The two new passwords differ.")],
        render_kw=NEW_PASSWORD_ATTRS,
    )


class DeleteForm(FlaskForm):
    """Deleting an account needs the password."""

    password = PasswordField("Your password", render_kw=CURRENT_PASSWORD_ATTRS)


class RoleForm(FlaskForm):
    """Grant ("1") or revoke ("0") the admin role."""

    admin = HiddenField(validators=[AnyOf(["0", "1"])])

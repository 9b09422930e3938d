"""The admin's image forms on the product's edit page (Flask-WTF: every post carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import AnyOf, Length

from systems.catalog.images.services import MAX_ALT

ACTIONS = ("save", "up", "down", "remove")


class ImageUploadForm(FlaskForm):
    """A file and its alternative text (the file's own checks run in `add_image`)."""

    file = FileField("Image")
    alt = StringField("Alternative text", validators=[Length(max=MAX_ALT)])


class ImageChangeForm(FlaskForm):
    """One image's alternative text and what to do: save it, move the image, or remove it."""

    alt = StringField("Alternative text", validators=[Length(max=MAX_ALT)])
    action = StringField(validators=[AnyOf(ACTIONS, message="Unknown action.")])

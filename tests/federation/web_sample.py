"""A minimal system with a form and an API route, to test the shared app factory."""

from __future__ import annotations

from pathlib import Path

from flask import render_template_string, request
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from federation.auth import admin_required, current_identity
from federation.errors import ApiError
from federation.routing import Route
from federation.systems import System
from tests.federation.sample_system import SampleBase


class NameForm(FlaskForm):
    """One required field."""

    name = StringField("Name", validators=[DataRequired()])


def show_form():
    """A page with the form."""
    form = NameForm()
    if request.method == "POST" and form.validate_on_submit():
        return "saved"
    return render_template_string(
        '{% extends "base.html" %}{% block content %}{{ form.name.errors }}{% endblock %}', form=form
    )


def get_thing(thing_id: str):
    """An API route that never finds anything."""
    raise ApiError(404, f"No thing {thing_id}.", details={"thing_id": thing_id})


@admin_required
def admin_only():
    """An API route for admins."""
    identity = current_identity()
    assert identity is not None, "admin_required has refused anonymous callers"
    return {"admin": identity.display_name}


WEB_SAMPLE = System(
    name="catalog",
    package_dir=Path(__file__).parent,
    metadata=SampleBase.metadata,
    routes=[
        Route("/form", show_form, methods=("GET", "POST")),
        Route("/api/things/<thing_id>", get_thing),
        Route("/api/admin", admin_only, methods=("GET", "POST")),
    ],
    event_handlers={},
)

"""What the user system adds to the shared app: a signing key from the first start, and a display filter."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from federation.keys import current_signing_key
from systems.user.base import as_utc


def configure_app(app: Flask) -> None:
    """Make sure a signing key exists (so jwks.json is never empty) and register the templates' time filter."""
    settings = app.extensions["scs"].settings
    current_signing_key(settings.keys_dir, settings.public_keys_dir)
    app.add_template_filter(timestamp)


def timestamp(value: datetime) -> str:
    """2024-05-01 12:00 UTC."""
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")

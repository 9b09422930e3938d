"""Template filters of the order system: times on every page (money and order numbers: federation.formatting)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from systems.order.base import as_utc


def when(value: datetime | None) -> str:
    """A UTC time as '2024-05-01 12:00 UTC'."""
    utc = as_utc(value)
    return utc.strftime("%Y-%m-%d %H:%M UTC") if utc else "never"


def configure_app(app: Flask) -> None:
    """Register the filters with the app's templates."""
    app.add_template_filter(when)

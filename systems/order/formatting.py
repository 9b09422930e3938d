"""Template filters of the order system: money, times and short order numbers, written the same way on every page."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Flask

from systems.order.base import as_utc


def money(cents: int, currency: str) -> str:
    """Integer cents as '12.50 EUR' (no floating point)."""
    return f"{cents // 100:,}.{cents % 100:02d} {currency}"


def when(value: datetime | None) -> str:
    """A UTC time as '2024-05-01 12:00 UTC'."""
    utc = as_utc(value)
    return utc.strftime("%Y-%m-%d %H:%M UTC") if utc else "never"


def short_id(value: uuid.UUID) -> str:
    """The first block of an id, enough for people to tell orders apart."""
    return str(value).split("-", 1)[0].upper()


def configure_app(app: Flask) -> None:
    """Register the filters with the app's templates."""
    app.add_template_filter(money)
    app.add_template_filter(when)
    app.add_template_filter(short_id)

"""Jinja filters of the catalog's pages."""

from __future__ import annotations

from flask import Flask

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(cents: int, currency: str = "EUR") -> str:
    """12.50 € style amounts from integer cents (exact, no floats)."""
    amount = f"{cents // 100:,}.{cents % 100:02d}"
    return f"{SYMBOLS[currency]}{amount}" if currency in SYMBOLS else f"{amount} {currency}"


def configure_app(app: Flask) -> None:
    """Make the catalog's filters available to its templates."""
    app.add_template_filter(money)

"""Display formats every system's pages share: money and order numbers are written one way across the shop."""

from __future__ import annotations

import uuid

from flask import Flask

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(cents: int, currency: str = "EUR") -> str:
    """Integer cents as '€1,234.50' (or '1,234.50 CHF' for a currency without a symbol here); exact, no floats."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    amount = f"{whole:,}.{rest:02d}"
    return f"{sign}{SYMBOLS[currency]}{amount}" if currency in SYMBOLS else f"{sign}{amount} {currency}"


def order_number(order_id: uuid.UUID | str) -> str:
    """'#1CF7AD77': the first block of an order's id, enough for people to tell orders apart."""
    return "#" + str(order_id).split("-", 1)[0].upper()


def install_filters(app: Flask) -> None:
    """Register the shared formats as template filters."""
    app.add_template_filter(money)
    app.add_template_filter(order_number)

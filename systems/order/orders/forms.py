"""Forms of orders."""

from __future__ import annotations

from flask_wtf import FlaskForm


class CancelOrderForm(FlaskForm):
    """Cancel an order (the form carries only the CSRF token)."""

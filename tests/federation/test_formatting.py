"""One money format and one order-number format for the three systems' pages."""

from __future__ import annotations

import uuid

import pytest

from federation.formatting import money, order_number
from systems.catalog import create_app as catalog_app
from systems.order import create_app as order_app
from systems.user import create_app as user_app


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (2990, "EUR", "€29.90"),
        (123456, "USD", "$1,234.56"),
        (5, "GBP", "£0.05"),
        (100000, "CHF", "1,000.00 CHF"),
        (-250, "EUR", "-€2.50"),
    ],
)
def test_money(cents, currency, shown):
    assert money(cents, currency) == shown


def test_order_number():
    assert order_number(uuid.UUID("1cf7ad77-0000-4000-8000-000000000000")) == "#1CF7AD77"


@pytest.mark.parametrize("create_app", [user_app, catalog_app, order_app], ids=["user", "catalog", "order"])
def test_every_system_renders_with_the_same_filters(create_app, data_dir):
    app = create_app({"SCS_DATA_DIR": str(data_dir), "TESTING": True})
    with app.app_context():
        template = app.jinja_env.from_string("{{ 2990|money('EUR') }} {{ id|order_number }}")
        assert template.render(id="1cf7ad77-0000-4000-8000-000000000000") == "€29.90 #1CF7AD77"

"""My orders."""

from __future__ import annotations

from flask import render_template

from federation.auth import login_required
from federation.web import db_session
from systems.order.customer import current_customer_id
from systems.order.orders.queries import orders_of


@login_required
def list_orders():
    """One page of the logged-in customer's orders, newest first, with their status."""
    return render_template("list_orders.html", page=orders_of(db_session(), current_customer_id()))

"""One order: lines, total, status (kept current by order.js while pending), history and the cancel button."""

from __future__ import annotations

import uuid

from flask import abort, render_template

from federation.auth import login_required
from federation.web import db_session
from systems.order.customer import current_customer_id
from systems.order.orders.forms import CancelOrderForm
from systems.order.orders.queries import own_order
from systems.order.orders.services import CANCELLABLE


@login_required
def show_order(order_id: uuid.UUID):
    """Show the customer's own order; anyone else's is a 404."""
    order = own_order(db_session(), order_id, current_customer_id())
    if order is None:
        abort(404, "No such order.")
    return render_template(
        "show_order.html", order=order, cancel_form=CancelOrderForm(), cancellable=order.status in CANCELLABLE
    )

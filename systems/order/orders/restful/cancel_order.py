"""Cancel an order from its page."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, url_for

from federation.auth import login_required
from federation.web import db_session
from systems.order.customer import current_customer_id
from systems.order.orders.services import OrderRefused, cancel, own_order_for_update


@login_required
def cancel_order(order_id: uuid.UUID):
    """Cancel the customer's pending or confirmed order; otherwise say why not. Back to the order page either way."""
    session = db_session()
    order = own_order_for_update(session, order_id, current_customer_id())
    if order is None:
        abort(404, "No such order.")
    try:
        cancel(session, order)
    except OrderRefused as refused:
        session.rollback()
        flash(refused.message, "error")
    else:
        session.commit()
        flash("Your order is cancelled; any reserved stock goes back to the catalog.", "success")
    return redirect(url_for("show_order", order_id=order_id))

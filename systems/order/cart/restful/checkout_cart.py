"""Turn the cart into a pending order (once, however often the button is pressed)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from sqlalchemy import delete

from federation.auth import login_required
from federation.web import db_session
from systems.order.cart.forms import CheckoutForm
from systems.order.cart.models import CartLine, lines_of
from systems.order.customer import current_customer_id
from systems.order.orders.services import OrderRefused, place


@login_required
def checkout_cart():
    """Place the order from the cart at the copied prices, empty the cart, and show the order."""
    form = CheckoutForm()
    if not form.validate_on_submit():
        flash("The checkout form was incomplete; please press “Place order” again.", "error")
        return redirect(url_for("show_cart"))
    session = db_session()
    customer_id = current_customer_id()
    lines = lines_of(session, customer_id)
    try:
        order, created = place(
            session, customer_id, [(line.product_id, line.quantity) for line in lines], form.idempotency_key.data
        )
    except OrderRefused as refused:
        names = {str(line.product_id): line.product.name for line in lines}
        unusable = ", ".join(names.get(pid, pid) for pid in refused.details.get("product_ids", []))
        flash(f"{refused.message} Please remove: {unusable}." if unusable else refused.message, "error")
        return redirect(url_for("show_cart"))
    if created:
        ordered = [line.product_id for line in lines]
        session.execute(delete(CartLine).where(CartLine.customer_id == customer_id, CartLine.product_id.in_(ordered)))
        session.commit()
        flash("Thank you! Your order is placed; the catalog is now reserving the stock.", "success")
    else:
        flash("This order had already been placed; here it is.", "info")
    return redirect(url_for("show_order", order_id=order.id))

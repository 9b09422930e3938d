"""Change how many of a product the cart holds."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, url_for

from federation.auth import login_required
from federation.web import db_session
from systems.order.cart.forms import QuantityForm
from systems.order.cart.models import CartLine
from systems.order.cart.page import quantity_form_prefix, render_cart
from systems.order.customer import current_customer_id


@login_required
def change_quantity(product_id: uuid.UUID):
    """Set the line's quantity (1..100); a bad value re-renders the cart with the error next to that line."""
    session = db_session()
    customer_id = current_customer_id()
    line = session.get(CartLine, (customer_id, product_id))
    if line is None:
        abort(404, "This product is not in your cart.")
    form = QuantityForm(prefix=quantity_form_prefix(product_id))
    if not form.validate_on_submit():
        return render_cart(customer_id, invalid=(product_id, form), status=400)
    line.quantity = form.quantity.data
    session.commit()
    flash(f"{line.product.name}: quantity set to {line.quantity}.", "success")
    return redirect(url_for("show_cart"))

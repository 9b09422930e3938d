"""Take a product out of the cart."""

from __future__ import annotations

import uuid

from flask import flash, redirect, url_for

from federation.auth import login_required
from federation.web import db_session
from systems.order.cart.models import CartLine
from systems.order.customer import current_customer_id


@login_required
def remove_from_cart(product_id: uuid.UUID):
    """Delete the cart line (a line already gone is fine: the cart looks as asked)."""
    session = db_session()
    line = session.get(CartLine, (current_customer_id(), product_id))
    if line is not None:
        name = line.product.name
        session.delete(line)
        session.commit()
        flash(f"Removed {name} from your cart.", "success")
    return redirect(url_for("show_cart"))

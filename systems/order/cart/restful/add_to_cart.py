"""Put a quantity of a copied product into the cart."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, url_for

from federation.auth import login_required
from federation.web import db_session
from systems.order.base import utcnow
from systems.order.cart.forms import QuantityForm
from systems.order.cart.models import MAX_QUANTITY, CartLine
from systems.order.customer import current_customer_id
from systems.order.products_copy.freshness import catalog_data_as_of
from systems.order.products_copy.models import ProductCopy


@login_required
def add_to_cart(product_id: uuid.UUID):
    """Add the product (or more of it) to the cart; a bad quantity re-renders the product page with the error."""
    session = db_session()
    product = session.get(ProductCopy, product_id)
    if product is None:
        abort(404, "No such product.")
    if product.discontinued:
        flash(f"{product.name} has been discontinued and can no longer be ordered.", "error")
        return redirect(url_for("show_product", product_id=product_id))
    form = QuantityForm()
    customer_id = current_customer_id()
    line = session.get(CartLine, (customer_id, product_id))
    in_cart = line.quantity if line else 0
    valid = form.validate_on_submit()
    if valid and in_cart + form.quantity.data > MAX_QUANTITY:
        form.quantity.errors = [f"At most {MAX_QUANTITY} per product: your cart already holds {in_cart}."]
        valid = False
    if not valid:
        page = render_template("show_product.html", product=product, form=form, as_of=catalog_data_as_of(session))
        return page, 400
    if line is None:
        session.add(
            CartLine(customer_id=customer_id, product_id=product_id, quantity=form.quantity.data, added_at=utcnow())
        )
    else:
        line.quantity = in_cart + form.quantity.data
    session.commit()
    flash(f"Added {form.quantity.data} × {product.name} to your cart.", "success")
    return redirect(url_for("show_cart"))

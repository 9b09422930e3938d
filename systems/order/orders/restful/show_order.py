"""One order: lines, total, status (kept current by order.js while pending), history and the cancel button."""

from __future__ import annotations

import uuid

from flask import abort, render_template
from sqlalchemy import select

from federation.auth import login_required
from federation.web import db_session
from systems.order.customer import current_customer_id
from systems.order.orders.forms import CancelOrderForm
from systems.order.orders.queries import own_order
from systems.order.orders.services import CANCELLABLE
from systems.order.products_copy.models import ProductCopy


@login_required
def show_order(order_id: uuid.UUID):
    """Show the customer's own order (with the lines' pictures from the product copy); anyone else's is a 404."""
    session = db_session()
    order = own_order(session, order_id, current_customer_id())
    if order is None:
        abort(404, "No such order.")
    ids = [line.product_id for line in order.lines]
    rows = session.execute(select(ProductCopy.id, ProductCopy.images).where(ProductCopy.id.in_(ids)))
    images = {product_id: product_images for product_id, product_images in rows}
    return render_template(
        "show_order.html",
        order=order,
        images=images,
        cancel_form=CancelOrderForm(),
        cancellable=order.status in CANCELLABLE,
    )

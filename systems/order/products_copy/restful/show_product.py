"""A product page with the "Add to cart" form."""

from __future__ import annotations

import uuid

from flask import abort, render_template

from federation.web import db_session
from systems.order.cart.forms import QuantityForm
from systems.order.products_copy.freshness import catalog_data_as_of
from systems.order.products_copy.models import ProductCopy


def show_product(product_id: uuid.UUID):
    """Show one copied product; 404 if the catalog never published it."""
    session = db_session()
    product = session.get(ProductCopy, product_id)
    if product is None:
        abort(404, "No such product.")
    return render_template("show_product.html", product=product, form=QuantityForm(), as_of=catalog_data_as_of(session))

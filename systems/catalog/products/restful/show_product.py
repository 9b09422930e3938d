"""A product's page: description, price, stock, units sold, and the link to order it."""

import uuid

from flask import render_template

from federation.web import db_session
from systems.catalog.products.queries import product_or_404, units_sold


def show_product(product_id: uuid.UUID):
    """One product with its sales count."""
    session = db_session()
    product = product_or_404(session, product_id)
    return render_template("show_product.html", product=product, sold=units_sold(session, product.id))

"""GET /api/products/<id>: one product as JSON."""

import uuid

from federation.web import db_session
from systems.catalog.products.queries import product_json, product_or_404, units_sold


def get_product(product_id: uuid.UUID):
    """The product's public state, version and units sold; 404 if unknown."""
    session = db_session()
    product = product_or_404(session, product_id)
    return product_json(product, units_sold(session, product.id))

"""GET /fragments/v1/products/<id>/thumbnail: a product's picture as an HTML fragment, for the other systems' pages."""

import uuid

from flask import abort

from federation.fragments import fragment
from federation.web import db_session
from systems.catalog.products.models import Product


def show_product_thumbnail(product_id: uuid.UUID):
    """The first processed image (absolute URLs, with srcset and size), or the placeholder; 404 for an unknown product."""
    product = db_session().get(Product, product_id)
    if product is None:
        abort(404)
    return fragment("show_product_thumbnail.html", product=product)

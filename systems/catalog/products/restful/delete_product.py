"""DELETE /api/products/<id>: discontinue a product (admin), published as catalog.product.discontinued."""

import uuid

from federation.auth import admin_required
from federation.web import db_session
from systems.catalog.products.events import DISCONTINUED, record_change
from systems.catalog.products.queries import product_json, product_or_404, units_sold


@admin_required
def delete_product(product_id: uuid.UUID):
    """200 with the discontinued product; discontinuing twice changes (and publishes) nothing."""
    session = db_session()
    product = product_or_404(session, product_id, for_update=True)
    if not product.discontinued:
        product.discontinued = True
        record_change(session, product, DISCONTINUED)
        session.commit()
    return product_json(product, units_sold(session, product.id))

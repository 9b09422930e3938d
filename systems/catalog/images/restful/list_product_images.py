"""GET /api/products/<id>/images: every image of a product with its processing state (admin)."""

import uuid

from federation.auth import admin_required
from federation.web import db_session
from systems.catalog.images.queries import image_json
from systems.catalog.products.queries import product_or_404


@admin_required
def list_product_images(product_id: uuid.UUID):
    """The images in order, processed or not (the published product carries only the processed ones)."""
    product = product_or_404(db_session(), product_id)
    return {"items": [image_json(image) for image in product.images]}

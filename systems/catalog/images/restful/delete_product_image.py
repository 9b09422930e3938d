"""DELETE /api/products/<id>/images/<image_id>: remove an image (admin); its files go once no image uses them."""

import uuid

from federation.auth import admin_required
from federation.file_store import session_file_store
from federation.web import db_session
from systems.catalog.images.queries import editable_product, image_or_404
from systems.catalog.images.services import delete_unused_files, remove_image


@admin_required
def delete_product_image(product_id: uuid.UUID, image_id: uuid.UUID):
    """204; the product is published without the image; 404 unknown product or image, 422 discontinued."""
    session = db_session()
    product = editable_product(session, product_id)
    keys = remove_image(session, product, image_or_404(product, image_id))
    session.commit()
    delete_unused_files(session, session_file_store(session), keys)
    return "", 204

"""POST /api/products/<id>/images: store an uploaded image's original (admin); the variants are made by the worker."""

import uuid

from flask import request, url_for

from federation.auth import admin_required
from federation.errors import ApiError
from federation.file_store import session_file_store
from federation.web import db_session
from systems.catalog.images.queries import editable_product
from systems.catalog.images.services import add_image, checked_alt
from systems.catalog.images.validation import ImageRefused


@admin_required
def upload_product_image(product_id: uuid.UUID):
    """202 with the image's id and state `processing`; 400/413/422 naming the problem, and nothing stored."""
    session = db_session()
    product = editable_product(session, product_id)
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "Send the image as the multipart field `file`.", details={"file": "missing"})
    try:
        alt = checked_alt(request.form.get("alt", ""))
    except ImageRefused as refusal:
        raise ApiError(400, str(refusal), details={"alt": str(refusal)}) from None
    try:
        image = add_image(session, session_file_store(session), product, upload.read(), upload.filename or "", alt)
    except ImageRefused as refusal:
        raise ApiError(400, str(refusal), details={"file": str(refusal)}) from None
    session.commit()
    location = url_for("list_product_images", product_id=product.id)
    return {"id": str(image.id), "product_id": str(product.id), "state": image.state}, 202, {"Location": location}

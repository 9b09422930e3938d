"""PATCH /api/products/<id>/images/<image_id>: change an image's alternative text or position (admin)."""

import uuid

from pydantic import Field

from federation.auth import admin_required
from federation.errors import ApiError
from federation.openapi import PatchBody
from federation.web import db_session
from systems.catalog.images.queries import editable_product, image_json, image_or_404
from systems.catalog.images.services import MAX_ALT, checked_alt, move_image, relabel_image
from systems.catalog.images.validation import ImageRefused
from systems.catalog.products.schemas import json_body


class ImageChanges(PatchBody):
    """Body of the PATCH: the new alternative text and/or the new position (0 = first)."""

    alt: str | None = Field(default=None, max_length=MAX_ALT)
    position: int | None = Field(default=None, ge=0, le=100)


@admin_required
def update_product_image(product_id: uuid.UUID, image_id: uuid.UUID):
    """The changed image; 404 unknown, 422 discontinued product, 400 invalid fields."""
    session = db_session()
    product = editable_product(session, product_id)
    image = image_or_404(product, image_id)
    changes = json_body(ImageChanges)
    if changes.alt is not None:
        try:
            relabel_image(session, product, image, checked_alt(changes.alt))
        except ImageRefused as refusal:
            raise ApiError(400, str(refusal), details={"alt": str(refusal)}) from None
    if changes.position is not None:
        target = min(changes.position, len(product.images) - 1)
        move_image(session, product, image, target - product.images.index(image))
    session.commit()
    return image_json(image)

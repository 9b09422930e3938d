"""Finding a product's images for the API and the admin's pages, and their JSON shape."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from federation.errors import ApiError
from systems.catalog.images.models import ProductImage
from systems.catalog.products.models import Product
from systems.catalog.products.queries import product_or_404


def editable_product(session: Session, product_id: uuid.UUID) -> Product:
    """The product, locked for writing; 404 unknown, 422 discontinued (its images no longer change)."""
    product = product_or_404(session, product_id, for_update=True)
    if product.discontinued:
        raise ApiError(
            422,
            "This product is discontinued; its images can no longer be changed.",
            details={"product_id": str(product_id)},
        )
    return product


def image_or_404(product: Product, image_id: uuid.UUID) -> ProductImage:
    """The product's image with this id, or a 404 naming it."""
    for image in product.images:
        if image.id == image_id:
            return image
    raise ApiError(404, f"Product {product.id} has no image {image_id}.", details={"image_id": str(image_id)})


def image_json(image: ProductImage) -> dict:
    """An image as the admin API shows it: state, alternative text, position and (once processed) variants."""
    return {
        "id": str(image.id),
        "product_id": str(image.product_id),
        "state": image.state,
        "alt": image.alt,
        "position": image.position,
        "bytes": image.original_bytes,
        "variants": image.variants,
    }

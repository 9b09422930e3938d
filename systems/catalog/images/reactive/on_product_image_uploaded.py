"""An uploaded original arrived: make its variants off the request path, then publish the product with the image."""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.consumer import EventRejected
from federation.file_store import content_key, session_file_store
from shared_contracts import Envelope
from shared_contracts.catalog import ProductImageUploaded
from systems.catalog.images.models import PROCESSING, READY, ProductImage
from systems.catalog.images.services import image_url
from systems.catalog.images.variants import make_variants
from systems.catalog.products.events import record_change
from systems.catalog.products.models import Product


def on_product_image_uploaded(session: Session, event: Envelope) -> None:
    """Store the variants and mark the image ready; a no-op for an image removed or processed before (idempotent).

    An original that cannot be processed is dead-lettered with the reason; the product keeps its previous images.
    """
    uploaded = event.data_as(ProductImageUploaded)
    image = session.get(ProductImage, uploaded.image_id, with_for_update=True)
    if image is None or image.state != PROCESSING:
        return
    if image.product_id != uploaded.product_id or image.original != uploaded.original:
        raise EventRejected(f"image {image.id} belongs to product {image.product_id} with original {image.original}")
    store = session_file_store(session)
    try:
        original = store.get(image.original)
    except FileNotFoundError:
        raise EventRejected(f"image {image.id}: its original {image.original} is not in the file store") from None
    try:
        variants = make_variants(original)
    except ValueError as error:
        raise EventRejected(f"image {image.id} of product {image.product_id} cannot be processed: {error}") from None
    described = []
    for variant in variants:
        key = content_key("variants", variant.data, "webp")
        store.put(key, variant.data)
        described.append(
            {"url": image_url(key), "width": variant.width, "height": variant.height, "media_type": "image/webp"}
        )
    image.variants = described
    image.state = READY
    session.flush()
    product = session.get(Product, image.product_id, with_for_update=True)
    if product is not None:
        record_change(session, product)

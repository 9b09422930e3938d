"""Keep the product copy (price, availability, discontinued, image references) in step with the catalog."""

from __future__ import annotations

from sqlalchemy.orm import Session

from federation.replica import upsert_if_newer
from shared_contracts import Envelope
from shared_contracts.catalog import ProductState
from systems.order.products_copy.models import MAX_AVAILABLE, ProductCopy


def on_product_changed(session: Session, event: Envelope) -> None:
    """Upsert the product from its full state, unless the copy already holds a newer version."""
    product = event.data_as(ProductState)
    upsert_if_newer(
        session,
        ProductCopy,
        {
            "id": product.id,
            "sku": product.sku,
            "name": product.name,
            "description": product.description,
            "price_cents": product.price_cents,
            "currency": product.currency,
            "available": min(product.stock, MAX_AVAILABLE),
            "discontinued": product.discontinued,
            "images": [image.model_dump(mode="json") for image in product.images],
            "aggregate_version": event.aggregate_version,
            "updated_at": event.occurred_at,
        },
    )

"""Publishing product changes: the full state, through the outbox, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation import outbox
from systems.catalog.products.models import Product

CREATED = "catalog.product.created"
UPDATED = "catalog.product.updated"
DISCONTINUED = "catalog.product.discontinued"


def publish_product(session: Session, product: Product, event_type: str) -> None:
    """Add an event with the product's current state and version to the outbox."""
    outbox.add(session, event_type, product.state(), aggregate_id=product.id, aggregate_version=product.version)


def record_change(session: Session, product: Product, event_type: str = UPDATED) -> None:
    """Count a change of an existing product (version + 1) and publish its new state."""
    product.version += 1
    publish_product(session, product, event_type)


def republish_products(session: Session) -> int:
    """Re-publish catalog.product.updated for every product at its current version (for `scs resync`); the caller commits."""
    count = 0
    for product in session.scalars(select(Product).order_by(Product.created_at, Product.id)):
        publish_product(session, product, UPDATED)
        count += 1
    return count


def change_product(session: Session, product: Product, values: dict) -> bool:
    """Apply the values that differ and publish the new state; False (and no event) if nothing changed."""
    changed = {name: value for name, value in values.items() if getattr(product, name) != value}
    for name, value in changed.items():
        setattr(product, name, value)
    if changed:
        record_change(session, product)
    return bool(changed)

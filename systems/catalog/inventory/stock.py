"""Locking products for a stock change, in one fixed order so competing workers never deadlock."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from systems.catalog.products.models import Product


def lock_products(session: Session, product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Product]:
    """The products that exist among `product_ids`, row-locked until the transaction ends (SQLite: BEGIN IMMEDIATE)."""
    query = select(Product).where(Product.id.in_(set(product_ids))).order_by(Product.id).with_for_update()
    return {product.id: product for product in session.scalars(query)}

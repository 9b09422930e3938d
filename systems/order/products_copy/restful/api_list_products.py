"""GET /api/products: the local product copy with availability, for API clients."""

from __future__ import annotations

from sqlalchemy import select

from federation.web import db_session
from systems.order.products_copy.freshness import catalog_data_as_of
from systems.order.products_copy.models import ProductCopy


def api_list_products():
    """Every orderable (not discontinued) copied product, and when the copy last heard from the catalog."""
    session = db_session()
    products = session.scalars(
        select(ProductCopy).where(ProductCopy.discontinued.is_(False)).order_by(ProductCopy.name)
    )
    as_of = catalog_data_as_of(session)
    return {"items": [product.to_json() for product in products], "as_of": as_of.isoformat() if as_of else None}

"""GET /api/products: ranked search and keyset pages, as JSON."""

from flask import request

from federation.auth import current_identity
from federation.web import db_session
from systems.catalog.products.queries import product_json, search_products
from systems.catalog.products.schemas import ProductQuery, parse


def list_products():
    """{"items", "next", "previous"} for `q`, `sort`, `limit` and `cursor`; discontinued products only for admins."""
    query = parse(ProductQuery, request.args.to_dict())
    identity = current_identity()
    page = search_products(
        db_session(),
        q=query.q,
        sort=query.sort or ("relevance" if query.q else "name"),
        include_discontinued=bool(identity and identity.is_admin),
    )
    return {
        "items": [product_json(product, sold) for product, sold in page.items],
        "next": page.next,
        "previous": page.previous,
    }

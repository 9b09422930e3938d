"""GET /api/products: the local product copy with availability, a page at a time, searchable, for API clients."""

from __future__ import annotations

from flask import request

from federation.errors import ApiError
from federation.web import db_session
from systems.order.products_copy.freshness import catalog_data_as_of
from systems.order.products_copy.queries import orderable_products

MAX_QUERY = 1000


def api_list_products():
    """One page of orderable copied products (`q`, `limit`, `cursor`), and when the copy last heard from the catalog."""
    q = request.args.get("q", "").strip()
    if len(q) > MAX_QUERY:
        raise ApiError(400, f"q is longer than {MAX_QUERY} characters.", details={"q": f"at most {MAX_QUERY}"})
    session = db_session()
    page = orderable_products(session, q)
    as_of = catalog_data_as_of(session)
    return {
        "items": [product.to_json() for product in page.items],
        "next": page.next,
        "previous": page.previous,
        "as_of": as_of.isoformat() if as_of else None,
    }

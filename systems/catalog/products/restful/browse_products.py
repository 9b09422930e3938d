"""The catalog's start page: the product list with ranked search, next/previous pages and best-seller order."""

from flask import render_template, request

from federation.auth import current_identity
from federation.web import db_session
from systems.catalog.products.queries import SORTS, search_products


def browse_products():
    """Products holding every word of `q` (name, SKU or description), 20 a page; admins also see discontinued ones."""
    identity = current_identity()
    q = request.args.get("q", "").strip()[:200]
    sort = request.args.get("sort", "relevance" if q else "name")
    sort = sort if sort in SORTS else "name"
    page = search_products(db_session(), q=q, sort=sort, include_discontinued=bool(identity and identity.is_admin))
    return render_template("browse_products.html", page=page, q=q, sort=sort, sorts=SORTS)

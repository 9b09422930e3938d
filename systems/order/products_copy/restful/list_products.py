"""The start page: products that can be ordered, from the local copy, a page at a time, searchable, with freshness."""

from __future__ import annotations

from flask import render_template, request

from federation.web import db_session
from systems.order.products_copy.freshness import catalog_data_as_of
from systems.order.products_copy.queries import orderable_products


def list_products():
    """One page of copied products that are not discontinued, by name or matching `q` (works while catalog is down)."""
    session = db_session()
    q = request.args.get("q", "").strip()[:200]
    page = orderable_products(session, q)
    return render_template("list_products.html", page=page, q=q, as_of=catalog_data_as_of(session))

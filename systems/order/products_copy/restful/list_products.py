"""The start page: products that can be ordered, from the local copy, with their availability and freshness."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from federation.web import db_session
from systems.order.products_copy.freshness import catalog_data_as_of
from systems.order.products_copy.models import ProductCopy


def list_products():
    """List every copied product that is not discontinued, by name (works while the catalog is down)."""
    session = db_session()
    products = session.scalars(
        select(ProductCopy).where(ProductCopy.discontinued.is_(False)).order_by(ProductCopy.name)
    )
    return render_template("list_products.html", products=list(products), as_of=catalog_data_as_of(session))

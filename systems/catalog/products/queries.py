"""Reading products: ranked search, keyset pages and best-seller order, shared by the HTML pages and the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from federation.errors import ApiError
from federation.pagination import Page, SortKey, keyset_page, list_of, page_request
from federation.search import matches
from systems.catalog.products.models import Product
from systems.catalog.products.search import PRODUCT_SEARCH
from systems.catalog.sales.models import ProductSales

PER_PAGE = 20
MAX_PER_PAGE = 100
SORTS = {"relevance": "Relevance", "name": "Name", "bestsellers": "Best sellers"}


def search_products(session: Session, *, q: str = "", sort: str = "name", include_discontinued: bool = False) -> Page:
    """One page of (product, units sold): those holding every word of `q` as a prefix, or all, ordered by `sort`.

    `limit` and `cursor` come from the request's query string.
    """
    if sort == "bestsellers":  # products that sold, read along the sales copy's (units_sold, product_id) index
        sold: ColumnElement[int] | InstrumentedAttribute[int] = ProductSales.units_sold
        query = select(Product, sold).join(ProductSales, ProductSales.product_id == Product.id).where(sold > 0)
    else:
        sold = func.coalesce(ProductSales.units_sold, 0)
        query = select(Product, sold).outerjoin(ProductSales, ProductSales.product_id == Product.id)
    if not include_discontinued:
        query = query.where(Product.discontinued.is_(False))
    hits = matches(session, PRODUCT_SEARCH, q) if q else None
    if q and hits is None:
        return Page(items=[], next=None, previous=None)
    if hits is not None:
        query = query.join(hits, hits.c.key == Product.id).add_columns(hits.c.rank)
    if sort == "relevance" and hits is None:
        sort = "name"
    keys, key_of = _ORDERS[sort](sold, hits)
    list_name = list_of("catalog.products", sort, include_discontinued, q)
    asked = page_request(list_name, keys, default=PER_PAGE, cap=MAX_PER_PAGE)
    page = keyset_page(session, query, list_name, keys, asked, key_of, scalars=False)
    return Page(items=[(row[0], row[1]) for row in page.items], next=page.next, previous=page.previous)


def _by_bestsellers(sold, _hits) -> tuple[list[SortKey], KeyOf]:
    """Products that sold, most units first (ties by id), read along the sales copy's index."""
    keys = [SortKey(sold, descending=True, kind=int), SortKey(ProductSales.product_id, descending=True, kind=uuid.UUID)]
    return keys, lambda row: (row[1], row[0].id)


def _by_relevance(_sold, hits) -> tuple[list[SortKey], KeyOf]:
    """Best match first (the search's rank), then by id."""
    return [SortKey(hits.c.rank, kind=float), SortKey(Product.id, kind=uuid.UUID)], lambda row: (row[2], row[0].id)


def _by_name(_sold, _hits) -> tuple[list[SortKey], KeyOf]:
    """By name, then id: read along the (name, id) index."""
    return [SortKey(Product.name), SortKey(Product.id, kind=uuid.UUID)], lambda row: (row[0].name, row[0].id)


KeyOf = Callable[[Any], tuple]
_ORDERS = {"bestsellers": _by_bestsellers, "relevance": _by_relevance, "name": _by_name}


def units_sold(session: Session, product_id: uuid.UUID) -> int:
    """Units of a product sold so far (from the sales copy)."""
    sales = session.get(ProductSales, product_id)
    return sales.units_sold if sales else 0


def product_json(product: Product, sold: int) -> dict:
    """A product as the API shows it: the public state plus its version and units sold."""
    return {**product.state().model_dump(mode="json"), "version": product.version, "units_sold": sold}


def product_or_404(session: Session, product_id: uuid.UUID, *, for_update: bool = False) -> Product:
    """The product, or a 404 (JSON under /api/, the error page elsewhere); locked for writing when asked."""
    product = session.get(Product, product_id, with_for_update=for_update)
    if product is None:
        raise ApiError(404, f"There is no product {product_id}.", details={"product_id": str(product_id)})
    return product

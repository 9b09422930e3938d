"""Reading products: search, pagination and best-seller order, shared by the HTML pages and the API."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from federation.errors import ApiError
from systems.catalog.products.models import Product
from systems.catalog.sales.models import ProductSales

PER_PAGE = 20


@dataclass(frozen=True)
class Page:
    """One page of products, each with its units sold."""

    items: list[tuple[Product, int]]
    page: int
    pages: int
    total: int


def search_products(
    session: Session, *, q: str = "", page: int = 1, sort: str = "name", include_discontinued: bool = False
) -> Page:
    """Products whose name, SKU or description contain `q`; `page` is clamped to the pages there are."""
    units_sold = func.coalesce(ProductSales.units_sold, 0)
    query = select(Product, units_sold).outerjoin(ProductSales, ProductSales.product_id == Product.id)
    if not include_discontinued:
        query = query.where(Product.discontinued.is_(False))
    if q:
        query = query.where(
            or_(*(column.icontains(q, autoescape=True) for column in (Product.name, Product.sku, Product.description)))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(page, 1), pages)
    order = (units_sold.desc(), Product.name, Product.id) if sort == "bestsellers" else (Product.name, Product.id)
    rows = session.execute(query.order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Page(items=[(product, sold) for product, sold in rows], page=page, pages=pages, total=total)


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

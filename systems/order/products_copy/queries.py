"""Reading the product copy: one page of orderable products, by name or ranked by a search (no catalog needed)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from federation.pagination import Page, SortKey, keyset_page, list_of, page_request
from federation.search import matches
from systems.order.products_copy.models import ProductCopy
from systems.order.products_copy.search import PRODUCT_COPY_SEARCH

PER_PAGE = 20
MAX_PER_PAGE = 100


def orderable_products(session: Session, q: str = "") -> Page:
    """One page of copied products not discontinued: by name, or those holding every word of `q`, best match first.

    `limit` and `cursor` come from the request's query string.
    """
    query = select(ProductCopy).where(ProductCopy.discontinued.is_(False))
    hits = matches(session, PRODUCT_COPY_SEARCH, q) if q else None
    list_name = list_of("order.products", q)
    if hits is None:
        keys = [SortKey(ProductCopy.name), SortKey(ProductCopy.id, kind=uuid.UUID)]
        asked = page_request(list_name, keys, default=PER_PAGE, cap=MAX_PER_PAGE)
        if q:  # words-less text (only punctuation): nothing matches
            return Page(items=[], next=None, previous=None)
        return keyset_page(session, query, list_name, keys, asked, lambda product: (product.name, product.id))
    keys = [SortKey(hits.c.rank, kind=float), SortKey(ProductCopy.id, kind=uuid.UUID)]
    asked = page_request(list_name, keys, default=PER_PAGE, cap=MAX_PER_PAGE)
    query = query.join(hits, hits.c.key == ProductCopy.id).add_columns(hits.c.rank)
    page = keyset_page(session, query, list_name, keys, asked, lambda row: (row[1], row[0].id), scalars=False)
    return Page(items=[row[0] for row in page.items], next=page.next, previous=page.previous)

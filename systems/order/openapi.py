"""The order system's JSON API as OpenAPI: its operations, with the request model the views validate with."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from federation.openapi import ApiDescription, Operation
from federation.pagination import PageQuery
from shared_contracts.catalog import ProductImage
from shared_contracts.order import OrderState, OrderStatus
from systems.order.orders.requests import PlaceOrderRequest


class StatusChange(BaseModel):
    """One step of an order's history."""

    status: OrderStatus
    at: datetime
    reason: str | None


class Order(OrderState):
    """An order as the API shows it: its public state, version and status history."""

    version: int
    history: list[StatusChange]


class Orders(BaseModel):
    """One page of the caller's orders, newest first."""

    items: list[Order]
    next: str | None
    previous: str | None


class ProductCopy(BaseModel):
    """A product as the order system knows it from the catalog's events, with availability."""

    id: uuid.UUID
    sku: str
    name: str
    description: str
    price_cents: int
    currency: str
    available: int
    availability: Literal["in_stock", "sold_out"]
    images: list[ProductImage]
    aggregate_version: int
    updated_at: AwareDatetime


class ProductCopies(BaseModel):
    """One page of orderable products of the local copy, and when the catalog was last heard from."""

    items: list[ProductCopy]
    next: str | None
    previous: str | None
    as_of: AwareDatetime | None


class ProductSearch(PageQuery):
    """Query string of GET /api/products: words to search for (ranked, the last as a prefix) and the page."""

    q: str = Field(default="", max_length=1000)


API = ApiDescription(
    title="order",
    version="1",
    operations=[
        Operation(
            "GET",
            "/api/products",
            "Orderable products (the local copy, with availability), searchable",
            {200: ProductCopies},
            query=ProductSearch,
        ),
        Operation("GET", "/api/orders", "My orders", {200: Orders}, query=PageQuery, auth="required"),
        Operation(
            "POST",
            "/api/orders",
            "Place an order (idempotent with a key)",
            {201: Order, 200: Order},
            body=PlaceOrderRequest,
            auth="required",
            errors={
                403: "The account has been deleted.",
                422: "A product is unknown or discontinued, or the currencies differ.",
            },
        ),
        Operation("GET", "/api/orders/{order_id}", "One of my orders", {200: Order}, auth="required"),
        Operation(
            "POST",
            "/api/orders/{order_id}/cancel",
            "Cancel my pending or confirmed order",
            {200: Order},
            auth="required",
            errors={409: "The order is rejected or cancelled already."},
        ),
    ],
)

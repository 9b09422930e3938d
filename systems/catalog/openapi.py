"""The catalog's JSON API as OpenAPI: its operations, with the request models the views validate with."""

from __future__ import annotations

from pydantic import BaseModel

from federation.openapi import ApiDescription, Operation
from shared_contracts.catalog import ProductState
from systems.catalog.products.schemas import NewProduct, ProductChanges, ProductQuery


class Product(ProductState):
    """A product as the API shows it: its public state, version and units sold."""

    version: int
    units_sold: int


class ProductPage(BaseModel):
    """One page of a product search."""

    items: list[Product]
    next: str | None
    previous: str | None


API = ApiDescription(
    title="catalog",
    version="1",
    operations=[
        Operation(
            "GET",
            "/api/products",
            "Search products (admins also see discontinued ones)",
            {200: ProductPage},
            query=ProductQuery,
            auth="optional",
        ),
        Operation(
            "POST",
            "/api/products",
            "Add a product (admin)",
            {201: Product},
            body=NewProduct,
            auth="admin",
            errors={409: "The SKU is in use."},
        ),
        Operation("GET", "/api/products/{product_id}", "One product", {200: Product}),
        Operation(
            "PATCH",
            "/api/products/{product_id}",
            "Change some fields of a product (admin)",
            {200: Product},
            body=ProductChanges,
            auth="admin",
            errors={409: "The SKU is in use.", 422: "The product is discontinued."},
        ),
        Operation(
            "DELETE", "/api/products/{product_id}", "Discontinue a product (admin)", {200: Product}, auth="admin"
        ),
    ],
)

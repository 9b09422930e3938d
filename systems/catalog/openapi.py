"""The catalog's JSON API as OpenAPI: its operations, with the request models the views validate with."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel

from federation.openapi import ApiDescription, Operation
from shared_contracts.catalog import ImageVariant, ProductState
from systems.catalog.images.restful.update_product_image import ImageChanges
from systems.catalog.products.schemas import NewProduct, ProductChanges, ProductQuery


class Product(ProductState):
    """A product as the API shows it: its public state, version and units sold."""

    version: int
    units_sold: int


class ImageAccepted(BaseModel):
    """An upload whose original is stored; the worker makes its variants (`processing` until then)."""

    id: uuid.UUID
    product_id: uuid.UUID
    state: Literal["processing"]


class AdminImage(BaseModel):
    """An image as the admin sees it, processed or not."""

    id: uuid.UUID
    product_id: uuid.UUID
    state: Literal["processing", "ready"]
    alt: str
    position: int
    bytes: int
    variants: list[ImageVariant]


class AdminImages(BaseModel):
    """A product's images in order."""

    items: list[AdminImage]


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
        Operation(
            "GET",
            "/api/products/{product_id}/images",
            "A product's images, processed or not (admin)",
            {200: AdminImages},
            auth="admin",
        ),
        Operation(
            "POST",
            "/api/products/{product_id}/images",
            "Upload an image (admin; multipart/form-data: `file`, optional `alt`); processed by the worker",
            {202: ImageAccepted},
            auth="admin",
            errors={
                400: "Not an accepted image (named in details.file): not JPEG/PNG/WebP, truncated, SVG, polyglot, "
                "over the pixel limit, or its extension does not match its content.",
                413: "The file is larger than 8 MB.",
                422: "The product is discontinued.",
            },
        ),
        Operation(
            "PATCH",
            "/api/products/{product_id}/images/{image_id}",
            "Change an image's alternative text or position (admin)",
            {200: AdminImage},
            body=ImageChanges,
            auth="admin",
            errors={422: "The product is discontinued."},
        ),
        Operation(
            "DELETE",
            "/api/products/{product_id}/images/{image_id}",
            "Remove an image (admin)",
            {204: None},
            auth="admin",
            errors={422: "The product is discontinued."},
        ),
    ],
)
